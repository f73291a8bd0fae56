"""Announcements in a real headless Chromium: an administrator writes one in French and
Arabic, sees who it reaches and its preview (the Arabic bubble right to left, with the
stop button), sends it, and sees it delivered; an Arabic-speaking administrator reads
the same page right to left. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Orienta, build
from bot.runtime.broadcasts import BroadcastJob
from bot.runtime.pacing import Pacer
from bot.services.broadcasts import Broadcasts
from bot.settings import Settings
from nlu.pipeline import Understanding
from tests.broadcasting import FakeTime, RecordingChannel, person
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser

FR = "Le bureau d’Anderlecht est fermé lundi 6 janvier. Merci de votre compréhension."
AR = "مكتب أندرلخت مغلق يوم الاثنين 6 يناير. شكرًا لتفهمكم."


@pytest.fixture
def site(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Orienta]]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'broadcasts.sqlite3'}",
        var_dir=tmp_path / "var",
        staff_timezone="Europe/Brussels",
    )
    orienta = build(settings, understanding=understanding)
    account(orienta, "ada", "admin")
    account(orienta, "amal", "admin", language="ar")
    for chat, lang in (("fr-1", "fr"), ("fr-2", "fr"), ("ar-1", "ar"), ("uk-1", "uk")):
        person(orienta, chat, lang)
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def _send_due(orienta: Orienta) -> RecordingChannel:
    """What the sending job of ``orienta run`` does, in a thread of its own."""
    time = FakeTime()
    channel = RecordingChannel(orienta, time)
    job = BroadcastJob(
        Broadcasts(orienta.store, orienta.catalogs, orienta.settings.privacy_notice_version),
        orienta.runner,
        {"memory": channel},
        "browser-test",
        lambda: datetime.now(UTC),
        pacer=Pacer(clock=time.clock, sleep=time.sleep),
    )
    worker = threading.Thread(target=lambda: asyncio.run(job.run_once()))
    worker.start()
    worker.join(timeout=60)
    return channel


def test_admin_composes_previews_and_sends_in_two_languages(site: tuple[str, Orienta]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, orienta = site
    en = orienta.catalogs.translator("en")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        missing: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        sign_in(page, server, "ada")

        page.locator("nav a", has_text=en.gettext("console.nav.broadcasts")).click()
        page.locator("a.button", has_text=en.gettext("console.broadcasts.new")).click()
        page.locator("input[name=note]").fill("Anderlecht closed on Monday")
        page.locator("textarea[name=text_fr]").fill(FR)
        page.locator("textarea[name=text_ar]").fill(AR)
        expect(page.locator("textarea[name=text_ar]")).to_have_attribute("dir", "rtl")
        page.screenshot(path=str(ARTIFACTS / "console-broadcast-compose.png"), full_page=True)
        page.locator("form.broadcast-compose button[type=submit]").click()

        # Who it reaches (the Ukrainian speaker has no text) and how it looks.
        expect(page.locator(".audience-total")).to_contain_text(
            en.gettext("console.broadcasts.reach", count="3")
        )
        expect(page.locator(".excluded")).to_contain_text(
            en.gettext("console.broadcasts.left_out", count="1")
        )
        arabic = page.locator("figure.phone[lang=ar]")
        expect(arabic).to_have_attribute("dir", "rtl")
        expect(arabic.locator(".bubble")).to_have_text(AR)
        stop_ar = orienta.catalogs.translator("ar").gettext("broadcast.stop")
        expect(arabic.locator(".key")).to_contain_text(stop_ar)
        expect(page.locator("figure.phone[lang=fr] .bubble")).to_have_text(FR)
        assert (
            page.evaluate(
                "getComputedStyle(document.querySelector('figure.phone[lang=ar] .bubble')).direction"
            )
            == "rtl"
        )
        expect(page.locator("#actions")).to_contain_text("Europe/Brussels")
        page.screenshot(path=str(ARTIFACTS / "console-broadcast-preview.png"), full_page=True)

        page.locator("button.send-now").click()
        expect(page.locator(".result[role=status]")).to_contain_text(
            en.gettext("console.broadcasts.result.sending")
        )
        channel = _send_due(orienta)
        assert {chat: [m.text for m in sent] for chat, sent in channel.sent.items()} == {
            "fr-1": [FR],
            "fr-2": [FR],
            "ar-1": [AR],
        }
        page.reload()
        expect(page.locator("tr.count-delivered td")).to_have_text("3")
        expect(page.locator("h1")).to_contain_text(en.gettext("console.broadcasts.status.done"))
        page.screenshot(path=str(ARTIFACTS / "console-broadcast-sent.png"), full_page=True)
        url = page.url.split("?")[0]

        # An Arabic-speaking administrator reads the same page right to left.
        arabic_admin = browser.new_page(viewport={"width": 1100, "height": 900})
        sign_in(arabic_admin, server, "amal")
        arabic_admin.goto(url)
        expect(arabic_admin.locator("html")).to_have_attribute("dir", "rtl")
        ar = orienta.catalogs.translator("ar")
        expect(arabic_admin.locator("h1")).to_contain_text(ar.gettext("console.broadcasts.title"))
        arabic_admin.screenshot(path=str(ARTIFACTS / "console-broadcast-ar.png"), full_page=True)
        arabic_admin.goto(f"{server}/console/broadcasts/new")
        arabic_admin.screenshot(
            path=str(ARTIFACTS / "console-broadcast-compose-ar.png"), full_page=True
        )
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e or "Error" in e], errors
    assert not [url for url in missing if not url.endswith("/favicon.ico")], missing
