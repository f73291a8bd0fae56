"""The console's announcements (broadcasts), for administrators: compose one per served
language (or pick a catalog message), choose who gets it (region, language, situation,
an appointment at an office between two dates), see how many people it reaches and how
many it leaves out, preview it as people see it, then send it now or schedule it (in
the console's time zone, shown on the page), follow its progress and cancel it. Every
create, edit, schedule, send and cancel is written to the audit log.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.domain.content import local_name
from bot.i18n import N_
from bot.services.broadcasts import BroadcastDraft, BroadcastRecord, Broadcasts
from bot.web.pages import ADMIN, Console, Endpoint, staff, staff_route

__all__ = ["broadcast_routes", "draft_from_form"]

STATUS_LABELS = {
    "draft": N_("console.broadcasts.status.draft"),
    "scheduled": N_("console.broadcasts.status.scheduled"),
    "sending": N_("console.broadcasts.status.sending"),
    "done": N_("console.broadcasts.status.done"),
    "cancelled": N_("console.broadcasts.status.cancelled"),
}
RECIPIENT_LABELS = {
    "waiting": N_("console.broadcasts.count.waiting"),
    "delivered": N_("console.broadcasts.count.delivered"),
    "blocked": N_("console.broadcasts.count.blocked"),
    "failed": N_("console.broadcasts.count.failed"),
    "skipped": N_("console.broadcasts.count.skipped"),
    "cancelled": N_("console.broadcasts.count.cancelled"),
}
_RESULTS = {
    "sending": N_("console.broadcasts.result.sending"),
    "scheduled": N_("console.broadcasts.result.scheduled"),
    "cancelled": N_("console.broadcasts.result.cancelled"),
    "too_late": N_("console.broadcasts.result.too_late"),
    "bad_time": N_("console.broadcasts.result.bad_time"),
}


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def draft_from_form(form: FormData, languages: tuple[str, ...]) -> BroadcastDraft:
    """The draft a compose form describes."""
    return BroadcastDraft(
        {lang: str(form.get(f"text_{lang}", "")).replace("\r\n", "\n") for lang in languages},
        str(form.get("msgid", "")).strip(),
        tuple(str(v) for v in form.getlist("region") if v),
        tuple(str(v) for v in form.getlist("language") if v in languages),
        tuple(str(v) for v in form.getlist("situation") if v),
        str(form.get("office", "")),
        _day(form.get("from")),
        _day(form.get("to")),
        str(form.get("note", ""))[:500],
    )


def broadcast_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    """The broadcasts list, compose and edit forms, the broadcast page and its actions;
    every route is for administrators."""
    service = Broadcasts(orienta.store, orienta.catalogs, orienta.settings.privacy_notice_version)
    zone = console.settings.staff_timezone

    def zone_label() -> str:
        offset = console.clock().astimezone(ZoneInfo(zone)).strftime("%z")
        return f"{zone}, UTC{offset[:3]}:{offset[3:]}"

    async def listing(request: Request) -> Response:
        records = await asyncio.to_thread(service.latest)
        return console.render(
            request, "console_broadcasts.html", records=records, statuses=STATUS_LABELS
        )

    async def compose_page(
        request: Request,
        draft: BroadcastDraft,
        record: BroadcastRecord | None = None,
        problems: list[str] | None = None,
    ) -> Response:
        choices = await asyncio.to_thread(service.choices)
        lang = console.translator(staff(request).user).lang
        return console.render(
            request,
            "console_broadcast_compose.html",
            status_code=400 if problems else 200,
            draft=draft,
            record=record,
            choices=choices,
            problems=problems or [],
            named=lambda names: local_name(names, lang),
        )

    async def new(request: Request) -> Response:
        return await compose_page(request, BroadcastDraft())

    async def create(request: Request) -> Response:
        draft = draft_from_form(await request.form(), service.served)
        problems = service.check(draft)
        if problems:
            return await compose_page(request, draft, problems=problems)
        user = staff(request).user
        broadcast_id = await asyncio.to_thread(
            service.create, draft, user.username, console.clock()
        )
        await console.audit(
            request, "broadcast.create", f"broadcast:{broadcast_id}", _detail(draft)
        )
        return RedirectResponse(f"/console/broadcasts/{broadcast_id}", status_code=303)

    async def edit(request: Request) -> Response:
        record = await asyncio.to_thread(service.get, request.path_params["broadcast_id"])
        if record is None or record.status != "draft":
            return _back(record, "too_late")
        if request.method == "GET":
            return await compose_page(request, BroadcastDraft.of(record), record)
        draft = draft_from_form(await request.form(), service.served)
        problems = service.check(draft)
        if problems:
            return await compose_page(request, draft, record, problems)
        if not await asyncio.to_thread(service.update, record.id, draft):
            return _back(record, "too_late")
        await console.audit(request, "broadcast.edit", f"broadcast:{record.id}", _detail(draft))
        return _back(record, "")

    async def page(request: Request) -> Response:
        record = await asyncio.to_thread(service.get, request.path_params["broadcast_id"])
        if record is None:
            return RedirectResponse("/console/broadcasts", status_code=303)
        draft = BroadcastDraft.of(record)
        _, audience = await asyncio.to_thread(service.recipients, draft)
        previews = await asyncio.to_thread(service.preview, draft)
        counts = dict(record.counts)
        waiting = counts.pop("pending", 0) + counts.pop("queued", 0)
        done = sum(counts.values())
        result = request.query_params.get("result", "")
        local_now = console.clock().astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        return console.render(
            request,
            "console_broadcast.html",
            record=record,
            draft=draft,
            audience=audience,
            previews=previews,
            counts={"waiting": waiting, **counts},
            done=done,
            labels=RECIPIENT_LABELS,
            statuses=STATUS_LABELS,
            zone=zone_label(),
            default_at=local_now.strftime("%Y-%m-%dT%H:%M"),
            message=_RESULTS.get(result, ""),
        )

    async def send(request: Request) -> Response:
        broadcast_id = request.path_params["broadcast_id"]
        now = console.clock()
        sent = await asyncio.to_thread(service.schedule, broadcast_id, now)
        await console.audit(request, "broadcast.send", f"broadcast:{broadcast_id}", {"done": sent})
        return _back_to(broadcast_id, "sending" if sent else "too_late")

    async def schedule(request: Request) -> Response:
        broadcast_id = request.path_params["broadcast_id"]
        form = await request.form()
        try:
            local = datetime.fromisoformat(str(form.get("at", "")))
        except ValueError:
            return _back_to(broadcast_id, "bad_time")
        at = local.replace(tzinfo=ZoneInfo(zone)) if local.tzinfo is None else local
        if at <= console.clock():
            return _back_to(broadcast_id, "bad_time")
        done = await asyncio.to_thread(service.schedule, broadcast_id, at)
        await console.audit(
            request,
            "broadcast.schedule",
            f"broadcast:{broadcast_id}",
            {"at": at.isoformat(), "zone": zone, "done": done},
        )
        return _back_to(broadcast_id, "scheduled" if done else "too_late")

    async def cancel(request: Request) -> Response:
        broadcast_id = request.path_params["broadcast_id"]
        done = await asyncio.to_thread(service.cancel, broadcast_id, console.clock())
        await console.audit(
            request, "broadcast.cancel", f"broadcast:{broadcast_id}", {"done": done}
        )
        return _back_to(broadcast_id, "cancelled" if done else "too_late")

    one = "/console/broadcasts/{broadcast_id:int}"
    table: list[tuple[str, Endpoint, tuple[str, ...], str]] = [
        ("/console/broadcasts", listing, ("GET",), "console_broadcasts"),
        ("/console/broadcasts/new", new, ("GET",), "console_broadcast_new"),
        ("/console/broadcasts/new", create, ("POST",), "console_broadcast_create"),
        (one, page, ("GET",), "console_broadcast"),
        (f"{one}/edit", edit, ("GET", "POST"), "console_broadcast_edit"),
        (f"{one}/send", send, ("POST",), "console_broadcast_send"),
        (f"{one}/schedule", schedule, ("POST",), "console_broadcast_schedule"),
        (f"{one}/cancel", cancel, ("POST",), "console_broadcast_cancel"),
    ]
    return [
        staff_route(console, path, endpoint, role=ADMIN, methods=methods, name=name)
        for path, endpoint, methods, name in table
    ]


def _detail(draft: BroadcastDraft) -> dict[str, Any]:
    """What the audit log keeps of a draft: its languages and audience, not its words."""
    return {
        "languages": sorted(lang for lang, text in draft.texts.items() if text.strip()),
        "msgid": draft.msgid,
        "audience": draft.audience_json(),
    }


def _back(record: BroadcastRecord | None, result: str) -> Response:
    if record is None:
        return RedirectResponse("/console/broadcasts", status_code=303)
    return _back_to(record.id, result)


def _back_to(broadcast_id: int, result: str) -> Response:
    query = f"?result={result}" if result else ""
    return RedirectResponse(f"/console/broadcasts/{broadcast_id}{query}", status_code=303)
