"""The steps between an account being made and the page its owner asked for: the
one-time link's page in the account's own language, and the page first asked for kept
through a wrong password, a temporary password's change and the second factor."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import httpx
import pyotp
import pytest

from bot.app import Orienta
from tests.web.staff import account, form_token, signed_in, web_client

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a brand new passphrase here"


@pytest.fixture
def clock(orienta: Orienta) -> list[datetime]:
    now = [MONDAY]
    orienta.runner.clock = lambda: now[0]
    return now


def next_of(page: str) -> str:
    """The page-to-come a form carries, as a browser would send it."""
    found = re.search(r'name="next" value="([^"]*)"', page)
    assert found is not None, "no next field on the page"
    return html.unescape(found.group(1))


async def test_the_link_page_speaks_the_accounts_language(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")  # the console's language: English
    ar = orienta.catalogs.translator("ar")
    async with signed_in(orienta, "ada") as ada:
        page = await ada.post(
            "/console/users",
            {"username": "layla", "role": "admin", "language": "ar", "method": "link"},
        )
    path = re.search(r"http://127\.0\.0\.1(/console/welcome/[\w-]+)", page.text).group(1)  # type: ignore[union-attr]
    async with web_client(orienta) as http:
        form = await http.get(path)
        assert '<html lang="ar" dir="rtl">' in form.text
        assert html.escape(ar.gettext("console.welcome.title")) in form.text
        short = await http.post(
            path, data={"csrf": form_token(form.text), "password": "short", "again": "short"}
        )
        assert short.status_code == 400 and '<html lang="ar" dir="rtl">' in short.text
        error = ar.gettext("console.staff.error.password_short", count="12")
        assert html.escape(error) in short.text
        done = await http.post(
            path,
            data={"csrf": form_token(form.text), "password": NEW_PASSWORD, "again": NEW_PASSWORD},
        )
        assert done.status_code == 303
        # An administrator enrols a second factor next: in Arabic too.
        enrol = await http.get("/console", follow_redirects=True)
        assert str(enrol.url.path) == "/console/account/totp"
        assert '<html lang="ar" dir="rtl">' in enrol.text
    async with web_client(orienta) as http:  # a used link's page: the console's language
        gone = await http.get(path)
        assert gone.status_code == 404 and '<html lang="en" dir="ltr">' in gone.text


async def follow_form(
    http: httpx.AsyncClient, page: httpx.Response, url: str, **fields: str
) -> httpx.Response:
    """Send a page's form as a browser does: its CSRF token and its next field."""
    data = {"csrf": form_token(page.text), "next": next_of(page.text), **fields}
    return await http.post(url, data=data)


async def test_the_page_asked_for_is_kept_through_every_step(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as ada:
        made = await ada.post(
            "/console/users", {"username": "bea", "role": "admin", "method": "temporary"}
        )
    temporary = html.unescape(
        re.search(r'class="issued-password" dir="ltr">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    )
    async with web_client(orienta) as http:
        asked = await http.get("/console/dashboard")
        login = await http.get(asked.headers["location"])
        wrong = await follow_form(
            http, login, "/console/login", username="bea", password="not it at all"
        )
        assert wrong.status_code == 401 and next_of(wrong.text) == "/console/dashboard"
        right = await follow_form(http, wrong, "/console/login", username="bea", password=temporary)
        assert right.headers["location"] == "/console/dashboard"
        sent = await http.get("/console/dashboard")
        form = await http.get(sent.headers["location"])
        assert str(form.url.path) == "/console/account/password"
        mismatch = await follow_form(
            http,
            form,
            "/console/account/password",
            current=temporary,
            password=NEW_PASSWORD,
            again="something else entirely",
        )
        assert mismatch.status_code == 400 and next_of(mismatch.text) == "/console/dashboard"
        changed = await follow_form(
            http,
            mismatch,
            "/console/account/password",
            current=temporary,
            password=NEW_PASSWORD,
            again=NEW_PASSWORD,
        )
        assert changed.headers["location"] == "/console/dashboard"
        sent = await http.get("/console/dashboard")
        enrol = await http.get(sent.headers["location"])
        assert str(enrol.url.path) == "/console/account/totp"
        secret = re.search(r'class="secret" dir="ltr">([A-Z2-7]+)<', enrol.text).group(1)  # type: ignore[union-attr]
        mistyped = await follow_form(http, enrol, "/console/account/totp", code="000000")
        assert mistyped.status_code == 400 and next_of(mistyped.text) == "/console/dashboard"
        code = pyotp.TOTP(secret).at(clock[0])
        done = await follow_form(http, mistyped, "/console/account/totp", code=code)
        assert done.status_code == 303 and done.headers["location"] == "/console/dashboard"
        assert (await http.get("/console/dashboard")).status_code == 200
