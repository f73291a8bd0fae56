"""The console's case queue: the cases found by number, language, status, urgency and
words, a page at a time; a case with its summary and transcript; a reply box that sends
through the bot (replying to a waiting case claims it); Claim / Close / Return — the
same case book the Telegram staff group uses, through :mod:`bot.services.case_desk`.

A mediator sees the cases in their languages and those assigned to them; an admin
sees every case. Acting on a case needs an account linked to a mediator. Opening a
case (a read of a conversation) and every action are written to the audit log. What a
mediator typed is never lost: a reply or note refused (the case was taken meanwhile,
closed, …) comes back in the box with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.i18n import N_
from bot.services.case_desk import (
    STATUS_CHOICES,
    URGENCIES,
    CaseDesk,
    CaseStatus,
    CaseView,
    Viewer,
    read_query,
)
from bot.services.casework import STAFF_TEXTS, case_title, staff_text, summary_text
from bot.settings import SERVED_LANGUAGES
from bot.web.pages import Console, staff, staff_route

__all__ = ["case_routes"]

_MAX_REPLY = 4000
_MAX_QUERY = 200
_MAX_PAGE = 100_000
_RESULTS = {
    CaseStatus.YOURS: "already_yours",
    CaseStatus.TAKEN: "already_claimed",
    CaseStatus.OVER: "case_over",
    CaseStatus.GONE: "case_gone",
    CaseStatus.NOT_OWNER: "not_owner",
}
#: Results the console says itself (after a redirect: ``?result=``).
_CONSOLE_RESULTS = {
    "no_mediator": N_("console.no_mediator"),
    "claimed_by_reply": N_("console.claimed_by_reply"),
    "claimed_text_kept": N_("console.claimed_text_kept"),
    "sent": "",
    "noted": "",
}
#: The queue's orders: most urgent first (then newest), or newest first.
_ORDERS = {"urgent": N_("console.order.urgent"), "newest": N_("console.order.newest")}


def case_routes(
    console: Console, desk: CaseDesk, changed: Callable[[], None] | None = None
) -> list[BaseRoute]:
    """The queue's routes; ``changed`` wakes the case relay after an action."""
    zone = console.settings.staff_timezone

    async def queue(request: Request) -> Response:
        user = staff(request).user
        q = request.query_params
        status = q.get("status", "open")
        if status not in STATUS_CHOICES:
            status = "open"
        language = q.get("language") if q.get("language") in SERVED_LANGUAGES else None
        urgency = q.get("urgency") if q.get("urgency") in URGENCIES else None
        order = q.get("order") if q.get("order") in _ORDERS else "urgent"
        text = q.get("q", "")[:_MAX_QUERY]
        number = q.get("page", "1")
        page = min(int(number), _MAX_PAGE) if number.isdigit() and int(number) > 0 else 1
        search = read_query(
            text,
            status=status,
            language=language,
            urgency=urgency,
            newest=order == "newest",
            page=page,
        )
        found = await asyncio.to_thread(desk.search, Viewer.of(user), search, console.clock())
        kept = {
            "q": text.strip(),
            "language": language or "",
            "urgency": urgency or "",
            "status": "" if status == "open" else status,
            "order": "" if order == "urgent" else order,
        }
        filters = {k: v for k, v in kept.items() if v}

        def page_url(n: int) -> str:
            query = urlencode({**filters, **({"page": str(n)} if n > 1 else {})})
            return "/console/cases" + (f"?{query}" if query else "")

        t = console.translator(user)
        return console.render(
            request,
            "console_cases.html",
            cases=found.cases,
            total=found.total,
            page=found.page,
            pages=found.pages,
            previous_url=page_url(found.page - 1) if found.page > 1 else "",
            next_url=page_url(found.page + 1) if found.page < found.pages else "",
            q=text.strip(),
            status=status,
            language=language or "",
            urgency=urgency or "",
            order=order,
            orders=_ORDERS,
            statuses=STATUS_CHOICES,
            languages=SERVED_LANGUAGES,
            urgencies=URGENCIES,
            titles={case.id: case_title(case, t) for case in found.cases},
        )

    async def visible_case(request: Request) -> CaseView | None:
        return await asyncio.to_thread(
            desk.case,
            int(request.path_params["case_id"]),
            Viewer.of(staff(request).user),
            console.clock(),
        )

    async def show(
        request: Request,
        case: CaseView,
        *,
        notice: str = "",
        text: str = "",
        status_code: int = 200,
        clear_draft: bool = False,
    ) -> Response:
        """The case page (an audited read); ``text`` goes back into the reply box."""
        user = staff(request).user
        t = console.translator(user)
        regions = await asyncio.to_thread(desk.region_names)
        transcript = await asyncio.to_thread(desk.transcript, case.id)
        await console.audit(request, "case.read", f"case:{case.id}")
        return console.render(
            request,
            "console_case.html",
            status_code=status_code,
            case=case,
            title=case_title(case, t),
            summary=summary_text(case, t, regions, zone),
            transcript=transcript,
            last_message=transcript[-1].id if transcript else 0,
            notice=notice,
            text=text,
            kept=bool(text) and status_code != 200,
            clear_draft=clear_draft,
            can_act=user.mediator_id is not None or user.is_admin,
            links_account=user.mediator_id is None and user.is_admin,
        )

    def said(request: Request, key: str, case: CaseView) -> str:
        """A result in the staff language: the staff group's texts, or the console's."""
        t = console.translator(staff(request).user)
        if key in STAFF_TEXTS:
            return staff_text(t, key, number=str(case.id), mediator=case.mediator_name or "?")
        msgid = _CONSOLE_RESULTS.get(key, "")
        return t.gettext(msgid, number=str(case.id)) if msgid else ""

    async def case_page(request: Request) -> Response:
        case = await visible_case(request)
        if case is None:  # missing and not yours look the same
            return console.render(request, "console_refused.html", status_code=404)
        result = request.query_params.get("result", "")
        if result not in STAFF_TEXTS and result not in _CONSOLE_RESULTS:
            result = ""
        return await show(
            request,
            case,
            notice=said(request, result, case) if result else "",
            clear_draft=result in ("sent", "noted", "claimed_by_reply"),
        )

    def kept(request: Request, notice: str, text: str, status_code: int) -> Response:
        """A refusal without the case page (it may not be shown): the text comes back."""
        return console.render(
            request, "console_case_kept.html", status_code=status_code, notice=notice, text=text
        )

    async def act(request: Request) -> Response:
        user = staff(request).user
        action = request.path_params["action"]
        if action not in ("claim", "close", "return", "reply", "note"):
            return console.render(request, "console_refused.html", status_code=404)
        form = await request.form()
        text = str(form.get("text", "")).strip()[:_MAX_REPLY]
        case = await visible_case(request)
        if case is None:  # missing, or no longer one the viewer may see: say nothing more
            if text:
                gone = console.translator(user).gettext("console.live.gone")
                return kept(request, gone, text, 404)
            return console.render(request, "console_refused.html", status_code=404)
        now = console.clock()
        mediator = user.mediator_id
        if mediator is None and user.is_admin:
            # An administrator acts on a case as a mediator: one step links the account.
            mediator = await asyncio.to_thread(
                console.staff.link_new_mediator,
                user.id,
                SERVED_LANGUAGES,
                console.settings.staff_timezone,
                now,
            )
            await console.audit(request, "staff.mediator_linked", f"mediator:{mediator}")
        if mediator is None:
            return _back(case.id, "no_mediator")
        if action in ("reply", "note") and not text:
            return _back(case.id, "", empty=True)
        claimed = False
        if action == "reply":
            replied = await asyncio.to_thread(desk.reply, case.id, mediator, text, now)
            status, claimed, after = replied.status, replied.claimed, replied.case
            if claimed:
                await console.audit(
                    request, "case.claim", f"case:{case.id}", {"result": "done", "by": "reply"}
                )
        elif action == "note":
            status = await asyncio.to_thread(desk.note, case.id, mediator, text, now)
            after = None
        elif action == "claim":
            status = await asyncio.to_thread(desk.claim, case.id, mediator, now)
            after = None
        else:
            finished = "closed" if action == "close" else "returned"
            status = await asyncio.to_thread(desk.finish, case.id, mediator, finished, now)
            after = None
        await console.audit(request, f"case.{action}", f"case:{case.id}", {"result": str(status)})
        if status == CaseStatus.DONE and changed is not None:
            changed()
        if status == CaseStatus.DONE and action == "claim" and text:
            # Claimed with a reply typed: it stays in the box, not sent yet.
            mine = await visible_case(request) or case
            return await show(
                request, mine, notice=said(request, "claimed_text_kept", mine), text=text
            )
        if status == CaseStatus.DONE:
            result = {"reply": "claimed_by_reply" if claimed else "sent", "note": "noted"}
            return _back(case.id, result.get(action, ""))
        if not text:
            return _back(case.id, _RESULTS[status])
        # Refused with text typed: the page again, the text in the box, and why.
        fresh = await visible_case(request)
        if fresh is None:  # taken by someone else, and no longer one the viewer may see
            also = console.translator(user).gettext("console.text_kept")
            return kept(
                request, f"{said(request, _RESULTS[status], after or case)} {also}", text, 409
            )
        return await show(
            request,
            fresh,
            notice=said(request, _RESULTS[status], fresh),
            text=text,
            status_code=409,
        )

    async def home(request: Request) -> Response:
        return RedirectResponse("/console/cases", status_code=303)

    return [
        staff_route(console, "/console", home, name="console_home"),
        staff_route(console, "/console/cases", queue, name="console_cases"),
        staff_route(console, "/console/cases/{case_id:int}", case_page, name="console_case"),
        staff_route(
            console,
            "/console/cases/{case_id:int}/{action:str}",
            act,
            methods=("POST",),
            name="console_act",
        ),
    ]


def _back(case_id: int, result: str, *, empty: bool = False) -> Response:
    query = "&".join(
        part for part in (f"result={result}" if result else "", "empty=1" if empty else "") if part
    )
    return RedirectResponse(
        f"/console/cases/{case_id}" + (f"?{query}" if query else ""), status_code=303
    )
