"""Live queue and case pages: a server-sent event stream of the changes of the cases a
mediator may see, a JSON poll of the same for browsers that cannot keep a stream, and
the part of a case page that changed (its status and new messages).

The stream reads the database, never this process's memory: every change of a case
writes a ``case_events`` row in its own transaction, so each poll compares the newest
event id (one index lookup) with the last one sent, and only then reads the events in
between — of the cases the mediator may see now (the rule of
:func:`bot.services.case_desk.may_see`, applied in SQL). Any worker serves any page.
An event names the case, its kind of change, status and urgency, never a message.

The routes go through the console's guard (a live session, and for these GET routes
also a request from this site); the stream reads the session again every few polls
without restarting its idle clock (an open page is not someone using the console), and
ends when it is gone. It also ends after a few minutes; the browser then reconnects
with the last event id it had, so nothing is missed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute

from bot.i18n import Translator
from bot.services.case_desk import CaseChange, CaseDesk, Viewer
from bot.services.casework import staff_text
from bot.web.pages import SESSION_COOKIE, Console, staff, staff_route

__all__ = ["live_routes"]

#: Seconds a stream lasts before the browser is asked to reconnect.
STREAM_SECONDS = 300.0
#: Polls between two readings of the session and of which open cases are visible.
_SWEEP = 8
#: Kinds of change that bring a case into the queue (a sound, the title's count).
_ARRIVALS = ("opened", "requeued")


def live_routes(console: Console, desk: CaseDesk, poll: float) -> list[BaseRoute]:
    """The live routes; ``poll`` is the seconds between two looks at the database."""

    def describe(change: CaseChange, t: Translator) -> dict[str, Any]:
        urgency = staff_text(t, f"urgency.{change.urgency}")
        return {
            "case": change.case_id,
            "kind": change.kind,
            "status": change.status,
            "urgency": change.urgency,
            "title": f"#{change.case_id} · {change.language.upper()} · {urgency}",
            "url": f"/console/cases/{change.case_id}",
            "new": change.kind in _ARRIVALS,
            "emergency": change.urgency == "emergency"
            and change.kind in (*_ARRIVALS, "urgency")
            and change.status == "queued",
        }

    async def events(
        token: str, viewer: Viewer, t: Translator, watch: int | None, cursor: int
    ) -> AsyncIterator[ServerSentEvent]:
        shown = await asyncio.to_thread(desk.open_cases, viewer, console.clock())
        yield ServerSentEvent(
            data=json.dumps({"cursor": cursor}), event="ready", id=str(cursor), retry=3000
        )
        ends = time.monotonic() + STREAM_SECONDS
        polls = 0
        while time.monotonic() < ends:
            await asyncio.sleep(poll)
            polls += 1
            sweep = polls % _SWEEP == 0
            if sweep:
                session = await asyncio.to_thread(
                    console.staff.session, token, console.clock(), touch=False
                )
                if session is None:
                    yield ServerSentEvent(data="{}", event="signed_out")
                    return
                viewer = Viewer.of(session.user)
            latest = await asyncio.to_thread(desk.latest)
            if latest <= cursor and not sweep:
                continue
            now = console.clock()
            changes = await asyncio.to_thread(desk.changes, viewer, cursor, now)
            visible = await asyncio.to_thread(desk.open_cases, viewer, now)
            for change in changes:
                yield ServerSentEvent(
                    data=json.dumps(describe(change, t)), event="case", id=str(change.event)
                )
            touched = {change.case_id for change in changes}
            for event, ids in (("left", shown - visible), ("shown", visible - shown)):
                for case_id in sorted(ids - touched):
                    yield ServerSentEvent(data=json.dumps({"case": case_id}), event=event)
            shown = visible
            cursor = max(latest, changes[-1].event if changes else 0, cursor)
            if (
                watch is not None
                and (watch in touched or sweep)
                and await asyncio.to_thread(desk.case, watch, viewer, now) is None
            ):
                yield ServerSentEvent(data=json.dumps({"case": watch}), event="gone")
                return

    async def stream(request: Request) -> Response:
        session = staff(request)
        viewer = Viewer.of(session.user)
        watch = _number(request.query_params.get("case"))
        now = console.clock()
        if watch is not None and await asyncio.to_thread(desk.case, watch, viewer, now) is None:
            return PlainTextResponse("no such case", status_code=404)
        cursor = _number(request.headers.get("last-event-id"))
        if cursor is None:
            cursor = _number(request.query_params.get("after"))
        if cursor is None:
            cursor = await asyncio.to_thread(desk.latest)
        token = request.cookies.get(SESSION_COOKIE, "")
        t = console.translator(session.user)
        return EventSourceResponse(
            events(token, viewer, t, watch, cursor),
            ping=15,
            send_timeout=30,
            headers={"cache-control": "no-store"},
        )

    async def changes(request: Request) -> Response:
        """The polling fallback: the changes after ``after`` (none without it)."""
        session = staff(request)
        after = _number(request.query_params.get("after"))
        latest = await asyncio.to_thread(desk.latest)
        found: list[CaseChange] = []
        if after is not None:
            found = await asyncio.to_thread(
                desk.changes, Viewer.of(session.user), after, console.clock()
            )
        t = console.translator(session.user)
        cursor = max(latest, found[-1].event if found else 0, after or 0)
        return JSONResponse(
            {"cursor": cursor, "events": [describe(c, t) for c in found]},
            headers={"cache-control": "no-store"},
        )

    async def update(request: Request) -> Response:
        """A case page's new messages (after message ``after``) and its status now."""
        user = staff(request).user
        case_id = int(request.path_params["case_id"])
        case = await asyncio.to_thread(desk.case, case_id, Viewer.of(user), console.clock())
        if case is None:
            return console.render(request, "console_refused.html", status_code=404)
        after = _number(request.query_params.get("after")) or 0
        transcript = await asyncio.to_thread(desk.transcript, case_id, after)
        if transcript:
            await console.audit(request, "case.read", f"case:{case_id}", {"after": after})
        return console.render(request, "console_case_update.html", case=case, transcript=transcript)

    return [
        staff_route(console, "/console/cases/live", stream, name="console_live", same_site=True),
        staff_route(
            console, "/console/cases/changes", changes, name="console_changes", same_site=True
        ),
        staff_route(
            console,
            "/console/cases/{case_id:int}/update",
            update,
            name="console_case_update",
            same_site=True,
        ),
    ]


def _number(value: str | None) -> int | None:
    """A non-negative whole number from a query parameter or header, else None."""
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)
