"""The dashboard in a real headless Chromium, with a few weeks of anonymous activity:
its SVG charts are drawn under the console's CSP (no script, no inline style), in
English and in Arabic (right to left, the charts mirrored), and the numbers are one
click away in a table. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Orienta, build
from bot.domain.hours import hours_to_json, parse_hours
from bot.settings import Settings
from bot.store.cases import CaseBook
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import MessageRecord
from nlu.pipeline import Understanding
from tests.web.serving import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, need_chromium, serving, sign_in
from tests.web.staff import account

pytestmark = pytest.mark.browser

#: People per language: enough in most for the charts to draw bars, a few under five.
PEOPLE = {"fr": 40, "ar": 24, "uk": 7, "it": 3, "fi": 6}


def seed(orienta: Orienta, now: datetime) -> None:
    """Conversations over two weeks, cases answered after a few minutes and rated,
    unanswered questions, and people left waiting at the privacy notice."""
    store, cases, knowledge = orienta.store, CaseBook(orienta.store), KnowledgeStore(orienta.store)
    always = hours_to_json(parse_hours("always"))
    mediator = cases.add_mediator("Amina", list(PEOPLE), always, "Europe/Rome", now)
    for lang, people in PEOPLE.items():
        for i in range(people):
            name = f"{lang}-{i}"
            for day in {i % 13, (i * 5) % 13, (i * 3) % 7}:
                at = now - timedelta(days=day, hours=i % 5)
                record = store.conversation("memory", name, None, at)
                waiting = {"lang": lang, "stack": [["welcome", "privacy"]], "waiting": "button"}
                store.save_turn(
                    record,
                    waiting if lang == "uk" and i < 6 else {},
                    [MessageRecord("in", "text", None), MessageRecord("out", "text", None)],
                    at,
                    keep_bodies=False,
                    user_changes={"language": lang},
                )
            if lang in ("fr", "ar", "fi") and i < 10:
                record = store.conversation("memory", name, None, now)
                opened = now - timedelta(days=i + 2)
                case = cases.open_case(
                    record.user.id, record.id, lang, "asked", "normal", None, {}, opened
                ).case
                reached = opened + timedelta(minutes=3 + (i * 7) % 25)
                cases.claim(case.id, mediator.id, reached)
                cases.finish(case.id, mediator.id, "closed", reached + timedelta(minutes=20))
                cases.rate(case.id, record.user.id, 5 - i % 3, reached + timedelta(minutes=30))
    for lang, topic, region, times in (
        ("fr", "housing", "anderlecht", 8),
        ("ar", "housing", "anderlecht", 6),
        ("ar", "work", "", 5),
        ("uk", "education", "oulu", 7),
        ("it", "health", "", 2),
    ):
        for _ in range(times):
            knowledge.record_gap(lang, topic, region, now.date())


@pytest.fixture
def site(tmp_path: Path, understanding: Understanding) -> Iterator[tuple[str, Orienta]]:
    need_chromium()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'dashboard.sqlite3'}", var_dir=tmp_path / "var"
    )
    orienta = build(settings, understanding=understanding)
    seed(orienta, datetime.now(UTC))
    account(orienta, "ada", "admin", language="en")
    account(orienta, "amal", "admin", language="ar")
    with serving(orienta) as url:
        yield url, orienta
    orienta.store.engine.dispose()


def look(page: Any, server: str, name: str) -> None:
    """The dashboard's five charts drawn, each with its table behind a click."""
    from playwright.sync_api import expect

    page.goto(f"{server}/console/dashboard?days=30")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(5)
    for index in range(5):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 60
    assert page.locator("svg.chart rect.bar").count() > 10
    # Italian under five: a mark on its stack, seen, that adds nothing to its height.
    mark = page.locator("svg.chart rect.hidden-mark").first
    expect(mark).to_be_visible()
    mark_box = mark.bounding_box()
    assert mark_box is not None and mark_box["height"] < 10
    details = page.locator("#ratings details")
    details.locator("summary").click()
    expect(details.locator("table")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"console-dashboard-{name}.png"), full_page=True)


def test_dashboard_charts_in_english_and_arabic(site: tuple[str, Orienta]) -> None:
    from playwright.sync_api import sync_playwright

    server, _orienta = site
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        errors: list[str] = []
        for user, lang in (("ada", "en"), ("amal", "ar")):
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            page = context.new_page()
            page.on(
                "console",
                lambda m: (
                    errors.append(f"{m.text} {m.location.get('url', '')}")
                    if m.type == "error"
                    else None
                ),
            )
            sign_in(page, server, user)
            look(page, server, lang)
            direction = page.locator("svg#chart-gaps").evaluate(
                "e => getComputedStyle(e).direction"
            )
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            assert direction == ("rtl" if lang == "ar" else "ltr")
            # Mirrored: the first gap's label sits right of its bar in Arabic.
            label = page.locator("svg#chart-gaps text.label").first.bounding_box()
            bar = page.locator("svg#chart-gaps rect.bar").first.bounding_box()
            assert label is not None and bar is not None
            assert (label["x"] > bar["x"]) == (lang == "ar")
            context.close()
        browser.close()
    # No CSP refusal, no script error (the browser's own favicon request may 404).
    assert [e for e in errors if "favicon.ico" not in e] == []
