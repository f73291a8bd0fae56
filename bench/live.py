"""The live console: how long a person's message takes to reach a mediator's open case
page, and a new case a mediator's open queue.

A second Orienta on the same database (another worker) copies the person's message to
the case in its own transaction, as a turn does; the console, served by the first
worker over HTTP, streams the change to the open page (server-sent events). The time
is from that commit to the event's arrival, beside the configured polling interval
(``ORIENTA_CONSOLE_LIVE_SECONDS``), which bounds it from above; each change comes at a
random moment of the interval, as people's messages do. On SQLite, and on
PostgreSQL when ``ORIENTA_BENCH_POSTGRES_URL`` is set. Run with ``make bench`` or
``python -m bench.live``.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import Orienta, build
from bot.settings import Settings
from bot.store.database import drop_everything
from tests.web.cases_kit import EventStream, open_case, person_says, sign_in_sync, team
from tests.web.serving import serving

ROUNDS = 20
INTERVALS = (2.0, 0.5)


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return (
        f"p50 {statistics.median(values) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
        f"  max {values[-1] * 1000:7.1f} ms"
    )


def measure(web: Orienta, other: Orienta, interval: float) -> tuple[list[float], list[float]]:
    """(new case → open queue, person's message → open case page) times, in seconds."""
    from bot.web.app import create_app

    app = create_app(web)
    queue_times, case_times = [], []
    with serving(web):
        queue = EventStream(sign_in_sync(app, "amina"), "/console/cases/live")
        queue.until("ready")
        for i in range(ROUNDS):
            time.sleep(random.uniform(0, interval))
            started = time.perf_counter()
            case_id = open_case(other, f"bench-{time.time_ns()}-{i}", "fr")
            queue.until("case", case_id)
            queue_times.append(time.perf_counter() - started)
        page = EventStream(sign_in_sync(app, "amina"), f"/console/cases/live?case={case_id}")
        page.until("ready")
        for i in range(ROUNDS):
            time.sleep(random.uniform(0, interval))
            started = time.perf_counter()
            person_says(other, case_id, f"message {i}")
            page.until("case", case_id)
            case_times.append(time.perf_counter() - started)
        page.close()
        queue.close()
    return queue_times, case_times


def run(url: str, tmp: Path, label: str) -> None:
    for interval in INTERVALS:
        if not url.startswith("sqlite"):
            drop_everything(url)
        settings = Settings(database_url=url, var_dir=tmp / "var", console_live_seconds=interval)
        web = build(settings)
        team(web)
        other = build(settings, understanding=web.runner.understanding, run_migrations=False)
        queue_times, case_times = measure(web, other, interval)
        print(f"\n== {label}, polling every {interval:g} s (ORIENTA_CONSOLE_LIVE_SECONDS)")
        print(f"  new case → open queue            {_ms(queue_times)}")
        print(f"  person's message → open case     {_ms(case_times)}")
        other.store.engine.dispose()
        web.store.engine.dispose()
        if url.startswith("sqlite"):
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'live.sqlite3'}", Path(tmp), "SQLite")
        url = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
        if url:
            run(url, Path(tmp), "PostgreSQL")
            drop_everything(url)


if __name__ == "__main__":
    main()
