"""The console's header in a real headless Chromium at 1280 pixels: an administrator's
navigation (with "Staff accounts" beside "My account") fits on one line in every console
language, and a mediator's away switch reads the same for anyone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Orienta, build
from bot.services.staff_forms import CONSOLE_LANGUAGES
from bot.settings import Settings
from nlu.pipeline import Understanding
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser


@pytest.fixture
def site(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Orienta]]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'header.sqlite3'}", var_dir=tmp_path / "var"
    )
    orienta = build(settings, understanding=understanding)
    for lang in CONSOLE_LANGUAGES:
        account(orienta, f"admin-{lang}", "admin", language=lang)
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def test_the_admin_header_fits_one_line_at_1280_pixels(site: tuple[str, Orienta]) -> None:
    from playwright.sync_api import sync_playwright

    server, orienta = site
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for lang in CONSOLE_LANGUAGES:
            t = orienta.catalogs.translator(lang)
            assert t.gettext("console.nav.accounts") != t.gettext("console.nav.account")
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            sign_in(page, server, f"admin-{lang}")
            page.goto(f"{server}/console/users")
            page.screenshot(path=str(ARTIFACTS / f"console-header-{lang}.png"))
            links = page.locator(".bar nav a")
            tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
            assert len(tops) == 1, (lang, tops)  # one line of links
            bar = page.locator("header.bar").bounding_box()
            assert bar is not None and bar["height"] < 90, (lang, bar)
            context.close()
        browser.close()
