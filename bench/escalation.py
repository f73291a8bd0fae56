"""Escalation latency: from a person asking for a mediator to the case in the staff group.

Orienta runs as in production (python-telegram-bot polling, inbox, NLU, engine, store,
the case relay with its 1 s poll and its wake-up) against the fake Bot API server on
127.0.0.1, with a staff supergroup. Each person sends ``/mediator`` as a new chat; we
measure from the update being available to Telegram's side (injection) until (a) the
case's forum topic exists and (b) its summary is posted in it. Paced (one every 0.25 s)
and as a burst of 30 at once. SQLite, and PostgreSQL when ORIENTA_BENCH_POSTGRES_URL is
set.

Run with ``make bench`` or ``python -m bench.escalation``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build, prepare_content, understanding_from_settings
from bot.channels.telegram import TelegramAdapter
from bot.domain.hours import hours_to_json, parse_hours
from bot.serve import attach_staff_group, case_relay
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.cases import CaseBook
from bot.store.database import drop_everything

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.builders import text_update  # noqa: E402
from tests.fakes.bot_api import RunningFakeBotApi  # noqa: E402

STAFF = -1009999
LANGS = ("ar", "fr", "it", "fi", "uk")


async def _measure(
    fake: RunningFakeBotApi, book: CaseBook, first_chat: int, count: int, every: float
) -> tuple[list[float], list[float]]:
    """(ms to topic, ms to summary) for ``count`` new chats asking for a person."""
    injected: dict[str, int] = {}
    started = time.monotonic()
    for i in range(count):
        chat = first_chat + i
        if every:
            await asyncio.sleep(max(0.0, started + i * every - time.monotonic()))
        injected[str(chat)] = await asyncio.to_thread(
            fake.inject, text_update(chat, "/mediator", language_code=LANGS[i % len(LANGS)])
        )
    deadline = time.monotonic() + 120
    while True:
        state = await asyncio.to_thread(fake.state)
        summaries = {
            m["message_thread_id"]: m["at"]
            for m in state["messages"]
            if m["chat"]["id"] == STAFF and m.get("text", "").startswith("Case #")
        }
        mine = {}
        for thread, topic in state["topics"].items():
            case = await asyncio.to_thread(book.case_by_thread, int(thread))
            if case is not None and case.chat_id in injected and int(thread) in summaries:
                mine[case.chat_id] = (topic["at"], summaries[int(thread)])
        if len(mine) == count or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    at = state["injected_at"]
    to_topic = sorted((v[0] - at[str(injected[c])]) * 1000 for c, v in mine.items())
    to_summary = sorted((v[1] - at[str(injected[c])]) * 1000 for c, v in mine.items())
    return to_topic, to_summary


def _row(name: str, values: list[float]) -> str:
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.0f} | {p95:.0f} | "
        f"{max(values):.0f} |"
    )


async def run(database_url: str, label: str) -> list[str]:
    settings = Settings(database_url=database_url, var_dir=ROOT / "var", staff_chat_id=STAFF)
    orienta = build(settings, understanding=understanding_from_settings(settings, use_rasa=False))
    orienta.runner.understanding.warm_up()
    prepare_content(settings, orienta.store, datetime.now(UTC).date())
    book = CaseBook(orienta.store)
    always = hours_to_json(parse_hours("always"))
    for i, lang in enumerate(LANGS):
        book.add_mediator(
            f"Mediator {lang}",
            [lang],
            always,
            "Europe/Rome",
            datetime.now(UTC),
            telegram_user_id=900 + i,
        )
    rows = []
    with RunningFakeBotApi() as fake:
        adapter = TelegramAdapter.create(
            fake.fake.token, fake.url, orienta.runner, orienta.catalogs, SERVED_LANGUAGES
        )
        staff = attach_staff_group(orienta, adapter)
        relay = case_relay(orienta, {"telegram": adapter.channel}, staff)
        await adapter.start()
        task = asyncio.create_task(relay.run_forever())
        try:
            await _measure(fake, book, 1_000, 5, 0.25)  # warm up
            topic, summary = await _measure(fake, book, 2_000, 40, 0.25)
            rows += [
                _row(f"{label}, paced 4/s: topic created", topic),
                _row(f"{label}, paced 4/s: summary posted", summary),
            ]
            topic, summary = await _measure(fake, book, 3_000, 30, 0.0)
            rows += [
                _row(f"{label}, 30 at once: topic created", topic),
                _row(f"{label}, 30 at once: summary posted", summary),
            ]
        finally:
            task.cancel()
            await adapter.stop()
            orienta.store.engine.dispose()
    return rows


async def main_async() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += await run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite")
    pg = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
    if pg:
        drop_everything(pg)
        rows += await run(pg, "PostgreSQL")
    print("Escalation to the staff group, ms from the person's update to (one process, 2 cores):")
    print("| setup | cases | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
