"""The console's case queue: open cases, a case with its summary and transcript, a
reply box that sends through the bot, and Claim / Close / Return — the same
:class:`~bot.store.cases.CaseBook` functions the Telegram staff group uses.

A mediator sees the cases in their languages and those assigned to them; an admin
sees every case. Acting on a case needs an account linked to a mediator. Opening a
case (a read of a conversation) and every action are written to the audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.i18n import N_
from bot.services.casework import STAFF_TEXTS, case_title, summary_text
from bot.settings import SERVED_LANGUAGES
from bot.store.cases import OPEN, URGENCIES, CaseBook, CaseStatus, CaseView, open_to_all
from bot.store.knowledge import KnowledgeStore
from bot.store.staff import StaffView
from bot.web.pages import Console, staff, staff_route

__all__ = ["case_routes", "may_see"]

_STATUSES = ("open", "queued", "claimed", "closed", "returned", "all")
_MAX_REPLY = 4000
_RESULTS = {
    CaseStatus.YOURS: "already_yours",
    CaseStatus.TAKEN: "already_claimed",
    CaseStatus.OVER: "case_over",
    CaseStatus.GONE: "case_gone",
    CaseStatus.NOT_OWNER: "not_owner",
}
_CONSOLE_RESULTS = {"no_mediator": N_("console.no_mediator")}


def may_see(user: StaffView, case: CaseView, covered: Iterable[str] = ()) -> bool:
    """An admin sees every case; a mediator theirs, those in their languages, and the
    waiting cases open to all (emergencies, languages nobody on duty speaks)."""
    return (
        user.is_admin
        or case.language in user.languages
        or (user.mediator_id is not None and case.mediator_id == user.mediator_id)
        or open_to_all(case, covered)
    )


def case_routes(
    console: Console, book: CaseBook, changed: Callable[[], None] | None = None
) -> list[BaseRoute]:
    """The queue's routes; ``changed`` wakes the case relay after an action."""
    zone = console.settings.staff_timezone

    async def queue(request: Request) -> Response:
        user = staff(request).user
        q = request.query_params
        status = q.get("status", "open")
        if status not in _STATUSES:
            status = "open"
        language = q.get("language") if q.get("language") in SERVED_LANGUAGES else None
        urgency = q.get("urgency") if q.get("urgency") in URGENCIES else None
        statuses = (
            OPEN
            if status == "open"
            else ("queued", "claimed", "closed", "returned")
            if status == "all"
            else (status,)
        )
        visible = None if user.is_admin else (user.languages, user.mediator_id)
        covered = await asyncio.to_thread(book.covered_languages, console.clock())
        cases = await asyncio.to_thread(
            book.cases,
            statuses=statuses,
            language=language,
            urgency=urgency,
            visible_to=visible,
            covered=covered,
        )
        t = console.translator(user)
        return console.render(
            request,
            "console_cases.html",
            cases=cases,
            status=status,
            language=language or "",
            urgency=urgency or "",
            statuses=_STATUSES,
            languages=SERVED_LANGUAGES,
            urgencies=URGENCIES,
            titles={case.id: case_title(case, t) for case in cases},
        )

    async def visible_case(request: Request) -> CaseView | None:
        case = await asyncio.to_thread(book.case, int(request.path_params["case_id"]))
        if case is None:
            return None
        covered = await asyncio.to_thread(book.covered_languages, console.clock())
        return case if may_see(staff(request).user, case, covered) else None

    async def case_page(request: Request) -> Response:
        case = await visible_case(request)
        if case is None:  # missing and not yours look the same
            return console.render(request, "console_refused.html", status_code=404)
        user = staff(request).user
        t = console.translator(user)
        regions = await asyncio.to_thread(KnowledgeStore(book.store).region_names)
        transcript = await asyncio.to_thread(book.transcript, case.id)
        await console.audit(request, "case.read", f"case:{case.id}")
        result = request.query_params.get("result", "")
        return console.render(
            request,
            "console_case.html",
            case=case,
            title=case_title(case, t),
            summary=summary_text(case, t, regions, zone),
            transcript=transcript,
            result=result if result in STAFF_TEXTS else "",
            console_result=_CONSOLE_RESULTS.get(result, ""),
            can_act=user.mediator_id is not None or user.is_admin,
            links_account=user.mediator_id is None and user.is_admin,
        )

    async def act(request: Request) -> Response:
        case = await visible_case(request)
        if case is None:
            return console.render(request, "console_refused.html", status_code=404)
        user = staff(request).user
        action = request.path_params["action"]
        if action not in ("claim", "close", "return", "reply", "note"):
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
        form = await request.form()
        text = str(form.get("text", "")).strip()[:_MAX_REPLY]
        if action == "claim":
            status = await asyncio.to_thread(book.claim, case.id, mediator, now)
        elif action in ("close", "return"):
            status = await asyncio.to_thread(
                book.finish, case.id, mediator, "closed" if action == "close" else "returned", now
            )
        else:
            if not text:
                return _back(case.id, "", empty=True)
            if action == "note":
                status = await asyncio.to_thread(
                    book.note, case.id, mediator, text, now, source="console"
                )
            else:
                status = await asyncio.to_thread(
                    book.mediator_message, case.id, mediator, "text", text, now, source="console"
                )
        await console.audit(request, f"case.{action}", f"case:{case.id}", {"result": str(status)})
        if status == CaseStatus.DONE:
            if changed is not None:
                changed()
            return _back(case.id, "")
        key = _RESULTS[status]
        if status == CaseStatus.NOT_OWNER and action == "reply" and case.status == "queued":
            key = "claim_first"
        return _back(case.id, key)

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
