"""Every console route behind sign-in, role and CSRF; signing in and out, the limits on
guessing, sessions that end, and the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.routing import Route

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook
from bot.store.models import StaffSession
from bot.store.staff import StaffBook, hash_token
from bot.web.app import create_app
from bot.web.auth import LOGIN_CSRF_COOKIE
from bot.web.pages import SESSION_COOKIE
from tests.web.staff import (
    PASSWORD,
    account,
    form_token,
    give_code,
    log_in,
    signed_in,
    web_client,
)

#: The routes a mediator may open; every other console route is for admins.
MEDIATOR_ROUTES = {
    "console_home",
    "console_cases",
    "console_case",
    "console_act",
    "console_logout",
    "console_live",  # the queue's and a case's live stream
    "console_changes",  # its polling fallback
    "console_case_update",  # a case page's new messages
    "console_account",  # their own account: away switch, second factor, password
    "console_away",
    "console_password",
    "console_totp",
    "console_totp_remove",
    "console_login_code",  # only while signing in (a signed-in session is sent on)
}
#: Console routes open without a session: each checks its own token.
PUBLIC_ROUTES = {"console_login", "console_welcome"}


def console_routes(orienta: Orienta) -> list[tuple[str, str, str]]:
    """(name, method, concrete URL) of every staff route of the app."""
    found = []
    for route in create_app(orienta).routes:
        if not isinstance(route, Route) or not route.path.startswith("/console"):
            continue
        if route.name in PUBLIC_ROUTES:
            continue
        url = re.sub(r"\{[a-z_]+:int\}", "1", route.path)
        url = re.sub(r"\{[a-z_]+(:str)?\}", "x", url)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((route.name, method, url))
    return found


def test_the_console_has_the_expected_routes(orienta: Orienta) -> None:
    names = {name for name, _, _ in console_routes(orienta)}
    assert {
        "console_cases",
        "console_flows",
        "console_flow_save",
        "console_flow_step",
        "console_flow_step_texts",
        "console_flow_step_option",
        "console_flow_step_add_option",
        "console_flow_step_add_step",
        "console_releases",
        "console_publish",
        "console_restore",
        "console_translations",
        "console_translation_save",
        "console_translation_export",
        "console_simulator",
        "console_simulate",
        "console_audit",
        "console_audit_export",
        "console_content",
        "console_appointments",
        "console_dashboard",
        "console_logout",
        "console_users",
        "console_user_add",
        "console_user",
        "console_user_act",
        "console_mediators",
        "console_mediator",
        "console_mediator_save",
        "console_account",
        "console_away",
        "console_totp",
        "console_login_code",
    } <= names


async def test_every_staff_route_refuses_a_stranger(orienta: Orienta) -> None:
    routes = console_routes(orienta)
    async with web_client(orienta) as http:
        for name, method, url in routes:
            response = await http.request(method, url, data={"csrf": "guess"})
            if method == "GET":
                assert response.status_code == 303, (name, url)
                assert response.headers["location"].startswith("/console/login?next="), name
            else:
                assert response.status_code == 401, (name, url)


async def test_admin_routes_refuse_a_mediator(orienta: Orienta) -> None:
    mediator = CaseBook(orienta.store).add_mediator(
        "Amina", ["ar"], hours_to_json(parse_hours("always")), "Europe/Rome", datetime.now(UTC)
    )
    account(orienta, "amina", "mediator", mediator_id=mediator.id)
    routes = console_routes(orienta)
    admin_only = [r for r in routes if r[0] not in MEDIATOR_ROUTES]
    assert len(admin_only) >= 20
    async with signed_in(orienta, "amina") as amina:
        for name, method, url in admin_only:
            response = await (amina.get(url) if method == "GET" else amina.post(url))
            assert response.status_code == 403, (name, method, url)
        assert (await amina.get("/console/cases")).status_code == 200


async def test_every_form_needs_the_session_token(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    posts = [r for r in console_routes(orienta) if r[1] == "POST"]
    async with signed_in(orienta, "ada") as ada:
        for name, _, url in posts:
            missing = await ada.http.post(url, data={})
            assert missing.status_code == 403, name
            forged = await ada.http.post(url, data={"csrf": "x" * 43})
            assert forged.status_code == 403, name
            elsewhere = await ada.http.post(
                url, data={"csrf": ada.csrf}, headers={"origin": "https://evil.example"}
            )
            assert elsewhere.status_code == 403, name
        # Nothing happened: still signed in, no release, no draft.
        assert (await ada.get("/console/releases")).status_code == 200
    assert orienta.live.book.latest_id() is None


async def test_sign_in_cookie_and_sign_out(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    async with web_client(orienta) as http:
        page = await http.get("/console/login?next=/console/flows")
        assert page.status_code == 200 and 'name="password"' in page.text
        stale = await http.post("/console/login", data={"username": "ada", "password": PASSWORD})
        assert stale.status_code == 403  # the sign-in form has its own CSRF token
        response = await http.post(
            "/console/login",
            data={
                "csrf": form_token(page.text),
                "username": "ada",
                "password": PASSWORD,
                "next": "/console/flows",
            },
        )
        # An administrator gives the second factor's code next, then reaches the page.
        assert response.status_code == 303
        assert response.headers["location"] == "/console/login/code?next=%2Fconsole%2Fflows"
        assert (
            (await http.get("/console/flows")).headers["location"].startswith("/console/login/code")
        )
        cookie = next(
            h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")
        )
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        token = http.cookies[SESSION_COOKIE]
        coded = await give_code(http, response)
        assert coded.status_code == 303 and coded.headers["location"] == "/console/flows"
        with orienta.store.session() as session:  # only a hash is stored
            stored = [row.token_hash for row in session.query(StaffSession)]
        assert stored == [hash_token(token)] and token not in stored
        flows = await http.get("/console/flows")
        assert flows.status_code == 200
        out = await http.post("/console/logout", data={"csrf": form_token(flows.text)})
        assert out.status_code == 303
    async with web_client(orienta) as replay:  # the old cookie no longer opens anything
        replay.cookies.set(SESSION_COOKIE, token, path="/console")
        assert (await replay.get("/console/cases")).status_code == 303
    actions = [e.action for e in StaffBook(orienta.store).audit_entries()]
    assert actions[:3] == ["logout", "login.code", "login"]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/console",
        "/console\\@evil.example",
        "javascript:alert(1)",
    ],
)
async def test_after_sign_in_only_console_pages(orienta: Orienta, target: str) -> None:
    account(orienta, "ada", "admin")
    async with web_client(orienta) as http:
        page = await http.get("/console/login")
        response = await http.post(
            "/console/login",
            data={
                "csrf": form_token(page.text),
                "username": "ada",
                "password": PASSWORD,
                "next": target,
            },
        )
        assert response.headers["location"] == "/console/login/code?next=%2Fconsole"
        response = await give_code(http, response)
        assert response.headers["location"] == "/console"


async def test_guessing_is_slowed_per_account_and_address(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    async with web_client(orienta) as http:
        for _ in range(5):
            wrong = await log_in(http, "ada", "not the password at all")
            assert wrong.status_code == 401
            assert "console.login.wrong" not in wrong.text
        limited = await log_in(http, "ada")  # the right password, too late
        assert limited.status_code == 429
        assert SESSION_COOKIE not in http.cookies
    async with web_client(orienta, peer="198.51.100.9") as other:  # same account elsewhere
        assert (await log_in(other, "ada")).status_code == 429
    # An unknown name is answered like a wrong password, and counts the same.
    async with web_client(orienta, peer="198.51.100.10") as http:
        assert (await log_in(http, "nobody")).status_code == 401
    failures = [
        e for e in StaffBook(orienta.store).audit_entries() if e.action.startswith("login.")
    ]
    assert len(failures) == 8 and {e.action for e in failures} == {"login.wrong", "login.limited"}


async def test_sessions_end_when_idle_expired_or_disabled(orienta: Orienta) -> None:
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    orienta.runner.clock = lambda: now[0]
    account(orienta, "ada", "admin")
    account(orienta, "bea", "admin")
    async with signed_in(orienta, "ada") as ada, signed_in(orienta, "bea") as bea:
        now[0] += timedelta(minutes=110)
        assert (await ada.get("/console/audit")).status_code == 200  # still in use
        now[0] += timedelta(minutes=119)
        assert (await ada.get("/console/audit")).status_code == 200
        assert (await bea.get("/console/audit")).status_code == 303  # idle for 3 h 49
        StaffBook(orienta.store).set_active("ada", False)
        assert (await ada.get("/console/audit")).status_code == 303
    StaffBook(orienta.store).set_active("ada", True)
    async with signed_in(orienta, "ada") as ada:
        for _ in range(6):
            now[0] += timedelta(minutes=110)
            assert (await ada.get("/console/audit")).status_code == 200
        now[0] += timedelta(minutes=110)  # more than 12 hours after signing in
        assert (await ada.get("/console/audit")).status_code == 303


async def test_the_audit_log_page_and_export(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    StaffBook(orienta.store).audit(
        None, "user.add", '=HYPERLINK("http://x")', datetime.now(UTC), {"by": "command line"}
    )
    async with signed_in(orienta, "ada") as ada:
        page = await ada.get("/console/audit?action=login")
        assert page.status_code == 200 and "<code>login</code>" in page.text
        assert "user.add</code>" not in page.text
        export = await ada.get("/console/audit.csv")
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(export.text)))
        assert rows[0] == ["id", "at", "username", "action", "target", "detail"]
        added = next(row for row in rows if row[3] == "user.add")
        assert added[4] == '\'=HYPERLINK("http://x")'  # not run as a formula
    assert "audit.export" in {e.action for e in StaffBook(orienta.store).audit_entries()}


async def test_the_console_speaks_the_accounts_language(orienta: Orienta) -> None:
    account(orienta, "sara", "admin", language="ar")
    async with signed_in(orienta, "sara") as sara:
        page = await sara.get("/console/audit")
    assert '<html lang="ar" dir="rtl">' in page.text
    t = orienta.catalogs.translator("ar")
    assert t.gettext("console.audit.title") in page.text


async def test_passwords_are_hashed_with_argon2(orienta: Orienta) -> None:
    book = StaffBook(orienta.store)
    with pytest.raises(ValueError, match="at least 12"):
        book.add_user("short", "too short", "admin", datetime.now(UTC))
    with pytest.raises(ValueError, match="role"):
        book.add_user("root", PASSWORD, "root", datetime.now(UTC))
    book.add_user("ada", PASSWORD, "admin", datetime.now(UTC))
    with pytest.raises(ValueError, match="exists"):
        book.add_user("ada", PASSWORD, "admin", datetime.now(UTC))
    from bot.store.models import StaffUser

    with orienta.store.session() as session:
        stored = session.query(StaffUser).one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_a_sign_in_page_without_cookies_sets_one(orienta: Orienta) -> None:
    transport = httpx.ASGITransport(app=create_app(orienta), client=("127.0.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        page = await http.get("/console/login")
        assert http.cookies[LOGIN_CSRF_COOKIE] == form_token(page.text)
