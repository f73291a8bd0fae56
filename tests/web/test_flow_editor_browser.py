"""The headline of the step-by-step flow editor, in a real headless Chromium: a
coordinator (an administrator) opens a flow, picks the menu step on the diagram, adds a
button with its text in English and the five served languages leading to an existing
step, tries it in the simulator, publishes it — without touching YAML — and the next
web chat offers the new button. The editor is also shown to an Arabic-speaking
administrator, right to left.

Screenshots go to ``tests/artifacts/`` (flow-editor-en.png, flow-editor-ar.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Orienta, build
from bot.engine.model import MenuStep
from bot.settings import Settings
from nlu.pipeline import Understanding
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser

LABELS = {
    "en": "My rights, explained",
    "ar": "شرح حقوقي",
    "fr": "Mes droits expliqués",
    "it": "I miei diritti spiegati",
    "fi": "Oikeuteni selitettynä",
    "uk": "Мої права простими словами",
}


@pytest.fixture
def site(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Orienta]]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'editor.sqlite3'}", var_dir=tmp_path / "var"
    )
    orienta = build(settings, understanding=understanding)
    account(orienta, "ada", "admin", language="en")
    account(orienta, "amal", "admin", language="ar")
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def test_a_coordinator_adds_a_button_in_six_languages_and_publishes_it(
    site: tuple[str, Orienta],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, orienta = site
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, server, "ada")

        # The flow, its diagram in English texts; the menu step picked on the diagram.
        page.goto(f"{server}/console/flows")
        page.get_by_role("link", name="help.yaml").click()
        node = page.locator("pre.mermaid g.node.step-link[id*='flowchart-choose-']")
        expect(node).to_be_visible()
        expect(page.locator("pre.mermaid svg")).to_contain_text("↩️ Back to menu")
        node.click()
        page.wait_for_url("**/console/flows/help.yaml/steps/choose")

        # A new button: its text in every language, where it leads, no YAML.
        form = page.locator("form.add-option")
        for lang, text in LABELS.items():
            form.locator(f"textarea[name=label-{lang}]").fill(text)
        form.locator("input[name=icon]").fill("⚖️")
        form.locator("select[name=target]").select_option("step:explain")
        assert (
            form.locator("textarea[name=label-ar]").evaluate("e => getComputedStyle(e).direction")
            == "rtl"
        )
        form.locator("button[type=submit]").click()
        expect(page.locator("p.result")).to_be_visible()
        expect(page.locator("ol.options li").last).to_contain_text("⚖️ My rights, explained")
        page.screenshot(path=str(ARTIFACTS / "flow-editor-en.png"), full_page=True)

        # The same editor for an administrator who reads Arabic: right to left.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        arabic = context.new_page()
        sign_in(arabic, server, "amal")
        arabic.goto(f"{server}/console/flows/help.yaml/steps/choose")
        assert arabic.locator("html").get_attribute("dir") == "rtl"
        expect(arabic.locator("ol.options li").last).to_contain_text(LABELS["ar"])
        assert arabic.locator("body").evaluate("e => getComputedStyle(e).direction") == "rtl"
        arabic.screenshot(path=str(ARTIFACTS / "flow-editor-ar.png"), full_page=True)
        arabic.goto(f"{server}/console/flows/help.yaml")
        expect(arabic.locator("pre.mermaid[dir=rtl] svg")).to_contain_text(LABELS["ar"])
        context.close()

        # Tried in the simulator (French): the button is there and leads to 'explain'.
        page.goto(f"{server}/console/simulator?lang=fr")
        page.locator("form.reply input[name=text]").fill("/help")
        page.locator("form.reply button[type=submit]").first.click()
        button = page.get_by_role("button", name=f"⚖️ {LABELS['fr']}")
        expect(button).to_be_visible()
        button.click()
        # It led to 'explain' (its text, then the rest of the flow back to the menu).
        what_i_do = orienta.catalogs.translator("fr").gettext("help.what_i_do")
        expect(page.locator("ol.simulation li.from-person").last).to_contain_text(LABELS["fr"])
        expect(page.locator("ol.simulation li.from-bot").nth(3)).to_contain_text(what_i_do[:40])
        expect(page.locator("ol.simulation .sim-meta").last).to_contain_text("choose")

        # Published: the next web chat offers it.
        page.goto(f"{server}/console/releases")
        page.locator("input[name=note]").fill("A button for rights")
        page.locator("form.reply button[type=submit]").first.click()
        expect(page.locator("p.result")).to_contain_text("1")
        chat = browser.new_context(locale="it-IT").new_page()
        chat.goto(f"{server}/?lang=it")
        chat.locator(".msg.bot .bubble").first.wait_for()
        chat.locator("#text").fill("/help")
        chat.locator("#send").click()
        expect(chat.get_by_role("button", name=f"⚖️ {LABELS['it']}")).to_be_visible()
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e or "mermaid" in e.lower()]
    step = orienta.runner.flows.flows["help"].steps["choose"]
    assert isinstance(step, MenuStep) and step.options[-1].next == "explain"
    assert (orienta.settings.flows_dir / "help.yaml").read_text().count(
        "label:"
    ) == 4  # shipped file untouched
