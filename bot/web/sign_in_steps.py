"""The steps of signing in after the password: the second factor's code, and choosing a
password through a one-time link an administrator gave (which then signs in).

The code page opens only to a session waiting for its code; failed codes are limited
and audited like failed passwords (:meth:`StaffAccounts.check_code`). The link page
has no session: its form carries a CSRF token checked against a SameSite=Strict
cookie, like the sign-in form's.
"""

from __future__ import annotations

import asyncio
import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.services.staff_accounts import CodeCheck, StaffAccounts, Stage
from bot.services.staff_forms import PasswordForm, read_form
from bot.web.auth import LOGIN_CSRF_COOKIE, login_csrf, login_csrf_ok, safe_next, signed_in
from bot.web.pages import SESSION_COOKIE, Console, staff, staff_route

__all__ = ["sign_in_step_routes", "translated_errors"]


def translated_errors(console: Console, request: Request, errors: object) -> dict[str, str]:
    """A form's problems (field -> message id and parameters) in the staff member's
    language (or the console's, before signing in)."""
    session = getattr(request.state, "staff", None)
    t = console.translator(session.user if session else None)
    assert isinstance(errors, dict)
    return {field: t.gettext(msgid, **params) for field, (msgid, params) in errors.items()}


def sign_in_step_routes(console: Console, accounts: StaffAccounts) -> list[BaseRoute]:
    async def code(request: Request) -> Response:
        after = safe_next(request.query_params.get("next", ""))
        if request.method == "GET":
            return console.render(request, "console_login_code.html", next=after, error="")
        data = await request.form()
        session = staff(request)
        result = await asyncio.to_thread(
            accounts.check_code,
            session.user,
            str(data.get("code", ""))[:16],
            request.cookies.get(SESSION_COOKIE, ""),
            console.clock(),
        )
        if result is CodeCheck.OK:
            return RedirectResponse(safe_next(str(data.get("next", ""))), status_code=303)
        return console.render(
            request,
            "console_login_code.html",
            status_code=429 if result is CodeCheck.LIMITED else 401,
            next=safe_next(str(data.get("next", ""))),
            error=str(result),
        )

    async def welcome(request: Request) -> Response:
        token = request.path_params["token"]
        now = console.clock()
        user = await asyncio.to_thread(accounts.link_account, token, now)
        if user is None:
            return console.render(request, "console_welcome.html", status_code=404, user_of=None)
        if request.method == "GET":
            csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
            page = console.render(
                request, "console_welcome.html", user_of=user, errors={}, csrf=csrf
            )
            return login_csrf(request, csrf, page)
        data = await request.form()
        if not login_csrf_ok(request, data):
            return PlainTextResponse("forbidden: stale or missing form token", status_code=403)
        form = read_form(
            PasswordForm,
            {"password": str(data.get("password", "")), "again": str(data.get("again", ""))},
        )
        if not isinstance(form, PasswordForm):
            return console.render(
                request,
                "console_welcome.html",
                status_code=400,
                user_of=user,
                errors=translated_errors(console, request, form),
                csrf=str(data.get("csrf", "")),
            )
        used = await asyncio.to_thread(accounts.use_link, token, form.password, now)
        if used is None:
            return console.render(request, "console_welcome.html", status_code=404, user_of=None)
        return await signed_in(console, request, used, "/console")

    return [
        staff_route(
            console,
            "/console/login/code",
            code,
            methods=("GET", "POST"),
            name="console_login_code",
            stages=frozenset({Stage.CODE}),
        ),
        Route(
            "/console/welcome/{token:str}",
            welcome,
            methods=["GET", "POST"],
            name="console_welcome",
        ),
    ]
