"""The console's dashboard over HTTP, from real conversations in several languages:
conversations per day, drop-outs, unanswered questions, escalations with the median
first reply, ratings, appointments and "did this help?" on the page and in the CSV
export (small counts written "<5"); administrators only, the export audited."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.runner import utc_now
from bot.store.appointments import AppointmentBook
from bot.store.cases import CaseBook, MediatorView
from bot.store.slots import SlotBook
from bot.store.staff import StaffBook
from tests.dialog import NAMES, Dialog
from tests.web.staff import account, signed_in, web_client

ARTICLE = "education-anderlecht-ukraine"
NONSENSE = "zqxj wvkp"


class _Tables(HTMLParser):
    """The cells of each dashboard section's table rows, by section id."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[list[str]]] = {}
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("id") or ""
            self.sections[self._section] = []
        elif tag == "tr" and self._section:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.sections[self._section].append(self._row)
            self._row = None
        elif tag == "section":
            self._section = ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.sections


_SVG = re.compile(r'<section class="dashboard" id="(\w+)">.*?(<svg .*?</svg>)', re.S)


def svgs(html: str) -> dict[str, ET.Element]:
    """Each section's chart, parsed as XML (so it must be well formed)."""
    return {section: ET.fromstring(svg) for section, svg in _SVG.findall(html)}


def bars(chart: ET.Element, name: str) -> list[tuple[str, str | None]]:
    """(class, drawn value) of the chart's bars whose title starts with ``name``."""
    ns = "{http://www.w3.org/2000/svg}"
    return [
        (rect.get("class") or "", rect.get("data-value"))
        for rect in chart.iter(f"{ns}rect")
        if rect.get("class") in ("bar", "hidden", "hidden-mark")
        and (rect.findtext(f"{ns}title") or "").startswith(name)
    ]


