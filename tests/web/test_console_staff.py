"""Staff managed in the console: accounts created with a one-time link or a temporary
password, disabled, reset, promoted and demoted (never leaving no active
administrator); mediator records created, edited and linked; a mediator's own away
switch; the second factor (TOTP) required of administrators. Every change audited."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook
from bot.store.staff import StaffBook
from tests.web.staff import (
    PASSWORD,
    TOTP_SECRET,
    StaffClient,
    account,
    form_token,
    log_in,
    signed_in,
    web_client,
)

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Rome
NEW_PASSWORD = "a brand new passphrase here"


@pytest.fixture
def clock(orienta: Orienta) -> list[datetime]:
    now = [MONDAY]
    orienta.runner.clock = lambda: now[0]
    return now


def add_mediator(
    orienta: Orienta, name: str = "Amina", languages: tuple[str, ...] = ("ar",)
) -> int:
    always = hours_to_json(parse_hours("always"))
    return (
        CaseBook(orienta.store)
        .add_mediator(name, list(languages), always, "Europe/Rome", MONDAY)
        .id
    )


def audit(orienta: Orienta) -> list[tuple[str, str, str]]:
    """(who, action, on whom), newest first."""
    return [(e.username, e.action, e.target) for e in StaffBook(orienta.store).audit_entries()]


def user_id(orienta: Orienta, username: str) -> int:
    return next(u.id for u in StaffBook(orienta.store).users() if u.username == username)


async def create(ada: StaffClient, **fields: str) -> str:
    response = await ada.post("/console/users", fields)
    assert response.status_code == 200, response.text
    return response.text


def link_path(page: str) -> str:
    found = re.search(r"http://127\.0\.0\.1(/console/welcome/[\w-]+)", page)
    assert found is not None, "no sign-in link on the page"
    return found.group(1)


def temporary_of(page: str) -> str:
    found = re.search(r'class="issued-password" dir="ltr">([^<]+)<', page)
    assert found is not None, "no temporary password on the page"
    return html.unescape(found.group(1))


async def test_an_account_made_with_a_link_signs_in_through_it_once(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    amina = add_mediator(orienta)
    async with signed_in(orienta, "ada") as ada:
        page = await create(
            ada, username="amina", role="mediator", mediator_id=str(amina), method="link"
        )
    path = link_path(page)
    async with web_client(orienta) as http:
        form = await http.get(path)
        assert form.status_code == 200 and "amina" in form.text
        short = await http.post(
            path, data={"csrf": form_token(form.text), "password": "short", "again": "short"}
        )
        assert short.status_code == 400
        t = orienta.catalogs.translator("en")
        assert (
            html.escape(t.gettext("console.staff.error.password_short", count="12")) in short.text
        )
        done = await http.post(
            path,
            data={"csrf": form_token(form.text), "password": NEW_PASSWORD, "again": NEW_PASSWORD},
        )
        assert done.status_code == 303 and done.headers["location"] == "/console"
        assert (await http.get("/console/cases")).status_code == 200  # signed in
    async with web_client(orienta) as http:  # used once: the link is gone
        again = await http.get(path)
        assert again.status_code == 404
        assert (await log_in(http, "amina", NEW_PASSWORD)).status_code == 303
    async with web_client(orienta) as http:  # a link expires after 24 hours
        async with signed_in(orienta, "ada") as ada:
            page = await ada.post(
                f"/console/users/{user_id(orienta, 'amina')}/password", {"method": "link"}
            )
        clock[0] += timedelta(hours=24, minutes=1)
        assert (await http.get(link_path(page.text))).status_code == 404
    actions = audit(orienta)
    assert ("ada", "user.add", "amina") in actions
    assert ("amina", "user.link_used", "amina") in actions
    assert ("ada", "user.reset_link", "amina") in actions


async def test_a_temporary_password_must_be_changed_first(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as ada:
        page = await create(ada, username="bea", role="admin", method="temporary")
    temporary = temporary_of(page)
    assert len(temporary) >= 12
    async with web_client(orienta) as http:
        response = await log_in(http, "bea", temporary, now=clock[0])
        assert response.headers["location"] == "/console/cases"
        cases = await http.get("/console/cases")
        assert cases.status_code == 303
        assert cases.headers["location"].startswith("/console/account/password?next=")
        form = await http.get(cases.headers["location"])
        assert form.status_code == 200
        assert (
            await http.post("/console/account/password", data={"csrf": form_token(form.text)})
        ).status_code == 400
        wrong = await http.post(
            "/console/account/password",
            data={
                "csrf": form_token(form.text),
                "current": "nope",
                "password": NEW_PASSWORD,
                "again": NEW_PASSWORD,
            },
        )
        assert wrong.status_code == 400
        changed = await http.post(
            "/console/account/password",
            data={
                "csrf": form_token(form.text),
                "current": temporary,
                "password": NEW_PASSWORD,
                "again": NEW_PASSWORD,
                "next": "/console/cases",
            },
        )
        assert changed.status_code == 303
        # An administrator: next, the second factor, before anything else.
        cases = await http.get("/console/cases")
        assert cases.headers["location"].startswith("/console/account/totp")
    async with web_client(orienta) as http:
        assert (await log_in(http, "bea", temporary)).status_code == 401
    assert ("bea", "user.password", "bea") in audit(orienta)


async def test_disabling_ends_the_session_and_refuses_sign_in(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    account(orienta, "amina", "mediator", mediator_id=add_mediator(orienta))
    target = user_id(orienta, "amina")
    async with signed_in(orienta, "amina") as amina, signed_in(orienta, "ada") as ada:
        assert (await ada.post(f"/console/users/{target}/disable")).status_code == 303
        assert (await amina.get("/console/cases")).status_code == 303  # the session ended
        async with web_client(orienta) as http:
            assert (await log_in(http, "amina")).status_code == 401
        users = await ada.get("/console/users")
        t = orienta.catalogs.translator("en")
        assert t.gettext("console.accounts.disabled") in users.text
        assert (await ada.post(f"/console/users/{target}/enable")).status_code == 303
    async with web_client(orienta) as http:
        assert (await log_in(http, "amina")).status_code == 303
    actions = audit(orienta)
    assert ("ada", "user.disable", "amina") in actions and (
        "ada",
        "user.enable",
        "amina",
    ) in actions


async def test_a_temporary_password_reset_ends_sessions_at_once(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    account(orienta, "amina", "mediator", mediator_id=add_mediator(orienta))
    async with signed_in(orienta, "amina") as amina, signed_in(orienta, "ada") as ada:
        page = await ada.post(
            f"/console/users/{user_id(orienta, 'amina')}/password", {"method": "temporary"}
        )
        assert page.status_code == 200
        assert (await amina.get("/console/cases")).status_code == 303
    async with web_client(orienta) as http:
        assert (await log_in(http, "amina")).status_code == 401  # the old password is gone
        await log_in(http, "amina", temporary_of(page.text))
        assert (
            (await http.get("/console/cases"))
            .headers["location"]
            .startswith("/console/account/password")
        )
    assert ("ada", "user.temporary_password", "amina") in audit(orienta)


async def test_roles_change_but_an_active_administrator_stays(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin", language="fr")
    account(orienta, "amina", "mediator", mediator_id=add_mediator(orienta))
    ada_id, amina_id = user_id(orienta, "ada"), user_id(orienta, "amina")
    t = orienta.catalogs.translator("fr")
    async with signed_in(orienta, "ada") as ada:
        for action, data in (("disable", {}), ("role", {"role": "mediator"})):
            refused = await ada.post(f"/console/users/{ada_id}/{action}", data)
            assert refused.status_code == 409
            assert html.escape(t.gettext("console.staff.error.last_admin")) in refused.text
        assert (await ada.get("/console/users")).status_code == 200  # still an admin
        assert (
            await ada.post(f"/console/users/{amina_id}/role", {"role": "admin"})
        ).status_code == 303
        # Now ada may step down: amina is an active administrator.
        assert (
            await ada.post(f"/console/users/{ada_id}/role", {"role": "mediator"})
        ).status_code == 303
        assert (await ada.get("/console/users")).status_code == 403
    # The new administrator has no second factor: sent to enrol before anything else.
    async with web_client(orienta) as http:
        await log_in(http, "amina")
        page = await http.get("/console/audit")
        assert page.headers["location"].startswith("/console/account/totp")
    log = audit(orienta)
    assert ("ada", "user.role", "amina") in log and ("ada", "user.role", "ada") in log


async def test_mediator_records_created_edited_and_linked(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin", language="fr")
    account(orienta, "sami", "mediator", mediator_id=add_mediator(orienta, "Sami"))
    t = orienta.catalogs.translator("fr")
    async with signed_in(orienta, "ada") as ada:
        bad = await ada.post(
            "/console/mediators",
            {
                "name": "Olena",
                "hours": "weekdays 9-5",
                "timezone": "Mars/Olympus",
                "telegram_user_id": "olena",
                "other_languages": "english!",
            },
        )
        assert bad.status_code == 400
        for msgid in ("languages", "hours", "timezone", "telegram", "other_languages"):
            assert html.escape(t.gettext(f"console.staff.error.{msgid}")) in bad.text, msgid
        made = await ada.http.post(
            "/console/mediators",
            data={
                "csrf": ada.csrf,
                "name": "Olena",
                "languages": ["uk", "it"],
                "other_languages": "en, ru",
                "hours": "mon-fri 09:00-17:00",
                "timezone": "Europe/Rome",
                "telegram_user_id": "777",
                "show_name": "on",
            },
        )
        assert made.status_code == 303
        olena_id = int(made.headers["location"].split("/")[-1].split("?")[0])
        olena = CaseBook(orienta.store).mediator(olena_id)
        assert olena is not None and olena.languages == ("it", "uk", "en", "ru")
        assert olena.telegram_user_id == 777 and olena.show_name and "mon" in olena.hours
        taken = await ada.http.post(
            f"/console/mediators/{olena_id}",
            data={"csrf": ada.csrf, "name": "Sami", "languages": ["uk"], "timezone": "Europe/Rome"},
        )
        assert taken.status_code == 400
        assert html.escape(t.gettext("console.staff.error.mediator_exists")) in taken.text
        edited = await ada.http.post(
            f"/console/mediators/{olena_id}",
            data={
                "csrf": ada.csrf,
                "name": "Olena K.",
                "languages": ["uk"],
                "timezone": "Europe/Kyiv",
                "hours": "",
            },
        )
        assert edited.status_code == 303
        olena = CaseBook(orienta.store).mediator(olena_id)
        assert (
            olena is not None
            and olena.name == "Olena K."
            and olena.hours == {}
            and olena.telegram_user_id is None
        )
        page = await ada.get(f"/console/mediators/{olena_id}")
        assert page.status_code == 200 and 'value="Europe/Kyiv"' in page.text
        # An account for her, linked to the record; then unlinked; one account per record.
        sami = user_id(orienta, "sami")
        assert (
            await ada.post(f"/console/users/{sami}/mediator", {"mediator_id": str(olena_id)})
        ).status_code == 303
        assert StaffBook(orienta.store).user(sami).mediator_name == "Olena K."  # type: ignore[union-attr]
        taken = await ada.post(
            "/console/users",
            {"username": "olena", "role": "mediator", "mediator_id": str(olena_id)},
        )
        assert taken.status_code == 400
        assert html.escape(t.gettext("console.staff.error.mediator_taken")) in taken.text
        assert (
            await ada.post(f"/console/users/{sami}/mediator", {"mediator_id": ""})
        ).status_code == 303
        await create(ada, username="olena", role="mediator", mediator_id=str(olena_id))
        refused = await ada.post(f"/console/users/{sami}/mediator", {"mediator_id": str(olena_id)})
        assert refused.status_code == 409
        assert StaffBook(orienta.store).user(sami).mediator_id is None  # type: ignore[union-attr]
        listing = await ada.get("/console/mediators")
        assert "Olena K." in listing.text and "olena" in listing.text
    log = audit(orienta)
    assert ("ada", "mediator.add", "Olena") in log and ("ada", "mediator.edit", "Olena K.") in log
    assert ("ada", "user.mediator_link", "sami") in log and (
        "ada",
        "user.mediator_unlink",
        "sami",
    ) in log
    edit = next(e for e in StaffBook(orienta.store).audit_entries(action="mediator.edit"))
    assert edit.detail["timezone"] == "Europe/Rome → Europe/Kyiv"


async def test_the_away_switch_takes_a_mediator_off_duty(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    account(orienta, "amina", "mediator", mediator_id=add_mediator(orienta))
    book = CaseBook(orienta.store)
    assert [m.name for m in book.on_duty(MONDAY)] == ["Amina"]
    t = orienta.catalogs.translator("en")
    async with signed_in(orienta, "amina") as amina:
        page = await amina.get("/console/cases")
        assert '/console/account/away"' in page.text  # on every page's header
        went = await amina.post("/console/account/away", {"away": "1", "next": "/console/cases"})
        assert went.status_code == 303 and went.headers["location"] == "/console/cases"
        assert book.on_duty(MONDAY) == [] and book.covered_languages(MONDAY) == frozenset()
        mine = await amina.get("/console/account")
        assert t.gettext("console.away.back") in mine.text
        async with signed_in(orienta, "ada") as ada:
            listing = await ada.get("/console/mediators")
            assert 'class="presence away"' in listing.text
        assert (await amina.post("/console/account/away", {"away": "0"})).status_code == 303
    assert [m.name for m in book.on_duty(MONDAY)] == ["Amina"]
    actions = [a for _, a, _ in audit(orienta)]
    assert actions.index("mediator.available") < actions.index("mediator.away")


async def test_an_admin_enrols_a_second_factor_and_signs_in_with_it(
    orienta: Orienta, clock: list[datetime], caplog: pytest.LogCaptureFixture
) -> None:
    account(orienta, "ada", "admin", totp=False)
    async with web_client(orienta) as http:
        await log_in(http, "ada")
        sent = await http.get("/console/dashboard")
        assert sent.headers["location"] == "/console/account/totp?next=%2Fconsole%2Fdashboard"
        page = await http.get(sent.headers["location"])
        secret = re.search(r'class="secret" dir="ltr">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
        assert "<svg" in page.text and "otpauth://totp/Orienta:ada?secret=" + secret in page.text
        csrf = form_token(page.text)
        assert (await http.get("/console/users")).status_code == 303  # not before enrolling
        wrong = await http.post(
            "/console/account/totp",
            data={"csrf": csrf, "code": "000000", "next": "/console/dashboard"},
        )
        assert wrong.status_code == 400
        code = pyotp.TOTP(secret).at(clock[0])
        done = await http.post(
            "/console/account/totp", data={"csrf": csrf, "code": code, "next": "/console/dashboard"}
        )
        assert done.status_code == 303 and done.headers["location"] == "/console/dashboard"
        assert (await http.get("/console/dashboard")).status_code == 200
    clock[0] += timedelta(minutes=5)
    async with web_client(orienta) as http:
        page = await http.get("/console/login")
        asked = await http.post(
            "/console/login",
            data={
                "csrf": form_token(page.text),
                "username": "ada",
                "password": PASSWORD,
                "next": "/console/audit",
            },
        )
        code_page = await http.get(asked.headers["location"])
        assert (
            (await http.get("/console/audit")).headers["location"].startswith("/console/login/code")
        )
        data = {"csrf": form_token(code_page.text), "next": "/console/audit"}
        wrong = await http.post("/console/login/code", data={**data, "code": "123456"})
        assert wrong.status_code == 401
        ok = await http.post(
            "/console/login/code", data={**data, "code": pyotp.TOTP(secret).at(clock[0])}
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/console/audit"
        assert (await http.get("/console/audit")).status_code == 200
    async with web_client(orienta) as http:  # the same code again is refused
        response = await log_in(http, "ada", now=clock[0] - timedelta(seconds=30))
        assert response.status_code == 401
    for entry in StaffBook(orienta.store).audit_entries():
        assert secret not in str(entry.detail) and secret not in entry.target
    assert secret not in caplog.text
    actions = [a for _, a, _ in audit(orienta)]
    assert {"user.totp_enrol", "user.totp_wrong", "login.code", "login.code_wrong"} <= set(actions)


async def test_wrong_codes_are_limited(orienta: Orienta, clock: list[datetime]) -> None:
    account(orienta, "ada", "admin")
    async with web_client(orienta) as http:
        page = await http.get("/console/login")
        asked = await http.post(
            "/console/login",
            data={"csrf": form_token(page.text), "username": "ada", "password": PASSWORD},
        )
        code_page = await http.get(asked.headers["location"])
        data = {"csrf": form_token(code_page.text)}
        for _ in range(5):
            assert (
                await http.post("/console/login/code", data={**data, "code": "111111"})
            ).status_code == 401
        right = pyotp.TOTP(TOTP_SECRET).at(clock[0])
        assert (
            await http.post("/console/login/code", data={**data, "code": right})
        ).status_code == 429
        clock[0] += timedelta(minutes=16)  # the window passes (the session is still young)
        right = pyotp.TOTP(TOTP_SECRET).at(clock[0])
        assert (
            await http.post("/console/login/code", data={**data, "code": right})
        ).status_code == 303
    assert ("-", "login.code_limited", "ada") in audit(orienta)


async def test_another_admin_resets_a_lost_second_factor(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "ada", "admin")
    account(orienta, "bea", "admin")
    account(orienta, "amina", "mediator", mediator_id=add_mediator(orienta))
    async with signed_in(orienta, "ada") as ada:
        assert (
            await ada.post(f"/console/users/{user_id(orienta, 'bea')}/totp_reset")
        ).status_code == 303
    assert StaffBook(orienta.store).user(user_id(orienta, "bea")).totp is False  # type: ignore[union-attr]
    async with web_client(orienta) as http:  # bea signs in with her password, then enrols again
        response = await log_in(http, "bea", now=clock[0])
        assert response.headers["location"] == "/console/cases"
        assert (
            (await http.get("/console/cases"))
            .headers["location"]
            .startswith("/console/account/totp")
        )
    assert ("ada", "user.totp_reset", "bea") in audit(orienta)
    # A mediator may take a second factor, and give it up with a current code.
    async with signed_in(orienta, "amina") as amina:
        assert (await amina.get("/console/account")).status_code == 200
        page = await amina.get("/console/account/totp")
        secret = re.search(r'class="secret" dir="ltr">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
        done = await amina.post("/console/account/totp", {"code": pyotp.TOTP(secret).at(clock[0])})
        assert done.headers["location"] == "/console/account?done=totp"
        clock[0] += timedelta(minutes=1)
        gone = await amina.post(
            "/console/account/totp/remove", {"code": pyotp.TOTP(secret).at(clock[0])}
        )
        assert gone.status_code == 303
    assert ("amina", "user.totp_remove", "amina") in audit(orienta)


async def test_account_pages_in_arabic_read_right_to_left(
    orienta: Orienta, clock: list[datetime]
) -> None:
    account(orienta, "sara", "admin", language="ar")
    t = orienta.catalogs.translator("ar")
    async with signed_in(orienta, "sara") as sara:
        for url, msgid in (
            ("/console/users", "console.accounts.title"),
            ("/console/mediators", "console.mediators.title"),
            ("/console/account", "console.account.title"),
        ):
            page = await sara.get(url)
            assert '<html lang="ar" dir="rtl">' in page.text and t.gettext(msgid) in page.text
        nav = await sara.get("/console/cases")
        assert (
            t.gettext("console.nav.accounts") in nav.text
            and t.gettext("console.nav.mediators") in nav.text
        )
