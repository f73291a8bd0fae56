"""A worker process of the claim race (tests/store/test_cases.py): its own engine and
store, eight threads pressing "Claim" at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bot.store.cases import CaseBook
from bot.store.database import make_engine
from bot.store.repository import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def claim_batch(url: str, attempts: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Claim each (case, mediator) pair from eight threads: (case, mediator, status)."""
    engine = make_engine(url)
    book = CaseBook(Store(engine))
    try:
        with ThreadPoolExecutor(8) as pool:
            return list(
                pool.map(
                    lambda pair: (pair[0], pair[1], book.claim(pair[0], pair[1], NOW).value),
                    attempts,
                )
            )
    finally:
        engine.dispose()
