"""Pure parts of the services: slot calendars, free-text days, article ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.authoring.content_files import load_content
from bot.domain.calendar import calendar_slots
from bot.services.ranking import Bm25Index, ngrams
from bot.services.when import DayParts, Window, parse_when
from bot.settings import SERVED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
MORNING = {1: ((time(9, 0), time(12, 0)),)}  # Tuesday 09:00-12:00


def test_calendar_cuts_slots_to_opening_hours_in_local_time() -> None:
    slots = list(calendar_slots(MORNING, set(), "Europe/Rome", 45, 2, date(2026, 11, 23), 7))
    # 09:00, 09:45, 10:30 fit before 12:00; 11:15 would end at 12:00 and fits too
    assert [s.starts_at for s in slots] == [
        datetime(2026, 11, 24, h, m, tzinfo=UTC) for h, m in ((8, 0), (8, 45), (9, 30), (10, 15))
    ]
    assert all(s.capacity == 2 and (s.ends_at - s.starts_at).seconds == 45 * 60 for s in slots)


def test_calendar_skips_closed_days_and_follows_daylight_saving() -> None:
    closed = {date(2026, 12, 8)}
    december = list(calendar_slots(MORNING, closed, "Europe/Rome", 60, 1, date(2026, 12, 1), 15))
    assert {s.starts_at.date() for s in december} == {date(2026, 12, 1), date(2026, 12, 15)}
    night = {6: ((time(1, 0), time(4, 0)),)}  # Sunday 01:00-04:00, clocks go forward at 02:00
    spring = list(calendar_slots(night, set(), "Europe/Brussels", 60, 1, date(2027, 3, 28), 1))
    assert [s.starts_at.hour for s in spring] == [0, 1]  # 01:00 CET and 03:00 CEST; 02:00 skipped
    summer = list(calendar_slots(MORNING, set(), "Europe/Rome", 60, 1, date(2027, 6, 1), 1))
    assert summer[0].starts_at == datetime(2027, 6, 1, 7, 0, tzinfo=UTC)


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="module")
def day_parts() -> DayParts:
    return DayParts(ROOT / "nlu" / "lexicons" / "dayparts")


@pytest.mark.parametrize(
    ("lang", "text", "window"),
    [
        ("fr", "mardi matin", Window(date(2026, 11, 24), date(2026, 11, 24), "morning")),
        ("fr", "demain à 15h", Window(date(2026, 11, 24), date(2026, 11, 24), None, time(15, 0))),
        ("it", "domani alle 10", Window(date(2026, 11, 24), date(2026, 11, 24))),
        ("it", "giovedì pomeriggio", Window(date(2026, 11, 26), date(2026, 11, 26), "afternoon")),
        ("fi", "huomenna", Window(date(2026, 11, 24), date(2026, 11, 24))),
        (
            "fi",
            "torstaina iltapäivällä",
            Window(date(2026, 11, 26), date(2026, 11, 26), "afternoon"),
        ),
        ("uk", "у четвер", Window(date(2026, 11, 26), date(2026, 11, 26))),
        ("ar", "الخميس صباحا", Window(date(2026, 11, 26), date(2026, 11, 26), "morning")),
        # Darija and Arabizi days and parts of the day (the tester's, then siblings)
        ("ar", "nhar jem3a f sbah", Window(date(2026, 11, 27), date(2026, 11, 27), "morning")),
        ("ar", "ljem3a l3chiya", Window(date(2026, 11, 27), date(2026, 11, 27), "afternoon")),
        ("ar", "nhar l7ed", Window(date(2026, 11, 29), date(2026, 11, 29))),
        ("ar", "lkhmis f lil", Window(date(2026, 11, 26), date(2026, 11, 26), "evening")),
        ("ar", "ghedda f sba7", Window(date(2026, 11, 24), date(2026, 11, 24), "morning")),
        ("ar", "نهار التلات", Window(date(2026, 11, 24), date(2026, 11, 24))),
        ("ar", "نهار الجمعة فالصباح", Window(date(2026, 11, 27), date(2026, 11, 27), "morning")),
    ],
)
def test_free_text_days_in_every_language(
    day_parts: DayParts, lang: str, text: str, window: Window
) -> None:
    parsed = parse_when(text, lang, NOW, "Europe/Brussels", day_parts)
    assert parsed.window == window and not parsed.past
    assert Window.from_var(window.to_var()) == window


@pytest.mark.parametrize(("lang", "text"), [("fr", "hier"), ("it", "ieri"), ("uk", "вчора")])
def test_past_days_are_recognised(day_parts: DayParts, lang: str, text: str) -> None:
    assert parse_when(text, lang, NOW, "Europe/Rome", day_parts).past


@pytest.mark.parametrize(
    ("lang", "text"), [("fr", "bonjour"), ("fi", "kiitos"), ("ar", ""), ("ar", "salam jma3a")]
)
def test_text_without_a_day_is_no_window(day_parts: DayParts, lang: str, text: str) -> None:
    parsed = parse_when(text, lang, NOW, "Europe/Rome", day_parts)
    assert parsed.window is None and not parsed.past


def test_a_part_of_the_day_alone_spans_the_coming_days(day_parts: DayParts) -> None:
    parsed = parse_when("le soir", "fr", NOW, "Europe/Brussels", day_parts)
    assert parsed.window is not None and parsed.window.part == "evening"
    low, high = parsed.window.bounds("Europe/Brussels")
    assert low.hour == 17 and (high - low).days > 300


def test_ngrams_match_inflections() -> None:
    assert set(ngrams("logement")) & set(ngrams("logements"))
    assert len(ngrams("")) == 0


#: A question per language and the article it was written for (also used by bench.booking).
KB_QUESTIONS = [
    ("fr", "Où trouver des cours de français à Anderlecht ?", "education-anderlecht-ukraine"),
    (
        "it",
        "Ho debiti e non riesco a pagare, chi mi aiuta con il budget familiare?",
        "budget-israel-debts",
    ),
    ("fi", "Missä on iltaisin suomen kielen kursseja Oulussa?", "education-north-ostrobothnia"),
    ("uk", "Хто допоможе знайти житло в Андерлехті?", "housing-anderlecht-ukraine"),
    ("ar", "أنا شاب غادرت مؤسسة الرعاية وأبحث عن عمل وتكوين", "work-morocco-care-leavers"),
]


@pytest.mark.parametrize(("lang", "question", "expected"), KB_QUESTIONS)
def test_bm25_finds_the_article_a_question_is_about(
    lang: str, question: str, expected: str
) -> None:
    content = load_content(ROOT / "content", SERVED_LANGUAGES, date(2026, 11, 23))
    index = Bm25Index({a.id: "\n".join(a.texts[lang]) for a in content.articles})
    scores = index.scores(question)
    ranked = sorted(scores, key=lambda k: -scores[k])
    assert expected in ranked[:2], ranked[:5]