def exported(text: str) -> set[tuple[str, ...]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["metric", "key", "key2", "key3", "value"]
    return {tuple(row) for row in rows[1:]}


@pytest.fixture
def mediator(ready: Orienta) -> MediatorView:
    always = hours_to_json(parse_hours("always"))
    return CaseBook(ready.store).add_mediator(
        "Amina", ["ar", "fr", "it"], always, "Europe/Rome", datetime.now(UTC)
    )


def at(orienta: Orienta, moment: datetime | None) -> None:
    """Run the bot's clock at ``moment`` (None: the real time again)."""
    orienta.runner.clock = (lambda: moment) if moment else utc_now


async def start(orienta: Orienta, chat: str, lang: str) -> Dialog:
    dialog = Dialog(orienta, chat_id=chat)
    await dialog.say("/start")
    await dialog.press(NAMES[lang])
    await dialog.press(dialog.t(lang, "consent.agree"))
    return dialog


async def escalate_and_answer(
    orienta: Orienta, dialog: Dialog, mediator: MediatorView, minutes: int, rating: int
) -> None:
    """The person asks for a mediator, who replies ``minutes`` later; rated afterwards."""
    await dialog.say("/mediator")
    book = CaseBook(orienta.store)
    user = orienta.store.user("memory", dialog.chat_id)
    assert user is not None
    case = book.open_case_of(user.id)
    assert case is not None
    replied = case.created_at + timedelta(minutes=minutes)
    assert book.claim(case.id, mediator.id, replied).value == "done"
    assert book.mediator_message(case.id, mediator.id, "text", "Ciao", replied).value == "done"
    assert book.finish(case.id, mediator.id, "returned", replied).value == "done"
    await dialog.press_data(f"e:rate:{case.id}:{rating}")
    assert book.case(case.id).rating == rating  # type: ignore[union-attr]


async def talk(orienta: Orienta, mediator: MediatorView) -> None:
    """The conversations the dashboard counts."""
    now = datetime.now(UTC)
    # Two people who stopped half-way: 10 days ago, asked their region; 2 days ago,
    # at the privacy notice.
    at(orienta, now - timedelta(days=10))
    ar = await start(orienta, "ar-1", "ar")
    await ar.press(ar.t("ar", "menu.housing"))
    assert ar.texts() == [ar.t("ar", "kb.ask_region")]
    at(orienta, now - timedelta(days=2))
    uk = Dialog(orienta, chat_id="uk-1")
    await uk.say("/start")
    await uk.press(NAMES["uk"])
    at(orienta, None)

    # A French article found, five questions it could not answer, "it helped", and
    # a mediator who answered after 3 minutes.
    fr = await start(orienta, "fr-1", "fr")
    await fr.press(fr.t("fr", "menu.education"))
    await fr.press_data("k:r:anderlecht")
    await fr.press_data("k:a:temporary_protection")
    assert fr.texts()[-1] == fr.t("fr", "kb.did_it_help")
    for _ in range(5):
        await fr.say(NONSENSE)
        assert fr.texts() == [fr.t("fr", "kb.no_match")]
    await fr.press_data(f"k:y:{ARTICLE}")
    assert fr.texts()[0] == fr.t("fr", "kb.thanks_helpful")
    await escalate_and_answer(orienta, fr, mediator, 3, 2)

    # Five Italians escalate; the mediator answers after 2, 4, 6, 8 and 10 minutes.
    for i, (minutes, rating) in enumerate(((2, 5), (4, 5), (6, 4), (8, 4), (10, 3))):
        it = await start(orienta, f"it-{i}", "it")
        await escalate_and_answer(orienta, it, mediator, minutes, rating)

    # A Finn books, moves, then cancels.
    fi = await start(orienta, "fi-1", "fi")
    book = AppointmentBook(orienta.store)
    first, second = (
        SlotBook(book.store).add_slot(
            "oulu_early_guidance", "orientation", now + timedelta(days=days), 30, 1
        )
        for days in (3, 4)
    )
    await fi.press_data(f"b:c:{first.id}")
    await fi.say("/appointments")
    await fi.press_data(next(b.data for b in fi.buttons() if b.data.startswith("b:m:")))
    await fi.press_data(f"b:t:{second.id}")
    await fi.press(fi.t("fi", "booking.yes_move"))
    assert fi.texts()[0].startswith(fi.t("fi", "booking.moved").split("\n")[0])
    await fi.say("/appointments")
    await fi.press_data(next(b.data for b in fi.buttons() if b.data.startswith("b:x:")))
    await fi.press(fi.t("fi", "booking.yes_cancel"))
    assert fi.texts()[0].startswith(fi.t("fi", "booking.cancelled").split("\n")[0])


async def test_dashboard_page_and_export(ready: Orienta, mediator: MediatorView) -> None:
    await talk(ready, mediator)
    account(ready, "ada", "admin")
    today = datetime.now(UTC).date()
    ten_days_ago = (today - timedelta(days=10)).isoformat()
    async with signed_in(ready, "ada") as c:
        page = await c.get("/console/dashboard")
        assert page.status_code == 200
        found = tables(page.text)

        head, *days, total = found["conversations"]
        languages = [cell.lower() for cell in head[1:]]
        assert languages == ["ar", "fi", "fr", "it", "uk"]
        by_day = {row[0]: dict(zip(languages, row[1:], strict=True)) for row in days}
        # Counts from 1 to 4 read "<5" in the tables too.
        assert by_day[today.isoformat()] == {
            "ar": "0",
            "fi": "<5",
            "fr": "<5",
            "it": "5",
            "uk": "0",
        }
        assert by_day[ten_days_ago]["ar"] == "<5"
        assert total[1:] == ["<5", "<5", "<5", "5", "<5"]

        assert found["dropouts"][1:] == [["rights", "answer", "<5"], ["welcome", "privacy", "<5"]]
        assert found["gaps"][1:] == [["education", "FR", "anderlecht", "5"]]
        assert found["escalations"][1:] == [
            ["FR", "<5", "<5", "—", "—"],  # minutes are never "<5": not shown
            ["IT", "5", "5", "6.0", "10.0"],
        ]
        assert found["ratings"][1:] == [
            ["★", "0"],
            ["★★", "<5"],
            ["★★★", "<5"],
            ["★★★★", "<5"],
            ["★★★★★", "<5"],
        ]
        assert found["appointments"][1:] == [["FI", "<5", "<5", "<5", "0"]]
        assert found["feedback"][1:] == [[ARTICLE, "<5", "0"]]

        # The charts: a value from 5 on is a bar of its size, one under 5 an outline.
        charts = svgs(page.text)
        assert set(charts) == {"conversations", "escalations", "ratings", "dropouts", "gaps"}
        assert bars(charts["conversations"], f"{today.isoformat()} · IT") == [("bar", "5")]
        # A small count in a stack: a mark on top that adds no height, not an outline.
        assert bars(charts["conversations"], f"{today.isoformat()} · FI, FR") == [
            ("hidden-mark", None)
        ]
        assert bars(charts["escalations"], "IT") == [("bar", "6"), ("bar", "10")]
        assert bars(charts["escalations"], "FR") == []  # under 5 cases: named, not drawn
        assert bars(charts["ratings"], "1 ★") == []
        assert bars(charts["ratings"], "4 ★") == [("hidden", None)]
        assert bars(charts["gaps"], "education") == [("bar", "5")]
        assert {kind for kind, _ in bars(charts["dropouts"], "")} == {"hidden"}

        # The last 7 days: the conversation of 10 days ago is gone.
        week = tables((await c.get("/console/dashboard?days=7")).text)
        assert week["dropouts"][1:] == [["welcome", "privacy", "<5"]]
        assert "ar" not in [cell.lower() for cell in week["conversations"][0]]
        assert "selected" in (await c.get("/console/dashboard?days=bogus")).text

        response = await c.get("/console/dashboard.csv?days=30")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = exported(response.text)
    assert {
        ("conversations", today.isoformat(), "it", "", "5"),
        ("conversations", today.isoformat(), "fr", "", "<5"),
        ("conversations", ten_days_ago, "ar", "", "<5"),
        ("conversations_in_period", "it", "", "", "5"),
        ("dropouts", "welcome", "privacy", "", "<5"),
        ("unanswered_questions", "education", "fr", "anderlecht", "5"),
        ("escalations", "it", "", "", "5"),
        ("time_to_mediator_median_minutes", "it", "", "", "6.0"),
        ("time_to_mediator_p90_minutes", "it", "", "", "10.0"),
        ("escalations", "fr", "", "", "<5"),
        ("ratings", "1", "", "", "0"),
        ("ratings", "4", "", "", "<5"),
        ("appointments", "fi", "booked", "", "<5"),
        ("appointments", "fi", "no_show", "", "0"),
        ("article_feedback", ARTICLE, "yes", "", "<5"),
        ("article_feedback", ARTICLE, "no", "", "0"),
    } <= rows
    assert not {row for row in rows if row[-1] in ("1", "2", "3", "4")}
    assert not {row for row in rows if row[0].startswith("time_to") and row[1] == "fr"}
    entries = StaffBook(ready.store).all_audit_entries()
    assert [
        (e.username, e.action, e.detail) for e in entries if e.action == "dashboard.export"
    ] == [("ada", "dashboard.export", {"days": 30})]


@pytest.mark.parametrize("path", ["/console/dashboard", "/console/dashboard.csv?days=7"])
async def test_only_administrators(orienta: Orienta, path: str) -> None:
    account(orienta, "mia", "mediator")
    async with web_client(orienta) as http:
        anonymous = await http.get(path)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/console/login?next=")
    async with signed_in(orienta, "mia") as c:
        refused = await c.get(path)
        assert refused.status_code == 403 and "text/csv" not in refused.headers["content-type"]
    assert not [
        e for e in StaffBook(orienta.store).all_audit_entries() if e.action == "dashboard.export"
    ]


async def test_empty_dashboard(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as c:
        page = await c.get("/console/dashboard?days=365")
        assert page.status_code == 200
        assert '<option value="365" selected>' in page.text
        found = tables(page.text)
        assert [
            len(found[s])
            for s in (
                "conversations",
                "dropouts",
                "gaps",
                "escalations",
                "ratings",
                "appointments",
                "feedback",
            )
        ] == [0] * 7
        # Each empty section says what will appear there, and draws no chart.
        assert "<svg" not in page.text
        assert page.text.count('<p class="empty">') == 7
        assert "Ratings appear here once people rate a conversation." in page.text
        rows = exported((await c.get("/console/dashboard.csv?days=365")).text)
    assert {row[0] for row in rows} == {"period", "ratings"}
    assert {row[-1] for row in rows if row[0] == "ratings"} == {"0"}
