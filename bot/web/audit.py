"""The audit log for administrators: who read or changed what, filtered by person and
action, and exported as CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.pages import ADMIN, Console, download, staff_route

__all__ = ["audit_routes", "csv_cell"]


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_routes(console: Console) -> list[BaseRoute]:
    async def audit(request: Request) -> Response:
        q = request.query_params
        before = int(q["before"]) if q.get("before", "").isdigit() else None
        username = q.get("username", "")[:64] or None
        action = q.get("action", "")[:64] or None
        entries = await asyncio.to_thread(
            console.staff.audit_entries, limit=100, before=before, username=username, action=action
        )
        actions = await asyncio.to_thread(console.staff.audit_actions)
        return console.render(
            request,
            "console_audit.html",
            entries=entries,
            actions=actions,
            username=username or "",
            action=action or "",
            older=entries[-1].id if len(entries) == 100 else None,
        )

    async def export(request: Request) -> Response:
        await console.audit(request, "audit.export", "audit_log")

        def rows() -> Iterator[str]:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["id", "at", "username", "action", "target", "detail"])
            for entry in console.staff.all_audit_entries():
                writer.writerow(
                    [
                        entry.id,
                        entry.at.isoformat(),
                        csv_cell(entry.username),
                        entry.action,
                        csv_cell(entry.target),
                        csv_cell(json.dumps(entry.detail, ensure_ascii=False)),
                    ]
                )
                yield out.getvalue()
                out.seek(0)
                out.truncate()
            yield out.getvalue()

        return download(rows(), "text/csv; charset=utf-8", "orienta-audit.csv")

    return [
        staff_route(console, "/console/audit", audit, role=ADMIN, name="console_audit"),
        staff_route(console, "/console/audit.csv", export, role=ADMIN, name="console_audit_export"),
    ]
