"""The dashboard's history survives ``/forget`` and the retention job, on SQLite and
PostgreSQL: what was counted from a person (conversations per day and in the period,
cases, time to a mediator, ratings, appointments booked, moved, cancelled and missed) is
archived in ``daily_counts`` in the transaction that deletes them, and the dashboard adds
the archive to the live rows without counting anything twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.authoring.content_files import load_content
from bot.domain.hours import hours_to_json, parse_hours
from bot.services.dashboard import Dashboard, DashboardService, export_rows
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook
from bot.store.cases import CaseBook
from bot.store.content import publish_content
from bot.store.database import make_engine, migrate
from bot.store.models import Appointment, Case, DailyCount, Message, User
from bot.store.repository import MessageRecord, Store
from bot.store.retention import erase_before
from bot.store.slots import SlotBook

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALWAYS = hours_to_json(parse_hours("always"))


@pytest.fixture
def store(database_url: str) -> Store:
    migrate(database_url)
    return Store(make_engine(database_url))


def _say(store: Store, name: str, at: datetime, lang: str) -> int:
    """A message from ``name`` at ``at`` and the bot's reply; the person's user id."""
    record = store.conversation("memory", name, None, at)
    store.save_turn(
        record,
        {},
        [MessageRecord("in", "text", "hello"), MessageRecord("out", "text", "hi")],
        at,
        keep_bodies=True,
        user_changes={"language": lang},
    )
    return record.user.id


def _people(store: Store) -> list[int]:
    """Seven people over three weeks: talking on several days, asking for a mediator
    (answered after 2 to 14 minutes, rated), booking, moving, cancelling, missing."""
    cases = CaseBook(store)
    mediator = cases.add_mediator("Amina", ["fr", "ar"], ALWAYS, "Europe/Rome", NOW)
    publish_content(store, load_content(ROOT / "content", ("en", *SERVED_LANGUAGES), NOW.date()))
    appointments = AppointmentBook(store)
    slots = [
        SlotBook(store).add_slot(
            "anderlecht_task_force_ukraine",
            "social_rights",
            NOW - timedelta(days=3, hours=i),
            30,
            5,
        )
        for i in range(4)
    ]
    users = []
    for i in range(7):
        lang = "fr" if i < 5 else "ar"
        first = NOW - timedelta(days=20 - i)
        user = _say(store, f"p{i}", first, lang)
        _say(store, f"p{i}", first + timedelta(days=i % 3), lang)  # a second day for some
        _say(store, f"p{i}", first + timedelta(days=i % 3, hours=1), lang)  # same day again
        users.append(user)
        conversation = store.conversation("memory", f"p{i}", None, first)
        case = cases.open_case(user, conversation.id, lang, "asked", "normal", None, {}, first).case
        reached = first + timedelta(minutes=2 * (i + 1), seconds=20)
        assert cases.claim(case.id, mediator.id, reached).value == "done"
        cases.mediator_message(case.id, mediator.id, "text", "Bonjour", reached)
        cases.finish(case.id, mediator.id, "closed", first + timedelta(hours=1))
        assert cases.rate(case.id, user, 5 - i % 3, first + timedelta(hours=2))
    booked = appointments.book(users[0], slots[0].id, "fr", NOW - timedelta(days=9)).appointment
    assert booked is not None
    moved = appointments.reschedule(
        users[0], booked.id, slots[1].id, NOW - timedelta(days=8)
    ).appointment
    assert moved is not None
    appointments.cancel(users[0], moved.id, NOW - timedelta(days=7))
    missed = appointments.book(users[5], slots[2].id, "ar", NOW - timedelta(days=6)).appointment
    assert missed is not None
    with store.session() as session, session.begin():
        session.execute(
            update(Appointment).where(Appointment.id == missed.id).values(status="no_show")
        )
    return users


def _boards(service: DashboardService) -> list[Dashboard]:
    return [service.board(NOW, days) for days in (7, 30, 90)]


def test_forget_and_retention_leave_every_count_as_it_was(store: Store) -> None:
    users = _people(store)
    service = DashboardService(store)
    before = _boards(service)
    month = before[1]
    assert month.conversation_totals == {"fr": 5, "ar": 2}
    assert sum(d.conversations for d in month.conversations) == 7 + 4  # p0, p3, p6: one day
    assert [(e.lang, e.cases, e.reached) for e in month.escalations] == [("ar", 2, 2), ("fr", 5, 5)]
    assert month.escalations[1].median_minutes == 6.0 and month.escalations[1].p90_minutes == 10.0
    assert month.ratings == {1: 0, 2: 0, 3: 2, 4: 2, 5: 3}
    assert [(a.lang, a.booked, a.moved, a.cancelled, a.no_show) for a in month.appointments] == [
        ("ar", 1, 0, 0, 1),
        ("fr", 1, 1, 1, 0),
    ]

    # Retention erases the bodies of everything written until now: nothing counted goes.
    assert erase_before(store, NOW).messages > 0
    assert _boards(service) == before

    # Everyone forgets, one by one (two of them on days another already archived).
    for user in users:
        store.forget_user(user)
        assert _boards(service) == before
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(Appointment)) == 0
        kept = session.scalar(select(func.sum(DailyCount.count)).where(DailyCount.kind == "case"))
    assert kept == 7
    assert [list(export_rows(board)) for board in _boards(service)] == [
        list(export_rows(board)) for board in before
    ]


def test_counts_of_someone_forgotten_are_not_added_twice(store: Store) -> None:
    """A person forgotten who writes again is a new person: the archive holds the old
    conversation, the live rows the new one — both counted, neither twice."""
    service = DashboardService(store)
    user = _say(store, "ana", NOW - timedelta(days=2), "fr")
    _say(store, "ana", NOW - timedelta(days=1), "fr")
    store.forget_user(user)
    _say(store, "ana", NOW - timedelta(hours=1), "fr")
    board = service.board(NOW, 7)
    assert [(d.day, d.conversations) for d in board.conversations] == [
        ((NOW - timedelta(days=2)).date(), 1),
        ((NOW - timedelta(days=1)).date(), 1),
        (NOW.date(), 1),
    ]
    assert board.conversation_totals == {"fr": 2}
    # The forgotten conversation was last active yesterday: in a 1-day period only the
    # new one counts.
    assert service.board(NOW, 1).conversation_totals == {"fr": 1}
    assert service.board(NOW, 2).conversation_totals == {"fr": 2}
