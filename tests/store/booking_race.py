"""A worker process of the booking race (tests/store/test_appointments.py): its own
engine and store, eight threads booking at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.store.appointments import AppointmentBook
from bot.store.database import make_engine
from bot.store.repository import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def attempt_batch(url: str, attempts: list[tuple[int, int]]) -> list[str]:
    """Book each (user, slot) pair from eight threads; the statuses, in order."""
    engine = make_engine(url)
    book = AppointmentBook(Store(engine))
    try:
        with ThreadPoolExecutor(8) as pool:
            return [
                outcome.status.value
                for outcome in pool.map(
                    lambda pair: book.book(pair[0], pair[1], "fr", NOW, max_active=10), attempts
                )
            ]
    finally:
        engine.dispose()
