"""What every console page shares: the signed-in staff member, their language, the
templates, the clock, the audit log, and the guard every staff route goes through.

A staff route is declared with :func:`staff_route`: it refuses a request without a
live session (a page asks to sign in; anything else gets 401), a request from the
wrong role (403), and a POST whose form does not carry the session's CSRF token or
that comes from another origin (403) — for the live routes, any request from another
origin. The guarded endpoint finds the session in
``request.state.staff``.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from babel.dates import format_timedelta
from starlette.requests import Request
from starlette.responses import (
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.i18n import Catalogs, Translator, format_moment
from bot.services.casework import staff_text
from bot.services.staff_accounts import Stage, stage
from bot.settings import Settings
from bot.store.staff import SessionView, StaffBook, StaffView

__all__ = [
    "ADMIN",
    "ANY_STAGE",
    "SESSION_COOKIE",
    "STAFF",
    "Console",
    "Endpoint",
    "download",
    "staff",
    "staff_route",
]

SESSION_COOKIE = "orienta_console"
Endpoint = Callable[[Request], Awaitable[Response]]
ADMIN = "admin"
STAFF = "staff"  # any signed-in account
#: Where a session that has not finished signing in is sent (see :func:`stage`).
_STAGE_PAGES = {
    Stage.CODE: "/console/login/code",
    Stage.PASSWORD: "/console/account/password",
    Stage.ENROL: "/console/account/totp",
    Stage.FULL: "/console",
}
ANY_STAGE = frozenset(Stage)


@dataclass
class Console:
    """The console's shared parts, built once by :func:`bot.web.app.create_app`."""

    settings: Settings
    catalogs: Catalogs
    templates: Jinja2Templates
    staff: StaffBook
    clock: Callable[[], datetime]

    def translator(self, user: StaffView | None) -> Translator:
        return self.catalogs.translator(
            (user.language if user else None) or self.settings.staff_language
        )

    def render(
        self, request: Request, name: str, *, status_code: int = 200, **values: Any
    ) -> Response:
        session: SessionView | None = getattr(request.state, "staff", None)
        user = session.user if session else None
        t = self.translator(user)
        zone = self.settings.staff_timezone

        def gettext(msgid: str, **params: Any) -> str:
            return t.gettext(msgid, **{k: str(v) for k, v in params.items()})

        def ngettext(msgid: str, msgid_plural: str, count: int, **params: Any) -> str:
            """A message with plural forms: the form for ``count`` (also ``{count}``)."""
            return t.gettext(msgid, count=str(count), **{k: str(v) for k, v in params.items()})

        def when(value: datetime | None) -> str:
            return format_moment(value, zone, t.lang) if value else ""

        def since(value: datetime | None) -> str:
            """How long ago, in words of the reader's language ("12 minutes")."""
            if value is None:
                return ""
            return format_timedelta(
                max(self.clock() - value, timedelta(0)),
                granularity="minute",
                threshold=1.5,
                locale=t.lang,
            )

        context = {
            "_": gettext,
            "ngettext": ngettext,
            "s": lambda key, **p: staff_text(t, key, **p),
            "when": when,
            "since": since,
            "lang": t.lang,
            "dir": t.direction,
            "user": user,
            # Signed in fully (the navigation and the away switch are shown).
            "full": session is not None and stage(session) is Stage.FULL,
            "csrf": session.csrf if session else values.pop("csrf", ""),
            **values,
        }
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code)
        response.headers["cache-control"] = "no-store"
        return response

    async def audit(
        self, request: Request, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        await asyncio.to_thread(
            self.staff.audit, staff(request).user, action, target, self.clock(), detail
        )


def download(body: str | bytes | Iterator[str], media_type: str, filename: str) -> Response:
    """An export the browser saves as ``filename`` and keeps out of its cache; an
    iterator is streamed."""
    headers = {
        "content-disposition": f'attachment; filename="{filename}"',
        "cache-control": "no-store",
    }
    if isinstance(body, str | bytes):
        return Response(body, media_type=media_type, headers=headers)
    return StreamingResponse(body, media_type=media_type, headers=headers)


def staff(request: Request) -> SessionView:
    """The session of a request that passed the guard."""
    session: SessionView = request.state.staff
    return session


def _same_origin(request: Request) -> bool:
    """A POST the browser says comes from this site. Browsers send ``Sec-Fetch-Site``,
    and ``Origin`` except as "null" under the pages' no-referrer policy; a request
    without them (not a browser) still needs the session's CSRF token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def staff_route(
    console: Console,
    path: str,
    endpoint: Endpoint,
    *,
    role: str = STAFF,
    methods: tuple[str, ...] = ("GET",),
    name: str | None = None,
    same_site: bool = False,
    stages: frozenset[Stage] = frozenset({Stage.FULL}),
) -> Route:
    """A console route behind the session, role and CSRF guard; ``same_site`` refuses a
    GET from another site too (a page's live stream and the parts it fetches).
    ``stages`` are the steps of signing in at which it opens: by default only once
    signed in fully (the second factor given, a temporary password changed, an
    administrator's second factor enrolled); a page asked for earlier sends to the step
    still to do, anything else gets 403."""

    async def guarded(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")
        session = await asyncio.to_thread(console.staff.session, token, console.clock())
        if session is None:
            if request.method == "GET":
                target = quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                    safe="",
                )
                return RedirectResponse(f"/console/login?next={target}", status_code=303)
            return PlainTextResponse("sign in first", status_code=401)
        now_at = stage(session)
        if now_at not in stages:
            if request.method == "GET" and not same_site:
                target = _STAGE_PAGES[now_at]
                if now_at is not Stage.FULL:
                    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    target += "?next=" + quote(path, safe="")
                return RedirectResponse(target, status_code=303)
            return PlainTextResponse("forbidden: finish signing in first", status_code=403)
        if same_site and not _same_origin(request):
            return PlainTextResponse("forbidden: another site", status_code=403)
        if role == ADMIN and not session.user.is_admin:
            request.state.staff = session
            return console.render(request, "console_refused.html", status_code=403)
        if request.method == "POST":
            form = await request.form()
            sent = str(form.get("csrf", ""))
            if not _same_origin(request) or not hmac.compare_digest(sent, session.csrf):
                return PlainTextResponse("forbidden: stale or missing form token", status_code=403)
        request.state.staff = session
        return await endpoint(request)

    return Route(path, guarded, methods=list(methods), name=name)
