"""Staff management in a real headless Chromium: an administrator adds a mediator
record and a mediator account with a one-time sign-in link; the new mediator opens the
link in another browser, chooses a password, is signed in, and enrols a second factor
on a page in Arabic (right to left).

Screenshots go to ``tests/artifacts/``: the accounts page, the mediator edit page and
the second-factor enrolment page in Arabic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyotp
import pytest

from bot.app import Orienta, build
from bot.settings import Settings
from bot.store.cases import CaseBook
from bot.store.staff import StaffBook
from nlu.pipeline import Understanding
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser

NEW_PASSWORD = "olive trees by the river"


@pytest.fixture
def site(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Orienta]]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'staff.sqlite3'}", var_dir=tmp_path / "var"
    )
    orienta = build(settings, understanding=understanding)
    account(orienta, "ada", "admin")
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def test_admin_adds_a_mediator_who_signs_in_through_the_link(site: tuple[str, Orienta]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, orienta = site
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        admin = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        admin.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(admin, server, "ada")

        # The mediator record: a mistake is named beside its field, then it is saved.
        admin.get_by_role("link", name="Mediators").click()
        form = admin.locator("form.edit")
        form.locator("input[name=name]").fill("Amina")
        form.locator("input[name=languages][value=ar]").check()
        form.locator("input[name=languages][value=fr]").check()
        form.locator("input[name=other_languages]").fill("en")
        form.locator("textarea[name=hours]").fill("weekdays")
        form.locator("input[name=timezone]").fill("Europe/Rome")
        form.locator("button[type=submit]").click()
        expect(admin.locator("#error-hours")).to_be_visible()
        admin.locator("form.edit textarea[name=hours]").fill("mon-fri 09:00-17:00")
        admin.locator("form.edit button[type=submit]").click()
        expect(admin.locator("p.result")).to_be_visible()
        expect(admin.locator("form.edit input[name=name]")).to_have_value("Amina")
        admin.screenshot(path=str(ARTIFACTS / "console-mediator-edit.png"), full_page=True)

        # Her account, in Arabic, with a one-time sign-in link.
        admin.get_by_role("link", name="Accounts").click()
        form = admin.locator("form.edit")
        form.locator("input[name=username]").fill("amina")
        form.locator("select[name=role]").select_option("mediator")
        form.locator("select[name=mediator_id]").select_option(label="Amina (ar, fr, en)")
        form.locator("select[name=language]").select_option("ar")
        form.locator("input[name=method][value=link]").check()
        form.locator("button[type=submit]").click()
        link = admin.locator("code.issued-link").inner_text().strip()
        assert link.startswith(f"{server}/console/welcome/")
        admin.goto(f"{server}/console/users")
        expect(admin.locator("table.accounts")).to_contain_text("amina")
        admin.screenshot(path=str(ARTIFACTS / "console-accounts.png"), full_page=True)

        # The mediator, in a browser of her own, opens the link.
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(link)
        page.locator("input[name=password]").fill(NEW_PASSWORD)
        page.locator("input[name=again]").fill(NEW_PASSWORD)
        page.locator("form.edit button[type=submit]").click()
        page.wait_for_url(f"{server}/console/cases")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator(".bar .who")).to_have_text("amina")
        expect(page.locator("form.away-switch")).to_be_visible()

        # Her own second factor, on a page in Arabic.
        page.goto(f"{server}/console/account/totp")
        expect(page.locator(".qr svg")).to_be_visible()
        assert page.locator("main").evaluate("e => getComputedStyle(e).direction") == "rtl"
        page.screenshot(path=str(ARTIFACTS / "console-totp-enrol-ar.png"), full_page=True)
        secret = page.locator("code.secret").inner_text().strip()
        page.locator("form.edit input[name=code]").fill(pyotp.TOTP(secret).now())
        page.locator("form.edit button[type=submit]").click()
        page.wait_for_url(f"{server}/console/account?done=totp")
        context.close()
        browser.close()
    # No script or style refused by the pages' CSP (the inline QR code is markup).
    assert not [e for e in errors if "Content Security Policy" in e], errors
    amina = next(u for u in StaffBook(orienta.store).users() if u.username == "amina")
    assert amina.totp and amina.language == "ar" and amina.mediator_name == "Amina"
    mediator = CaseBook(orienta.store).mediator(amina.mediator_id or 0)
    assert mediator is not None and mediator.languages == ("ar", "fr", "en")
    assert mediator.on_duty(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # a Monday morning
    actions = {(e.username, e.action) for e in StaffBook(orienta.store).audit_entries()}
    assert {("ada", "mediator.add"), ("ada", "user.add"), ("amina", "user.link_used")} <= actions
    assert ("amina", "user.totp_enrol") in actions
