"""The console's dashboard for administrators: conversations per day by language, where
people drop out of each flow, rights questions no article answered, escalations and the
time to a mediator's first reply, appointments, "did this help?" and the 1–5 ratings,
over the last 7, 30, 90 or 365 days; and its CSV export, in which counts under five
read ``<5`` (see :func:`bot.store.stats.export_rows`)."""

from __future__ import annotations

import asyncio
import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.store.stats import PERIODS, StatsBook, export_rows
from bot.web.audit import csv_cell
from bot.web.pages import ADMIN, Console, download, staff_route

__all__ = ["dashboard_routes", "period_days"]

_DEFAULT_DAYS = 30


def period_days(request: Request) -> int:
    """The period asked for (``?days=``), one of :data:`PERIODS`, else 30."""
    value = request.query_params.get("days", "")
    return int(value) if value.isdigit() and int(value) in PERIODS else _DEFAULT_DAYS


def dashboard_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    stats = StatsBook(orienta.store)

    async def dashboard(request: Request) -> Response:
        days = period_days(request)
        board = await asyncio.to_thread(stats.dashboard, console.clock(), days)
        return console.render(
            request,
            "console_dashboard.html",
            board=board,
            days=days,
            periods=PERIODS,
            table=board.conversation_table(),
        )

    async def export(request: Request) -> Response:
        days = period_days(request)
        board = await asyncio.to_thread(stats.dashboard, console.clock(), days)
        await console.audit(request, "dashboard.export", "dashboard", {"days": days})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["metric", "key", "key2", "key3", "value"])
        writer.writerows([csv_cell(cell) for cell in row] for row in export_rows(board))
        name = f"orienta-dashboard-{board.end.date().isoformat()}-{days}d.csv"
        return download(out.getvalue(), "text/csv; charset=utf-8", name)

    return [
        staff_route(console, "/console/dashboard", dashboard, role=ADMIN, name="console_dashboard"),
        staff_route(
            console, "/console/dashboard.csv", export, role=ADMIN, name="console_dashboard_export"
        ),
    ]
