"""Booking under contention and knowledge-base answers.

- The booking race: 200 attempts for 12 places (4 slots x 3) from four processes of
  eight threads, on SQLite and, when ``ORIENTA_BENCH_POSTGRES_URL`` is set, on
  PostgreSQL: how many were booked (must be 12), how long the race took.
- Rights questions: BM25 ranking latency and how often the article a question was
  written for comes first (the questions of tests/services).

Run with ``make bench`` or ``python -m bench.booking``.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from bot.authoring.content_files import load_content
from bot.services.ranking import Bm25Index
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook
from bot.store.content import publish_content
from bot.store.database import drop_everything, make_engine, migrate
from bot.store.repository import Store
from bot.store.slots import SlotBook
from tests.services.test_calendar_when_ranking import KB_QUESTIONS as QUESTIONS
from tests.store import booking_race

ROOT = Path(__file__).resolve().parent.parent


def race(url: str, attempts: int = 200) -> tuple[Counter[str], float, tuple[int, int]]:
    migrate(url)
    store = Store(make_engine(url))
    publish_content(
        store, load_content(ROOT / "content", ("en", *SERVED_LANGUAGES), booking_race.NOW.date())
    )
    book = AppointmentBook(store)
    slots = [
        SlotBook(book.store).add_slot(
            "anderlecht_task_force_ukraine",
            "social_rights",
            booking_race.NOW + timedelta(hours=24 + i),
            30,
            3,
        )
        for i in range(4)
    ]
    users = [
        store.conversation("memory", f"bench-{i}", "fr", booking_race.NOW).user.id
        for i in range(attempts)
    ]
    pairs = [(users[i], slots[i % 4].id) for i in range(attempts)]
    batches = [pairs[i::4] for i in range(4)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=context) as pool:
        list(pool.map(booking_race.attempt_batch, [url] * 4, [[]] * 4))  # start the workers
        started = time.perf_counter()
        results = [
            s for batch in pool.map(booking_race.attempt_batch, [url] * 4, batches) for s in batch
        ]
        elapsed = time.perf_counter() - started
    totals = book.totals()
    store.engine.dispose()
    return Counter(results), elapsed, totals


def ranking() -> None:
    content = load_content(ROOT / "content", SERVED_LANGUAGES, date.today())
    hits, times = 0, []
    for lang, question, expected in QUESTIONS:
        index = Bm25Index({a.id: "\n".join(a.texts[lang]) for a in content.articles})
        for _ in range(50):
            started = time.perf_counter()
            scores = index.scores(question)
            times.append(time.perf_counter() - started)
        hits += max(scores, key=lambda k: scores[k]) == expected
    times.sort()
    p50, p95 = statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000
    print(
        f"rights questions: {hits}/{len(QUESTIONS)} ranked their article first over "
        f"{len(content.articles)} articles; ranking p50 {p50:.2f} ms, p95 {p95:.2f} ms"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("sqlite", f"sqlite:///{tmp}/race.sqlite3")]
        postgres = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
        if postgres:
            drop_everything(postgres)
            urls.append(("postgresql", postgres))
        for name, url in urls:
            counts, elapsed, (booked, active) = race(url)
            print(
                f"booking race on {name}: 200 attempts for 12 places in {elapsed:.2f} s "
                f"({200 / elapsed:.0f} attempts/s): {dict(counts)}; slots count {booked}, "
                f"active appointments {active}"
            )
        if postgres:
            drop_everything(postgres)
    ranking()


if __name__ == "__main__":
    main()
