"""The web console's case queue: open cases, a case with its summary and transcript, a
reply box that sends through the bot, and Claim / Close / Return — the same
:class:`~bot.store.cases.CaseBook` functions the Telegram staff group uses.

Staff accounts and roles come later; until then only the machine itself may open
these pages: a request must come from 127.0.0.1 (or ::1) and name a local host (so a
web page elsewhere cannot reach it through DNS rebinding), and every form carries a
CSRF token checked against a SameSite=Strict cookie. The mediator acting is chosen in
the form.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from bot.i18n import N_, Catalogs, format_moment
from bot.services.casework import STAFF_TEXTS, case_title, staff_text, summary_text
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.cases import OPEN, URGENCIES, CaseBook, CaseStatus
from bot.store.knowledge import KnowledgeStore

__all__ = ["CONSOLE_TEXTS", "console_routes", "is_local"]

CONSOLE_TEXTS = {
    "title": N_("console.title"),
    "queue": N_("console.queue"),
    "language": N_("console.language"),
    "urgency": N_("console.urgency"),
    "status": N_("console.status"),
    "any": N_("console.any"),
    "open": N_("console.open"),
    "filter": N_("console.filter"),
    "case": N_("console.case"),
    "opened": N_("console.opened"),
    "mediator": N_("console.mediator"),
    "empty": N_("console.empty"),
    "acting_as": N_("console.acting_as"),
    "no_mediators": N_("console.no_mediators"),
    "reply": N_("console.reply"),
    "send": N_("console.send"),
    "note": N_("console.note"),
    "transcript": N_("console.transcript"),
    "summary": N_("console.summary"),
    "back": N_("console.back"),
    "person": N_("console.person"),
    "internal_note": N_("console.internal_note"),
    "no_messages": N_("console.no_messages"),
    "media": N_("console.media"),
    "empty_reply": N_("console.empty_reply"),
    "rating": N_("console.rating"),
}
CSRF_COOKIE = "orienta_console_csrf"
_LOCAL_CLIENTS = {"127.0.0.1", "::1"}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
_STATUSES = ("open", "queued", "claimed", "closed", "returned", "all")
_MAX_REPLY = 4000
_RESULTS = {CaseStatus.YOURS: "already_yours", CaseStatus.TAKEN: "already_claimed",
            CaseStatus.OVER: "case_over", CaseStatus.GONE: "case_gone",
            CaseStatus.NOT_OWNER: "not_owner"}


def is_local(request: Request) -> bool:
    """A request from this machine, addressed to it by a local name."""
    client = request.client.host if request.client else ""
    return client in _LOCAL_CLIENTS and request.url.hostname in _LOCAL_HOSTS


def console_routes(book: CaseBook, catalogs: Catalogs, settings: Settings,
                   templates: Jinja2Templates, clock: Callable[[], datetime],
                   changed: Callable[[], None] | None = None) -> list[BaseRoute]:
    """The queue's routes; ``changed`` wakes the case relay after an action."""
    lang = settings.staff_language
    zone = settings.staff_timezone

    def context(request: Request, csrf: str, **values: Any) -> dict[str, Any]:
        t = catalogs.translator(lang)

        def c(key: str, **params: str) -> str:
            return t.gettext(CONSOLE_TEXTS[key], **params)

        def s(key: str, **params: str) -> str:
            return staff_text(t, key, **params)

        def when(value: datetime | None) -> str:
            return format_moment(value, zone, t.lang) if value else ""

        return {"c": c, "s": s, "when": when, "lang": t.lang, "dir": t.direction,
                "csrf": csrf, "mediators": book.mediators(), **values}

    def page(request: Request, name: str, **values: Any) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = templates.TemplateResponse(request, name, context(request, csrf, **values))
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                            path="/console")
        response.headers["cache-control"] = "no-store"
        return response

    def refused() -> Response:
        return PlainTextResponse("The case console is reachable only from this computer "
                                 "until staff accounts exist.", status_code=403)

    async def queue(request: Request) -> Response:
        if not is_local(request):
            return refused()
        q = request.query_params
        status = q.get("status", "open")
        if status not in _STATUSES:
            status = "open"
        language = q.get("language") if q.get("language") in SERVED_LANGUAGES else None
        urgency = q.get("urgency") if q.get("urgency") in URGENCIES else None
        statuses = (OPEN if status == "open" else ("queued", "claimed", "closed", "returned")
                    if status == "all" else (status,))
        cases = await asyncio.to_thread(book.cases, statuses=statuses, language=language,
                                        urgency=urgency)
        t = catalogs.translator(lang)
        return page(request, "console_cases.html", cases=cases, status=status,
                    language=language or "", urgency=urgency or "", statuses=_STATUSES,
                    languages=SERVED_LANGUAGES, urgencies=URGENCIES,
                    titles={case.id: case_title(case, t) for case in cases})

    async def case_page(request: Request) -> Response:
        if not is_local(request):
            return refused()
        case = await asyncio.to_thread(book.case, int(request.path_params["case_id"]))
        if case is None:
            return PlainTextResponse("no such case", status_code=404)
        t = catalogs.translator(lang)
        regions = await asyncio.to_thread(KnowledgeStore(book.store).region_names)
        transcript = await asyncio.to_thread(book.transcript, case.id)
        result = request.query_params.get("result", "")
        return page(request, "console_case.html", case=case, title=case_title(case, t),
                    summary=summary_text(case, t, regions, zone), transcript=transcript,
                    result=result if result in STAFF_TEXTS else "",
                    acting=request.query_params.get("as", ""))

    async def act(request: Request) -> Response:
        if not is_local(request):
            return refused()
        case_id = int(request.path_params["case_id"])
        action = request.path_params["action"]
        form = await request.form()
        token = request.cookies.get(CSRF_COOKIE, "")
        if not token or not hmac.compare_digest(str(form.get("csrf", "")), token):
            return PlainTextResponse("forbidden: stale or missing form token", status_code=403)
        raw = str(form.get("mediator", ""))
        mediator = await asyncio.to_thread(book.mediator, int(raw)) if raw.isdigit() else None
        case = await asyncio.to_thread(book.case, case_id)
        if case is None:
            return PlainTextResponse("no such case", status_code=404)
        if mediator is None or not mediator.active:
            return _back(request, case_id, "not_mediator", raw)
        now = clock()
        text = str(form.get("text", "")).strip()[:_MAX_REPLY]
        if action == "claim":
            status = await asyncio.to_thread(book.claim, case_id, mediator.id, now)
        elif action in ("close", "return"):
            status = await asyncio.to_thread(book.finish, case_id, mediator.id,
                                             "closed" if action == "close" else "returned", now)
        elif action in ("reply", "note"):
            if not text:
                return _back(request, case_id, "", raw, empty=True)
            if action == "note":
                status = await asyncio.to_thread(book.note, case_id, mediator.id, text, now,
                                                 source="console")
            else:
                status = await asyncio.to_thread(book.mediator_message, case_id, mediator.id,
                                                 "text", text, now, source="console")
        else:
            return PlainTextResponse("unknown action", status_code=404)
        if status == CaseStatus.DONE:
            if changed is not None:
                changed()
            return _back(request, case_id, "", raw)
        key = _RESULTS[status]
        if status == CaseStatus.NOT_OWNER and action == "reply" and case.status == "queued":
            key = "claim_first"
        return _back(request, case_id, key, raw)

    return [
        Route("/console", lambda request: RedirectResponse("/console/cases", status_code=303)),
        Route("/console/cases", queue, name="console_cases"),
        Route("/console/cases/{case_id:int}", case_page, name="console_case"),
        Route("/console/cases/{case_id:int}/{action:str}", act, methods=["POST"],
              name="console_act"),
    ]


def _back(request: Request, case_id: int, result: str, mediator: str, *,
          empty: bool = False) -> Response:
    query = f"?as={mediator}" + (f"&result={result}" if result else "") + (
        "&empty=1" if empty else "")
    return RedirectResponse(f"/console/cases/{case_id}{query}", status_code=303)
