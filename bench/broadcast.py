"""Announcement throughput through the outbox to the fake Bot API server (real HTTP,
127.0.0.1): Orienta's broadcast job (recipient rows, outbox, the runner's delivery,
python-telegram-bot) sends two announcements to the same people, paced to Telegram's
limits, and the messages the server received are checked against them: at most 30 in
any one second, and at least a second between two messages to one chat. A third run
with the pacer opened wide shows what the outbox path could do unpaced (never used in
production). SQLite, and PostgreSQL when ORIENTA_BENCH_POSTGRES_URL is set.

Run with ``make bench`` or ``python -m bench.broadcast`` (``ORIENTA_BENCH_PEOPLE``
sets how many people; 200 by default).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot.app import Orienta, build, understanding_from_settings
from bot.channels.telegram import TelegramAdapter
from bot.runtime.broadcasts import BroadcastJob
from bot.runtime.pacing import Pacer
from bot.services.broadcasts import BroadcastDraft, Broadcasts
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.database import drop_everything

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.broadcasting import person  # noqa: E402
from tests.fakes.bot_api import RunningFakeBotApi  # noqa: E402

LIMIT_PER_SECOND = 30
TEXTS = {
    "ar": "المكتب مغلق يوم الاثنين.",
    "fr": "Le bureau est fermé lundi.",
    "it": "Lo sportello è chiuso lunedì.",
    "fi": "Toimisto on kiinni maanantaina.",
    "uk": "Офіс зачинено в понеділок.",
}


def _worst_second(moments: list[float]) -> int:
    """The most messages in any one-second window."""
    moments = sorted(moments)
    worst, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        worst = max(worst, end - start + 1)
    return worst


def _closest_per_chat(messages: list[dict[str, Any]]) -> float:
    """The shortest time between two messages to one chat (inf when none got two)."""
    by_chat: dict[int, list[float]] = {}
    for message in messages:
        by_chat.setdefault(message["chat"]["id"], []).append(float(message["at"]))
    gaps = [b - a for times in by_chat.values() for a, b in pairwise(sorted(times))]
    return min(gaps, default=float("inf"))


async def _send(
    orienta: Orienta, adapter: TelegramAdapter, pacer: Pacer, announcements: int
) -> float:
    broadcasts = Broadcasts(
        orienta.store, orienta.catalogs, orienta.settings.privacy_notice_version
    )
    for _ in range(announcements):
        broadcast_id = broadcasts.create(BroadcastDraft(TEXTS), "bench", datetime.now(UTC))
        broadcasts.schedule(broadcast_id, datetime.now(UTC))
    job = BroadcastJob(
        broadcasts,
        orienta.runner,
        {"telegram": adapter.channel},
        "bench",
        lambda: datetime.now(UTC),
        pacer=pacer,
    )
    started = time.monotonic()
    await job.run_once()
    return time.monotonic() - started


async def _run(fake: RunningFakeBotApi, database_url: str, people: int, base: int) -> list[str]:
    settings = Settings(database_url=database_url, var_dir=ROOT / "var")
    orienta = build(settings, understanding=understanding_from_settings(settings, use_rasa=False))
    for i in range(people):
        person(orienta, str(base + i), SERVED_LANGUAGES[i % 5], channel="telegram")
    adapter = TelegramAdapter.create(
        fake.fake.token, fake.url, orienta.runner, orienta.catalogs, SERVED_LANGUAGES
    )
    await adapter.start()
    rows = []
    try:
        for name, pacer, announcements in (
            ("paced (the job's default)", Pacer(), 2),
            ("unpaced (outbox capacity)", Pacer(per_second=1e6, per_chat=0.0), 1),
        ):
            fake.reset()
            elapsed = await _send(orienta, adapter, pacer, announcements)
            messages = [m for m in fake.state()["messages"] if m["chat"]["id"] >= base]
            assert len(messages) == people * announcements, (len(messages), people)
            worst = _worst_second([float(m["at"]) for m in messages])
            closest = _closest_per_chat(messages)
            if name.startswith("paced"):
                assert worst <= LIMIT_PER_SECOND, f"{worst} messages in one second"
                assert closest >= 1.0, f"two messages to one chat {closest:.2f} s apart"
            rows.append(
                f"| {name} | {len(messages)} | {len(messages) / elapsed:,.1f} | {worst} | "
                + (f"{closest:.2f} |" if closest != float("inf") else "— |")
            )
    finally:
        await adapter.stop()
        orienta.store.engine.dispose()
    return rows


async def main_async() -> None:
    people = int(os.environ.get("ORIENTA_BENCH_PEOPLE", "200"))
    rows = []
    with RunningFakeBotApi() as fake:
        with tempfile.TemporaryDirectory() as tmp:
            rows += [
                f"| SQLite {row}"
                for row in await _run(fake, f"sqlite:///{tmp}/bench.sqlite3", people, 40_000_000)
            ]
        pg = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
        if pg:
            drop_everything(pg)
            rows += [f"| PostgreSQL {row}" for row in await _run(fake, pg, people, 50_000_000)]
    print(f"Announcements to {people} people through the outbox and the fake Bot API server:")
    print(
        "| database | run | messages | messages/s | most in one second | closest to one chat (s) |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"Telegram's limits: about {LIMIT_PER_SECOND}/s overall, 1/s to one chat.")


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
