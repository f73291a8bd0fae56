"""The local web chat in a real headless Chromium (Debian's package) driven by Playwright.

Screenshots are saved under ``tests/artifacts/`` for people to look at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build
from bot.channels.memory import MemoryChannel
from bot.domain.hours import hours_to_json, parse_hours
from bot.messages import Incoming
from bot.settings import Settings
from bot.store.cases import CaseBook
from nlu.pipeline import Understanding
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path, understanding: Understanding) -> Iterator[str]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.sqlite3'}", var_dir=tmp_path / "var"
    )
    orienta = build(settings, understanding=understanding)
    with serving(orienta) as url:
        yield url
    orienta.store.engine.dispose()


def test_arabic_conversation_reads_right_to_left(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 420, "height": 860}, locale="ar-MA")
        page.goto(f"{server}/?lang=ar")
        arabic = page.get_by_role("button", name="العربية")
        expect(arabic).to_be_visible()
        assert page.evaluate("document.documentElement.dir") == "rtl"
        first = page.locator(".msg.bot .bubble").first
        expect(first).to_contain_text("أورينتا")  # greeted in the page's language
        arabic.click()
        agree = page.locator(".keyboard button").filter(has_text="✅")
        expect(agree).to_be_visible()
        agree.click()
        housing = page.locator(".keyboard button").filter(has_text="🏠")
        expect(housing).to_be_visible()
        last = page.locator(".msg.bot").last
        assert last.get_attribute("dir") == "rtl"
        bubble = last.locator(".bubble")
        assert bubble.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert bubble.evaluate("e => getComputedStyle(e).textAlign") in ("right", "start")
        page.get_by_role("textbox").fill("بغيت نهضر مع شي واحد")
        page.get_by_role("button", name=page.locator("#send").inner_text()).click()
        expect(page.locator(".msg.user")).to_have_count(3)
        page.screenshot(path=str(ARTIFACTS / "webchat-ar.png"), full_page=True)
        browser.close()


def test_french_conversation_and_untrusted_text_is_not_html(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 420, "height": 860}, locale="fr-FR")
        page.goto(server)
        page.get_by_role("button", name="Français").click()
        page.locator(".keyboard button").filter(has_text="✅").click()
        expect(page.locator(".keyboard button").filter(has_text="🏠").last).to_be_visible()
        page.get_by_role("textbox").fill("<img src=x onerror=alert(1)> bonjour")
        page.keyboard.press("Enter")
        expect(page.locator(".msg.user .bubble").last).to_have_text(
            "<img src=x onerror=alert(1)> bonjour"
        )
        assert page.locator(".msg img").count() == 0
        assert page.evaluate("document.documentElement.dir") == "ltr"
        page.screenshot(path=str(ARTIFACTS / "webchat-fr.png"), full_page=True)
        browser.close()


@pytest.fixture
def console(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Any]]:
    """The web server with the case console in Arabic, and one waiting case."""
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'console.sqlite3'}",
        var_dir=tmp_path / "var",
        staff_language="ar",
    )
    orienta = build(settings, understanding=understanding)
    amina = CaseBook(orienta.store).add_mediator(
        "أمينة", ["ar"], hours_to_json(parse_hours("always")), "Europe/Rome", datetime.now(UTC)
    )
    account(orienta, "amina", "mediator", mediator_id=amina.id)
    channel = MemoryChannel()
    for text in ("/start", "lang:ar", "/mediator", "<b>مرحبا</b> أحتاج مساعدة في السكن"):
        kind = "button" if text.startswith("lang:") else "text"
        asyncio.run(
            orienta.runner.handle(Incoming("memory", "u1", kind, text=text, data=text), channel)
        )
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def test_case_console_in_arabic_reads_right_to_left(console: tuple[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, orienta = console
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 900, "height": 900})
        sign_in(page, server, "amina")
        page.goto(f"{server}/console/cases")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        link = page.locator("table.cases a").first
        expect(link).to_contain_text("AR")
        link.click()
        expect(page.locator(".transcript .body").first).to_have_text(
            "<b>مرحبا</b> أحتاج مساعدة في السكن"
        )  # shown as typed, not as markup
        assert page.locator(".transcript b").count() == 0
        summary = page.locator("pre.summary")
        assert summary.evaluate("e => getComputedStyle(e).direction") == "rtl"
        page.locator("button[formaction$='/claim']").click()
        expect(page.locator("p.status")).to_contain_text("أمينة")
        page.locator("textarea[name=text]").fill("أهلاً، أنا هنا لمساعدتك.")
        page.locator("form.reply button[type=submit]").first.click()
        expect(page.locator(".transcript li.from-mediator .body")).to_have_text(
            "أهلاً، أنا هنا لمساعدتك."
        )
        page.screenshot(path=str(ARTIFACTS / "console-case-ar.png"), full_page=True)
        browser.close()
    case = CaseBook(orienta.store).cases()[0]
    assert case.status == "claimed" and case.mediator_name == "أمينة"
