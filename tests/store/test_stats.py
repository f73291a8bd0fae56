"""The dashboard's counts in the database, on SQLite and PostgreSQL: conversations per
UTC day and language, drop-outs read in batches, unanswered questions counted from
threads at once, escalations with their median first reply, ratings, appointments
(moves counted once) and "did this help?"; and the export's suppression of small
counts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.authoring.content_files import load_content
from bot.domain.hours import hours_to_json, parse_hours
from bot.engine.state import waiting_at
from bot.services.dashboard import (
    AppointmentCounts,
    Dashboard,
    DashboardService,
    DayCount,
    Escalations,
    export_rows,
    shown_count,
)
from bot.settings import SERVED_LANGUAGES
from bot.store import stats
from bot.store.appointments import AppointmentBook
from bot.store.cases import CaseBook
from bot.store.content import publish_content
from bot.store.database import make_engine, migrate
from bot.store.knowledge import KnowledgeStore
from bot.store.models import Appointment, Conversation, QuestionGap
from bot.store.repository import MessageRecord, Store
from bot.store.slots import SlotBook
from bot.store.stats import DropOut, Feedback, Gap, StatsBook

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
ALWAYS = hours_to_json(parse_hours("always"))


@pytest.fixture
def store(database_url: str) -> Store:
    migrate(database_url)
    return Store(make_engine(database_url))


@pytest.fixture
def book(store: Store) -> StatsBook:
    return StatsBook(store)


@pytest.fixture
def dashboards(store: Store) -> DashboardService:
    return DashboardService(store)


def _turn(
    store: Store,
    name: str,
    at: datetime,
    *,
    lang: str | None = None,
    state: dict[str, Any] | None = None,
    incoming: bool = True,
) -> int:
    """One turn of ``name``'s conversation at ``at``: a message in (unless not
    ``incoming``) and the bot's reply, leaving the conversation in ``state``."""
    record = store.conversation("memory", name, None, at)
    messages = [MessageRecord("out", "text", None)]
    if incoming:
        messages.insert(0, MessageRecord("in", "text", None))
    store.save_turn(
        record,
        state or {},
        messages,
        at,
        keep_bodies=False,
        user_changes={"language": lang} if lang else None,
    )
    return record.id


def _waiting(flow: str, step: str, waiting: str = "button") -> dict[str, Any]:
    return {"lang": "fr", "stack": [["menu", "topics"], [flow, step]], "waiting": waiting}


def test_conversations_per_utc_day_and_language(dashboards: DashboardService, store: Store) -> None:
    _turn(store, "alice", NOW - timedelta(days=1), lang="fr")
    _turn(store, "alice", NOW - timedelta(days=1, hours=2), lang="fr")  # same day: once
    _turn(store, "alice", NOW, lang="fr")
    _turn(store, "bob", datetime(2026, 11, 21, 23, 30, tzinfo=UTC), lang="ar")  # late UTC
    _turn(store, "carol", NOW - timedelta(days=3))  # never chose a language
    _turn(store, "dave", NOW - timedelta(days=40), lang="fr")  # before the period
    _turn(store, "erin", NOW - timedelta(days=1), lang="uk", incoming=False)  # a reminder
    board = dashboards.board(NOW, 30)
    assert board.conversations == [
        DayCount(date(2026, 11, 20), "unknown", 1),
        DayCount(date(2026, 11, 21), "ar", 1),
        DayCount(date(2026, 11, 22), "fr", 1),
        DayCount(TODAY, "fr", 1),
    ]
    assert board.conversation_totals == {"fr": 1, "ar": 1, "unknown": 1}
    assert board.languages == ["ar", "fr", "unknown"]
    assert board.conversation_table()[0] == (TODAY, {"fr": 1})
    assert dashboards.board(NOW, 90).conversation_totals["fr"] == 2


def test_dropouts_by_flow_and_step_read_in_batches(
    book: StatsBook, dashboards: DashboardService, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats, "_BATCH", 2)
    two_days = NOW - timedelta(days=2)
    _turn(store, "a", two_days, state=_waiting("welcome", "privacy"))
    _turn(store, "b", NOW - timedelta(days=3), state=_waiting("welcome", "privacy"))
    _turn(store, "c", two_days, state=_waiting("rights", "answer", "input"))
    _turn(store, "d", two_days, state=_waiting("booking", "ask", "text"))
    _turn(store, "e", NOW - timedelta(hours=3), state=_waiting("welcome", "privacy"))  # active
    _turn(store, "f", two_days, state={"lang": "fr", "stack": [], "waiting": ""})  # done
    _turn(store, "g", two_days, state={})  # never started
    _turn(store, "h", NOW - timedelta(days=40), state=_waiting("welcome", "privacy"))
    with_mediator = _turn(store, "i", two_days, state=_waiting("rights", "answer", "input"))
    with store.session() as session, session.begin():
        session.execute(
            update(Conversation).where(Conversation.id == with_mediator).values(owner="case:7")
        )
    assert book.dropouts(NOW - timedelta(days=30), NOW, waiting_at) == [
        DropOut("welcome", "privacy", 2),
        DropOut("booking", "ask", 1),
        DropOut("rights", "answer", 1),
    ]
    assert dashboards.board(NOW, 90).dropouts[0] == DropOut("welcome", "privacy", 3)


