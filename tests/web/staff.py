"""Signing staff in to the console over HTTP, as a browser would: the sign-in form,
its CSRF cookie, the session cookie, the second factor's code (administrators have one:
:data:`TOTP_SECRET`), then the CSRF token of the signed-in pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
from starlette.applications import Starlette

from bot.app import Orienta
from bot.store.staff import StaffBook, StaffView
from bot.store.staff_access import StaffAccess
from bot.web.app import create_app

__all__ = [
    "PASSWORD",
    "TOTP_SECRET",
    "StaffClient",
    "account",
    "codes",
    "form_token",
    "give_code",
    "log_in",
    "signed_in",
    "web_client",
]

PASSWORD = "correct horse battery staple"
#: The second factor of the test accounts that have one (every administrator).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def web_client(
    orienta: Orienta,
    peer: str = "127.0.0.1",
    base: str = "http://127.0.0.1",
    app: Starlette | None = None,
) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app or create_app(orienta), client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url=base)


def account(
    orienta: Orienta,
    username: str,
    role: str,
    *,
    mediator_id: int | None = None,
    language: str | None = None,
    totp: bool | None = None,
) -> StaffView:
    """A console account with :data:`PASSWORD`; with the second factor
    :data:`TOTP_SECRET` when ``totp`` (by default: administrators, who must have one)."""
    book = StaffBook(orienta.store)
    user = book.add_user(
        username, PASSWORD, role, datetime.now(UTC), mediator_id=mediator_id, language=language
    )
    if totp if totp is not None else role == "admin":
        access = StaffAccess(orienta.store)
        access.begin_totp(user.id, TOTP_SECRET)
        access.confirm_totp(user.id, 0)
    found = book.user(user.id)
    assert found is not None
    return found


def codes(now: datetime, secret: str = TOTP_SECRET) -> list[str]:
    """The codes an authenticator shows at ``now`` and the next moment (the second, for
    a second sign-in within the same 30 seconds: a code is accepted once)."""
    totp = pyotp.TOTP(secret)
    return [totp.at(now), totp.at(now + timedelta(seconds=30))]


async def give_code(
    http: httpx.AsyncClient, response: httpx.Response, now: datetime | None = None
) -> httpx.Response:
    """After the password: the second factor's code when the console asks for it."""
    location = response.headers.get("location", "")
    if response.status_code != 303 or not location.startswith("/console/login/code"):
        return response
    page = await http.get(location)
    assert page.status_code == 200, page.text
    for code in codes(now or datetime.now(UTC)):
        answer = await http.post(
            "/console/login/code",
            data={
                "csrf": form_token(page.text),
                "code": code,
                "next": parse_qs(urlsplit(location).query).get("next", [""])[0],
            },
        )
        if answer.status_code == 303:
            return answer
    return answer


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


class StaffClient:
    """A signed-in client and the session's CSRF token."""

    def __init__(self, http: httpx.AsyncClient, csrf: str) -> None:
        self.http = http
        self.csrf = csrf

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        return await self.http.get(url, **kwargs)  # type: ignore[arg-type]

    async def post(self, url: str, data: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(url, data={"csrf": self.csrf, **(data or {})})


async def log_in(
    http: httpx.AsyncClient,
    username: str,
    password: str = PASSWORD,
    *,
    now: datetime | None = None,
) -> httpx.Response:
    """Sign in through the form, giving the second factor's code (of ``now``) when asked."""
    page = await http.get("/console/login")
    response = await http.post(
        "/console/login",
        data={
            "csrf": form_token(page.text),
            "username": username,
            "password": password,
            "next": "/console/cases",
        },
    )
    return await give_code(http, response, now)


@asynccontextmanager
async def signed_in(
    orienta: Orienta, username: str, app: Starlette | None = None
) -> AsyncIterator[StaffClient]:
    async with web_client(orienta, app=app) as http:
        response = await log_in(http, username, now=orienta.runner.clock())
        assert response.status_code == 303, response.text
        page = await http.get("/console/cases")
        assert page.status_code == 200
        yield StaffClient(http, form_token(page.text))
