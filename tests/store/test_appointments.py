"""Appointments in the database, on SQLite and PostgreSQL: capacity, double taps,
ownership, notice, reminders claimed once, and a race of 200 booking attempts
from threads in several processes."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.authoring.content_files import load_content
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook, BookingStatus, SlotView
from bot.store.content import publish_content
from bot.store.database import make_engine, migrate
from bot.store.reminders import ReminderBook
from bot.store.repository import Store
from bot.store.slots import SlotBook
from tests.store import booking_race

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OFFICE, SERVICE = "anderlecht_task_force_ukraine", "social_rights"


@pytest.fixture
def store(database_url: str) -> Store:
    migrate(database_url)
    store = Store(make_engine(database_url))
    publish_content(store, load_content(ROOT / "content", ("en", *SERVED_LANGUAGES), NOW.date()))
    return store


@pytest.fixture
def book(store: Store) -> AppointmentBook:
    return AppointmentBook(store)


def _user(store: Store, name: str) -> int:
    return store.conversation("memory", name, "fr", NOW).user.id


def _slot(book: AppointmentBook, hours_ahead: float, capacity: int = 1) -> SlotView:
    return SlotBook(book.store).add_slot(
        OFFICE, SERVICE, NOW + timedelta(hours=hours_ahead), 30, capacity
    )


def test_generated_calendar_is_idempotent(book: AppointmentBook) -> None:
    created, removed = SlotBook(book.store).generate_slots(date(2026, 11, 23), 28)
    assert created > 500 and removed == 0
    assert SlotBook(book.store).generate_slots(date(2026, 11, 23), 28) == (0, 0)
    first = book.free_slots(OFFICE, SERVICE, NOW)
    assert first and all(s.starts_at >= NOW and s.capacity == 2 for s in first)


def test_book_list_move_cancel(book: AppointmentBook, store: Store) -> None:
    alice = _user(store, "alice")
    early, late = _slot(book, 26), _slot(book, 50)
    booked = book.book(alice, early.id, "fr", NOW)
    assert booked.status is BookingStatus.BOOKED and booked.appointment is not None
    appointment = booked.appointment
    assert [a.id for a in book.upcoming(alice, NOW)] == [appointment.id]
    moved = book.reschedule(alice, appointment.id, late.id, NOW)
    assert moved.status is BookingStatus.MOVED and moved.appointment is not None
    assert book.slot(early.id).booked == 0 and book.slot(late.id).booked == 1  # type: ignore[union-attr]
    assert book.appointment(appointment.id).status == "cancelled"  # type: ignore[union-attr]
    cancelled = book.cancel(alice, moved.appointment.id, NOW)
    assert cancelled.status is BookingStatus.CANCELLED
    assert book.slot(late.id).booked == 0  # type: ignore[union-attr]
    assert book.cancel(alice, moved.appointment.id, NOW).status is BookingStatus.ALREADY_CANCELLED
    assert book.upcoming(alice, NOW) == [] and book.totals() == (0, 0)


def test_bad_requests_leave_the_data_consistent(book: AppointmentBook, store: Store) -> None:
    alice, bob = _user(store, "alice"), _user(store, "bob")
    slot, soon = _slot(book, 30), _slot(book, 0.5)
    mine = book.book(alice, slot.id, "fr", NOW).appointment
    assert mine is not None
    # a double tap on "confirm" books once
    assert book.book(alice, slot.id, "fr", NOW).status is BookingStatus.ALREADY
    # taken between offer and confirm
    assert book.book(bob, slot.id, "fr", NOW).status is BookingStatus.FULL
    # someone else's appointment
    assert book.cancel(bob, mine.id, NOW).status is BookingStatus.NOT_YOURS
    assert book.reschedule(bob, mine.id, soon.id, NOW).status is BookingStatus.NOT_YOURS
    # too soon, past, unknown
    notice = timedelta(hours=1)
    assert book.book(bob, soon.id, "fr", NOW, notice=notice).status is BookingStatus.TOO_LATE
    assert book.book(bob, soon.id, "fr", NOW + timedelta(hours=2)).status is BookingStatus.TOO_LATE
    assert book.book(bob, 999_999, "fr", NOW).status is BookingStatus.GONE
    assert book.cancel(bob, 999_999, NOW).status is BookingStatus.GONE
    # a user holds at most max_active appointments
    others = [_slot(book, 40 + i) for i in range(3)]
    results = [book.book(bob, s.id, "fr", NOW, max_active=2).status for s in others]
    assert results == [BookingStatus.BOOKED, BookingStatus.BOOKED, BookingStatus.LIMIT]
    assert book.totals() == (3, 3)
    assert book.slot(slot.id).booked == 1  # type: ignore[union-attr]


def test_the_database_refuses_overbooking(book: AppointmentBook, store: Store) -> None:
    slot = _slot(book, 30, capacity=1)
    with store.session() as session, session.begin(), pytest.raises(Exception):  # noqa: B017
        session.execute(text("UPDATE slots SET booked = 2 WHERE id = :id"), {"id": slot.id})
    assert book.slot(slot.id).booked == 0  # type: ignore[union-attr]


def test_forget_frees_the_users_places(book: AppointmentBook, store: Store) -> None:
    alice = _user(store, "alice")
    slot = _slot(book, 30)
    assert book.book(alice, slot.id, "fr", NOW).status is BookingStatus.BOOKED
    store.forget_user(alice)
    assert book.slot(slot.id).booked == 0 and book.totals() == (0, 0)  # type: ignore[union-attr]


def test_reminders_are_claimed_once_and_follow_cancellation(
    book: AppointmentBook, store: Store
) -> None:
    alice, bob = _user(store, "alice"), _user(store, "bob")
    a = book.book(alice, _slot(book, 30).id, "fr", NOW).appointment
    b = book.book(bob, _slot(book, 31).id, "uk", NOW).appointment
    assert a is not None and b is not None
    assert ReminderBook(book.store).claim_reminders(NOW, "w1") == []  # nothing due yet
    due = NOW + timedelta(hours=7, minutes=5)  # both day-before reminders are due
    first = ReminderBook(book.store).claim_reminders(due, "w1")
    second = ReminderBook(book.store).claim_reminders(due, "w2")
    assert sorted(j.appointment.id for j in first) == sorted([a.id, b.id]) and second == []
    assert {j.kind for j in first} == {"day_before"}
    assert all(ReminderBook(book.store).reminder_sent(j.id, "w1", due) for j in first)
    # a worker that died: its claim expires after the lease and another worker sends it
    book.cancel(bob, b.id, due)
    two_hours = NOW + timedelta(hours=28, minutes=5)
    claimed = ReminderBook(book.store).claim_reminders(two_hours, "w1")
    assert [(j.appointment.id, j.kind) for j in claimed] == [(a.id, "two_hours")]
    assert ReminderBook(book.store).claim_reminders(two_hours + timedelta(minutes=1), "w2") == []
    retry = ReminderBook(book.store).claim_reminders(two_hours + timedelta(minutes=6), "w2")
    assert [j.id for j in retry] == [claimed[0].id]
    assert not ReminderBook(book.store).reminder_sent(
        claimed[0].id, "w1", two_hours
    )  # w1's claim was replaced
    assert ReminderBook(book.store).reminder_sent(claimed[0].id, "w2", two_hours)


def test_a_late_booking_gets_only_the_reminders_still_ahead(
    book: AppointmentBook, store: Store
) -> None:
    alice = _user(store, "alice")
    book.book(alice, _slot(book, 5).id, "fr", NOW)  # in 5 hours: no day-before reminder
    jobs = ReminderBook(book.store).claim_reminders(NOW + timedelta(hours=3, minutes=1), "w")
    assert [j.kind for j in jobs] == ["two_hours"]


def test_race_of_200_booking_attempts_across_processes(
    book: AppointmentBook, store: Store, database_url: str
) -> None:
    slots = [_slot(book, 24 + i, capacity=3) for i in range(4)]
    users = [_user(store, f"racer-{i}") for i in range(180)]
    # 200 attempts: 180 users, 20 of whom tap "confirm" twice; attempt i wants slot i % 4
    attempts = [(users[i % 180], slots[i % 4].id) for i in range(200)]
    batches = [attempts[i::4] for i in range(4)]  # four processes, eight threads each
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=context) as pool:
        results = [
            status
            for batch in pool.map(booking_race.attempt_batch, [database_url] * 4, batches)
            for status in batch
        ]
    counts = Counter(results)
    assert len(results) == 200
    assert counts["booked"] == 12, counts  # 4 slots x 3 places, all taken, none more
    assert counts["booked"] + counts["full"] + counts["already"] == 200, counts
    booked, active = book.totals()
    assert booked == active == 12
    for slot in slots:
        assert book.slot(slot.id).booked == 3  # type: ignore[union-attr]
    with store.session() as session:
        pairs = session.execute(
            text(
                "SELECT user_id, slot_id, count(*) FROM appointments WHERE status = 'booked' "
                "GROUP BY user_id, slot_id HAVING count(*) > 1"
            )
        ).all()
    assert pairs == []
    print(f"\nrace on {make_engine(database_url).dialect.name}: {dict(counts)}")