def test_gap_counter_counts_every_question_from_many_threads(
    database_url: str, store: Store
) -> None:
    # Two stores on the same database: on SQLite their threads do not take turns on one
    # lock, so the database itself has to keep the count right.
    other = Store(make_engine(database_url))
    books = [StatsBook(store), StatsBook(other)]
    keys = [
        ("fr", "housing", "anderlecht"),
        ("fr", "housing", "anderlecht"),
        ("ar", "work", ""),
        ("fr", "housing", "anderlecht"),
    ]
    jobs = [(books[i % 2], keys[i % len(keys)]) for i in range(160)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda job: job[0].record_gap(TODAY, *job[1]), jobs))
    other.engine.dispose()
    with store.session() as session:
        rows = {
            (g.day, g.lang, g.topic, g.region): g.count
            for g in session.scalars(select(QuestionGap))
        }
    assert rows == {(TODAY, "fr", "housing", "anderlecht"): 120, (TODAY, "ar", "work", ""): 40}


def test_gaps_over_the_period(dashboards: DashboardService, store: Store) -> None:
    knowledge = KnowledgeStore(store)
    for _ in range(3):
        knowledge.record_gap("fr", "housing", "anderlecht", TODAY)
    knowledge.record_gap("fr", "housing", "anderlecht", TODAY - timedelta(days=5))
    knowledge.record_gap("uk", "", "all", TODAY - timedelta(days=1))
    knowledge.record_gap("uk", "", "all", TODAY - timedelta(days=20))
    assert dashboards.board(NOW, 7).gaps == [
        Gap("housing", "fr", "anderlecht", 4),
        Gap("", "uk", "all", 1),
    ]
    assert dashboards.board(NOW, 30).gaps[1] == Gap("", "uk", "all", 2)


def test_escalations_time_to_a_mediator_and_ratings(
    dashboards: DashboardService, store: Store
) -> None:
    cases = CaseBook(store)
    mediator = cases.add_mediator("Amina", ["fr", "ar"], ALWAYS, "Europe/Rome", NOW)

    def escalate(
        name: str, lang: str, opened: datetime, reply_after: float | None, rating: int | None = None
    ) -> None:
        record = store.conversation("memory", name, None, opened)
        case = cases.open_case(
            record.user.id, record.id, lang, "asked", "normal", None, {}, opened
        ).case
        if reply_after is not None:
            at = opened + timedelta(minutes=reply_after)
            cases.claim(case.id, mediator.id, at)
            cases.mediator_message(case.id, mediator.id, "text", "Bonjour", at)
        if rating is not None:
            cases.finish(case.id, mediator.id, "closed", opened + timedelta(hours=1))
            assert cases.rate(case.id, record.user.id, rating, opened + timedelta(hours=2))

    for i, minutes in enumerate((10, 2, 8, 4, 6)):
        escalate(f"fr{i}", "fr", NOW - timedelta(days=i + 1), minutes, rating=5 - i % 2)
    escalate("fr-waiting", "fr", NOW - timedelta(hours=1), None)
    escalate("ar0", "ar", NOW - timedelta(days=2), 3, rating=1)
    escalate("ar1", "ar", NOW - timedelta(days=3), 6)
    escalate("ar-old", "ar", NOW - timedelta(days=50), 30, rating=2)
    board = dashboards.board(NOW, 30)
    assert board.escalations == [
        Escalations("ar", 2, 2, 4.5, 6.0),
        Escalations("fr", 6, 5, 6.0, 10.0),  # the 90th percentile: the 5th of 5
    ]
    assert board.ratings == {1: 1, 2: 0, 3: 0, 4: 2, 5: 3}
    rows = list(export_rows(board))
    assert ("escalations", "fr", "", "", "6") in rows
    assert ("escalations", "ar", "", "", "<5") in rows
    assert ("reached_mediator", "fr", "", "", "5") in rows
    assert ("time_to_mediator_median_minutes", "fr", "", "", "6.0") in rows
    assert ("time_to_mediator_p90_minutes", "fr", "", "", "10.0") in rows
    # From 2 cases: no time for Arabic at all (minutes are never written "<5").
    assert not [r for r in rows if r[0].startswith("time_to_mediator") and r[1] == "ar"]
    assert [r[1:] for r in rows if r[0] == "ratings"] == [
        ("1", "", "", "<5"),
        ("2", "", "", "0"),
        ("3", "", "", "0"),
        ("4", "", "", "<5"),
        ("5", "", "", "<5"),
    ]


