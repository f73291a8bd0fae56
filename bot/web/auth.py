"""Signing in to the console and out of it.

The sign-in form carries a CSRF token checked against a SameSite=Strict cookie (there
is no session yet). Failed sign-ins are limited per account name and per address by
:meth:`~bot.store.staff.StaffBook.sign_in`; every sign-in, failure and sign-out is in
the audit log. The session cookie is HttpOnly, SameSite=Strict, limited to
``/console`` and Secure when the console is served over HTTPS.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from urllib.parse import quote, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.services.staff_accounts import StaffView
from bot.store.staff import SignIn
from bot.web.pages import ANY_STAGE, SESSION_COOKIE, Console, staff, staff_route

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "auth_routes",
    "login_csrf",
    "login_csrf_ok",
    "safe_next",
    "signed_in",
]

LOGIN_CSRF_COOKIE = "orienta_login_csrf"


def safe_next(value: str) -> str:
    """Where to go after signing in: only a console path on this site."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/console") or "\\" in value:
        return "/console"
    return value


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def login_csrf(request: Request, token: str, response: Response) -> Response:
    """A form without a session (signing in, choosing a password through a link): its
    CSRF token also goes in a SameSite=Strict cookie, compared on POST."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/console",
        secure=request.url.scheme == "https",
    )
    return response


def login_csrf_ok(request: Request, data: FormData) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(str(data.get("csrf", "")), cookie)


async def signed_in(console: Console, request: Request, user: StaffView, after: str) -> Response:
    """A new session for an account whose password was right (or just chosen): the
    console page asked for, or first the second factor when the account has one."""
    pending = "code" if user.totp else None
    token, _ = await asyncio.to_thread(
        console.staff.start_session, user.id, console.clock(), pending=pending
    )
    target = safe_next(after)
    if pending:
        target = "/console/login/code?next=" + quote(target, safe="")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/console",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return response


def auth_routes(console: Console) -> list[BaseRoute]:

    def form(
        request: Request, *, error: str = "", status_code: int = 200, username: str = ""
    ) -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        return login_csrf(
            request,
            token,
            console.render(
                request,
                "console_login.html",
                status_code=status_code,
                csrf=token,
                error=error,
                username=username,
                next=safe_next(request.query_params.get("next", "")),
            ),
        )

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return form(request)
        data = await request.form()
        if not login_csrf_ok(request, data):
            return PlainTextResponse("forbidden: stale or missing form token", status_code=403)
        username = str(data.get("username", ""))[:64]
        password = str(data.get("password", ""))[:1024]
        now = console.clock()
        result = await asyncio.to_thread(
            console.staff.sign_in, username, password, _client(request), now
        )
        if result.status != SignIn.OK or result.user is None:
            await asyncio.to_thread(
                console.staff.audit,
                None,
                f"login.{result.status}",
                username,
                now,
                {"address": _client(request)},
            )
            return form(
                request,
                error=str(result.status),
                username=username,
                status_code=429 if result.status == SignIn.LIMITED else 401,
            )
        await asyncio.to_thread(
            console.staff.audit,
            result.user,
            "login",
            result.user.username,
            now,
            {"address": _client(request)},
        )
        return await signed_in(console, request, result.user, str(data.get("next", "")))

    async def logout(request: Request) -> Response:
        await asyncio.to_thread(console.staff.end_session, request.cookies.get(SESSION_COOKIE, ""))
        await console.audit(request, "logout", staff(request).user.username)
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/console")
        return response

    return [
        Route("/console/login", login, methods=["GET", "POST"], name="console_login"),
        staff_route(
            console,
            "/console/logout",
            logout,
            methods=("POST",),
            name="console_logout",
            stages=ANY_STAGE,
        ),
    ]
