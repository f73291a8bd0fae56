"""The live console in a real headless Chromium: a mediator's open queue shows a new case
without a reload (the title counts it), and on a case page the person's new message
appears while the mediator's half-typed reply stays in its box — on SQLite and on
PostgreSQL, with the case opened and the message written by another worker (a second
Orienta on the same database), so the events come from the database, not one
process's memory.

Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Orienta, build
from bot.settings import Settings
from nlu.pipeline import Understanding
from tests.web.cases_kit import open_case, person_says, team
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms: how long Playwright may wait for the page, never a measure of speed


@pytest.fixture
def site(
    tmp_path: Path, database_url: str, understanding: Understanding
) -> Iterator[tuple[str, Orienta]]:
    """The console served by one worker; the other worker, which the test uses to open
    cases and copy people's messages, is returned."""
    need_chromium()
    settings = Settings(
        database_url=database_url, var_dir=tmp_path / "var", console_live_seconds=0.2
    )
    web = build(settings, understanding=understanding)
    team(web)
    other = build(settings, understanding=understanding)
    with serving(web) as url:
        yield url, other
    other.store.engine.dispose()
    web.store.engine.dispose()


def test_a_new_case_and_a_new_message_appear_without_reload(site: tuple[str, Orienta]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, orienta = site
    t = orienta.catalogs.translator("en").gettext
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server, "amina")
        page.goto(f"{server}/console/cases")
        expect(page.locator("#live .live-state")).to_have_text(t("console.live.on"), timeout=WAIT)
        page.evaluate("window.stillThisPage = true")
        title = page.title()

        case_id = open_case(orienta, "p-fr", "fr")
        row = page.locator(f'tr[data-case="{case_id}"]')
        expect(row).to_be_visible(timeout=WAIT)
        expect(row).to_contain_text(f"#{case_id} · FR · normal")
        expect(page).to_have_title(f"(1) {title}", timeout=WAIT)
        assert page.evaluate("window.stillThisPage") is True  # no reload happened
        page.screenshot(path=str(ARTIFACTS / "console-live-queue.png"), full_page=True)
        open_case(orienta, "p-uk", "uk")  # not Amina's language: never shown
        second = open_case(orienta, "p-fr-2", "fr")
        expect(page.locator(f'tr[data-case="{second}"]')).to_be_visible(timeout=WAIT)
        assert page.locator("tr[data-case]").count() == 2

        # The case page: a half-typed reply survives the person's new message.
        page.locator(f'tr[data-case="{case_id}"] a').click()
        page.wait_for_url(f"{server}/console/cases/{case_id}")
        expect(page.locator("#live .live-state")).to_have_text(t("console.live.on"), timeout=WAIT)
        box = page.locator("#reply-text")
        box.fill("Bonjour, je regarde votre")
        person_says(orienta, case_id, "Vous êtes là ?")
        message = page.locator("#transcript li.from-person")
        expect(message).to_contain_text("Vous êtes là ?", timeout=WAIT)
        expect(box).to_have_value("Bonjour, je regarde votre")
        page.screenshot(path=str(ARTIFACTS / "console-live-case.png"), full_page=True)
        # Sent: it claims the case, says so, and the saved draft is gone.
        box.fill("Bonjour, je suis là.")
        page.locator("form.reply button[type=submit]").first.click()
        expect(page.locator("p.result").first).to_contain_text(
            t("console.claimed_by_reply", number=str(case_id)), timeout=WAIT
        )
        expect(page.locator("#reply-text")).to_have_value("")
        expect(page.locator("#transcript li.from-mediator")).to_contain_text("je suis là")
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e or "Error" in e], errors