def test_appointments_feedback_and_no_shows(dashboards: DashboardService, store: Store) -> None:
    publish_content(store, load_content(ROOT / "content", ("en", *SERVED_LANGUAGES), TODAY))
    appointments = AppointmentBook(store)
    office, service = "anderlecht_task_force_ukraine", "social_rights"
    past = NOW - timedelta(days=10)
    slots = [
        SlotBook(appointments.store).add_slot(
            office, service, past + timedelta(days=2, hours=i), 30, 5
        )
        for i in range(4)
    ]
    alice = store.conversation("memory", "alice", None, past).user.id
    bob = store.conversation("memory", "bob", None, past).user.id
    first = appointments.book(alice, slots[0].id, "fr", past).appointment
    assert first is not None
    moved = appointments.reschedule(
        alice, first.id, slots[1].id, past + timedelta(hours=1)
    ).appointment
    assert moved is not None
    appointments.cancel(alice, moved.id, past + timedelta(hours=2))
    kept = appointments.book(bob, slots[2].id, "uk", past).appointment
    missed = appointments.book(bob, slots[3].id, "uk", past + timedelta(minutes=5)).appointment
    assert kept is not None and missed is not None
    with store.session() as session, session.begin():  # the office marked a no-show
        session.execute(
            update(Appointment).where(Appointment.id == missed.id).values(status="no_show")
        )
    knowledge = KnowledgeStore(store)
    for helpful in (True, True, False):
        knowledge.record_feedback("housing-be", "fr", helpful, NOW - timedelta(days=1))
    knowledge.record_feedback("work-fi", "fi", False, NOW - timedelta(days=60))
    board = dashboards.board(NOW, 30)
    assert board.appointments == [
        AppointmentCounts("fr", booked=1, moved=1, cancelled=1),
        AppointmentCounts("uk", booked=2, no_show=1),
    ]
    assert board.feedback == [Feedback("housing-be", 2, 1)]
    assert dashboards.board(NOW, 7).appointments == []
    assert [f.article_id for f in dashboards.board(NOW, 90).feedback] == ["housing-be", "work-fi"]


def test_export_suppresses_counts_under_five() -> None:
    assert [shown_count(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    board = Dashboard(
        days=7,
        start=NOW - timedelta(days=7),
        end=NOW,
        conversations=[DayCount(TODAY, "fr", 7), DayCount(TODAY, "ar", 2)],
        conversation_totals={"fr": 9, "ar": 3},
        dropouts=[DropOut("welcome", "privacy", 5), DropOut("rights", "answer", 1)],
        gaps=[Gap("housing", "fr", "", 3)],
        escalations=[
            Escalations("fr", 5, 5, 7.5, 12.0),
            Escalations("it", 1, 0, None, None),
            Escalations("uk", 6, 4, 3.0, 5.0),
        ],
        ratings={1: 0, 2: 0, 3: 1, 4: 0, 5: 5},
        appointments=[AppointmentCounts("fr", booked=5, cancelled=4)],
        feedback=[Feedback("housing-be", 6, 0)],
    )
    assert list(export_rows(board)) == [
        ("period", "2026-11-16", "2026-11-23", "", "7"),
        ("conversations", "2026-11-23", "fr", "", "7"),
        ("conversations", "2026-11-23", "ar", "", "<5"),
        ("conversations_in_period", "ar", "", "", "<5"),
        ("conversations_in_period", "fr", "", "", "9"),
        ("dropouts", "welcome", "privacy", "", "5"),
        ("dropouts", "rights", "answer", "", "<5"),
        ("unanswered_questions", "housing", "fr", "", "<5"),
        ("escalations", "fr", "", "", "5"),
        ("reached_mediator", "fr", "", "", "5"),
        ("time_to_mediator_median_minutes", "fr", "", "", "7.5"),
        ("time_to_mediator_p90_minutes", "fr", "", "", "12.0"),
        ("escalations", "it", "", "", "<5"),
        ("reached_mediator", "it", "", "", "0"),
        ("escalations", "uk", "", "", "6"),
        ("reached_mediator", "uk", "", "", "<5"),  # 4 reached of 6: no times written
        ("ratings", "1", "", "", "0"),
        ("ratings", "2", "", "", "0"),
        ("ratings", "3", "", "", "<5"),
        ("ratings", "4", "", "", "0"),
        ("ratings", "5", "", "", "5"),
        ("appointments", "fr", "booked", "", "5"),
        ("appointments", "fr", "moved", "", "0"),
        ("appointments", "fr", "cancelled", "", "<5"),
        ("appointments", "fr", "no_show", "", "0"),
        ("article_feedback", "housing-be", "yes", "", "6"),
        ("article_feedback", "housing-be", "no", "", "0"),
    ]
