"""Signing staff in to the console over HTTP, as a browser would: the sign-in form,
its CSRF cookie, the session cookie, then the CSRF token of the signed-in pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette

from bot.app import Orienta
from bot.store.staff import StaffBook, StaffView
from bot.web.app import create_app

__all__ = ["PASSWORD", "StaffClient", "account", "form_token", "log_in", "signed_in", "web_client"]

PASSWORD = "correct horse battery staple"


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
) -> StaffView:
    return StaffBook(orienta.store).add_user(
        username, PASSWORD, role, datetime.now(UTC), mediator_id=mediator_id, language=language
    )


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
    http: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    page = await http.get("/console/login")
    return await http.post(
        "/console/login",
        data={
            "csrf": form_token(page.text),
            "username": username,
            "password": password,
            "next": "/console/cases",
        },
    )


@asynccontextmanager
async def signed_in(
    orienta: Orienta, username: str, app: Starlette | None = None
) -> AsyncIterator[StaffClient]:
    async with web_client(orienta, app=app) as http:
        response = await log_in(http, username)
        assert response.status_code == 303, response.text
        page = await http.get("/console/cases")
        assert page.status_code == 200
        yield StaffClient(http, form_token(page.text))
