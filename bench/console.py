"""The web console: what an administrator waits for.

- Signing in (argon2id verification, session, redirect) and opening the pages most
  used: the case queue, a flow's editor (with checks, diff and diagram), a language's
  translations, the draft page, the dashboard.
- Publishing a Finnish text change (the checks on the whole draft, storing the release,
  putting it in force) and how soon the next conversation has it; rolling back.
- How long another worker takes to pick a release up (its ``LiveRelease.refresh``).

On SQLite, and on PostgreSQL when ``ORIENTA_BENCH_POSTGRES_URL`` is set. Run with
``make bench`` or ``python -m bench.console``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import Orienta, build
from bot.channels.memory import MemoryChannel
from bot.messages import Incoming
from bot.settings import Settings
from bot.store.database import drop_everything
from tests.web.staff import account, log_in, signed_in, web_client

ROUNDS = 20


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"p50 {statistics.median(values) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"


async def _timed(call: Callable[[], Awaitable[object]], rounds: int = ROUNDS) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


async def run(orienta: Orienta, label: str) -> None:
    account(orienta, "ada", "admin")
    print(f"\n== {label}")

    async def sign_in_once() -> None:
        async with web_client(orienta) as http:
            response = await log_in(http, "ada")
            assert response.status_code == 303

    print(f"  sign in (argon2id)           {_ms(await _timed(sign_in_once, 10))}")
    async with signed_in(orienta, "ada") as ada:
        for name, url in (
            ("case queue", "/console/cases"),
            ("flow editor (welcome)", "/console/flows/welcome.yaml"),
            ("translations (fi)", "/console/translations/fi"),
            ("draft and versions", "/console/releases"),
            ("dashboard (30 days)", "/console/dashboard"),
        ):

            async def get(url: str = url) -> None:
                assert (await ada.get(url)).status_code == 200

            print(f"  {name:<28} {_ms(await _timed(get))}")

        publish, rollback, reach = [], [], []
        for i in range(5):
            await ada.post(
                "/console/translations/fi",
                {"m0": "welcome.hello", "t0": f"Tervetuloa! Versio {i}."},
            )
            started = time.perf_counter()
            response = await ada.post("/console/releases/publish", {"note": f"bench {i}"})
            assert response.status_code == 303
            publish.append(time.perf_counter() - started)
            channel = MemoryChannel()
            started = time.perf_counter()
            await orienta.runner.handle(
                Incoming("memory", f"bench-{label}-{i}", text="/start", language_code="fi"), channel
            )
            reach.append(time.perf_counter() - started)
            assert f"Versio {i}." in channel.sent[f"bench-{label}-{i}"][0].text
            started = time.perf_counter()
            assert (await ada.post("/console/releases/0/restore")).status_code == 303
            rollback.append(time.perf_counter() - started)
        print(f"  publish (check, store, use)  {_ms(publish)}")
        print(f"  next conversation's greeting {_ms(reach)}  (already the new text)")
        print(f"  roll back to the shipped     {_ms(rollback)}")

    other = build(
        orienta.settings, understanding=orienta.runner.understanding, run_migrations=False
    )
    refresh = []
    for i in range(5):
        await asyncio.to_thread(
            orienta.live.book.publish,
            "bench",
            "",
            {},
            {"fi": {"welcome.hello": {"text": f"Toinen {i}"}}},
            orienta.runner.clock(),
            expected=orienta.live.book.latest_id(),
        )
        started = time.perf_counter()
        assert await asyncio.to_thread(other.live.refresh)
        refresh.append(time.perf_counter() - started)
    print(f"  another worker picks it up   {_ms(refresh)}  (+ up to 5 s polling)")
    other.store.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'console.sqlite3'}", var_dir=Path(tmp) / "var"
        )
        orienta = build(settings)
        asyncio.run(run(orienta, "SQLite"))
        url = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
        if url:
            drop_everything(url)
            pg = build(
                Settings(database_url=url, var_dir=Path(tmp) / "var"),
                understanding=orienta.runner.understanding,
            )
            asyncio.run(run(pg, "PostgreSQL"))
            pg.store.engine.dispose()
            drop_everything(url)
        orienta.store.engine.dispose()


if __name__ == "__main__":
    main()
