"""The console's dashboard for administrators: conversations per day by language, time
to a mediator, ratings, where people drop out of each flow, rights questions no article
answered, appointments and "did this help?", over the last 7, 30, 90 or 365 days, as
SVG charts with their tables; and its CSV export. Counts under five read ``<5``
everywhere (see :mod:`bot.services.dashboard`)."""

from __future__ import annotations

import asyncio
import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.services.dashboard import (
    PERIODS,
    DashboardService,
    export_rows,
    shown_count,
    shown_minutes,
)
from bot.web.audit import csv_cell
from bot.web.dashboard_charts import dashboard_charts
from bot.web.pages import ADMIN, Console, download, staff, staff_route

__all__ = ["dashboard_routes", "period_days"]

_DEFAULT_DAYS = 30


def period_days(request: Request) -> int:
    """The period asked for (``?days=``), one of :data:`PERIODS`, else 30."""
    value = request.query_params.get("days", "")
    return int(value) if value.isdigit() and int(value) in PERIODS else _DEFAULT_DAYS


def dashboard_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    service = DashboardService(orienta.store)

    async def dashboard(request: Request) -> Response:
        days = period_days(request)
        board = await asyncio.to_thread(service.board, console.clock(), days)
        t = console.translator(staff(request).user)

        def gettext(msgid: str, **params: object) -> str:
            return t.gettext(msgid, **{k: str(v) for k, v in params.items()})

        return console.render(
            request,
            "console_dashboard.html",
            board=board,
            days=days,
            periods=PERIODS,
            table=board.conversation_table(),
            charts=dashboard_charts(board, gettext, t.direction == "rtl"),
            shown=shown_count,
            shown_minutes=shown_minutes,
        )

    async def export(request: Request) -> Response:
        days = period_days(request)
        board = await asyncio.to_thread(service.board, console.clock(), days)
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
