"""The console in a real headless Chromium: an administrator signs in, meets a flow
error, saves a flow (its Mermaid diagram drawn by the vendored script under the page's
CSP), changes the Finnish welcome, tries the draft in Arabic (right to left) and
Finnish in the simulator, publishes, sees it in the next web chat, and rolls back.

Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Orienta, build
from bot.settings import Settings
from nlu.pipeline import Understanding
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser

NEW_WELCOME = "Tervetuloa Orientaan! Kerro, missä voin auttaa."
BAD_FLOW = (
    "flow: thanks\nstart: reply\nsteps:\n  reply:\n    kind: message\n"
    "    text: smalltalk.welcome\n    next: nowhere\n"
)
GOOD_FLOW = (
    "flow: thanks\ndescription: The user says thank you.\nstart: reply\nsteps:\n"
    "  reply:\n    kind: message\n    text: smalltalk.welcome\n    next: menu\n"
    "  menu:\n    kind: call\n    flow: menu\n"
)


@pytest.fixture
def site(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Orienta]]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'console.sqlite3'}", var_dir=tmp_path / "var"
    )
    orienta = build(settings, understanding=understanding)
    account(orienta, "ada", "admin")
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def first_greeting(browser: Any, server: str) -> str:
    """The first thing a new person sees in the web chat in Finnish."""
    context = browser.new_context(locale="fi-FI")
    page = context.new_page()
    page.goto(f"{server}/?lang=fi")
    bubble = page.locator(".msg.bot .bubble").first
    bubble.wait_for()
    text = str(bubble.inner_text())
    context.close()
    return text


def test_admin_edits_previews_publishes_and_rolls_back(site: tuple[str, Orienta]) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, orienta = site
    shipped = orienta.catalogs.translator("fi").gettext("welcome.hello")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, server, "ada")

        # A flow with an error is refused, and says where.
        page.goto(f"{server}/console/flows/thanks.yaml")
        page.locator("textarea[name=text]").fill(BAD_FLOW)
        page.locator("form.editor button[type=submit]").first.click()
        expect(page.locator(".errors")).to_contain_text("nowhere")
        page.screenshot(path=str(ARTIFACTS / "console-flow-error.png"), full_page=True)
        # Fixed, it is saved to the draft; the diagram is drawn in the page.
        page.locator("textarea[name=text]").fill(GOOD_FLOW)
        page.locator("form.editor button[type=submit]").first.click()
        expect(page.locator("p.result")).to_be_visible()
        expect(page.locator("pre.mermaid svg")).to_be_visible()
        expect(page.locator("pre.diff .add").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "console-flow.png"), full_page=True)

        # The Finnish welcome, changed in the draft.
        page.goto(f"{server}/console/translations/fi?q=welcome.hello")
        box = page.locator("textarea[aria-label='welcome.hello']")
        expect(box).to_have_value(shipped)
        box.fill(NEW_WELCOME)
        page.locator("form.translations button[type=submit]").click()
        expect(page.locator("p.result")).to_be_visible()

        # The simulator in Arabic reads right to left; in Finnish it shows the draft.
        page.goto(f"{server}/console/simulator?lang=ar")
        page.get_by_role("button", name="/start").click()
        greeting = page.locator("ol.simulation li.from-bot").first
        expect(greeting).to_contain_text("أورينتا")
        assert greeting.get_attribute("dir") == "rtl"
        assert greeting.evaluate("e => getComputedStyle(e).direction") == "rtl"
        page.screenshot(path=str(ARTIFACTS / "console-simulator-ar.png"), full_page=True)
        page.goto(f"{server}/console/simulator?lang=fi")
        page.get_by_role("button", name="/start").click()
        expect(page.locator("ol.simulation li.from-bot .body").first).to_have_text(NEW_WELCOME)
        assert first_greeting(browser, server) == shipped  # not published yet

        # Publish: the next conversation has it, without a restart.
        page.goto(f"{server}/console/releases")
        page.locator("input[name=note]").fill("A warmer Finnish welcome")
        page.locator("form.reply button[type=submit]").first.click()
        expect(page.locator("p.result")).to_contain_text("1")
        page.screenshot(path=str(ARTIFACTS / "console-releases.png"), full_page=True)
        assert first_greeting(browser, server) == NEW_WELCOME

        # Roll back to what was shipped.
        page.locator("form[action$='/releases/0/restore'] button").click()
        expect(page.locator("p.result")).to_contain_text("2")
        assert first_greeting(browser, server) == shipped
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e or "mermaid" in e.lower()]
    # The flow edit went out with the welcome (release 1) and came back with it.
    assert orienta.runner.flows.flows["thanks"].steps["reply"].kind == "end"
    assert orienta.live.in_force == 2
