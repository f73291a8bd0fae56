"""Telegram throughput and latency through the fake Bot API server (real HTTP, 127.0.0.1).

Orienta (python-telegram-bot polling, inbox, NLU, engine, store, replies) and a
bare python-telegram-bot echo bot run against the same fake server in the same
run: messages per second when updates arrive all at once, and p50/p95 latency
from an update being available to its first reply at a paced 100 messages/s.
Orienta runs on SQLite, and on PostgreSQL when ORIENTA_BENCH_POSTGRES_URL is set.

Run with ``make bench`` or ``python -m bench.telegram``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build, understanding_from_settings
from bot.channels.telegram import TelegramAdapter
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.database import drop_everything

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.builders import text_update  # noqa: E402
from tests.fakes.bot_api import RunningFakeBotApi  # noqa: E402

TEXTS = [
    "/menu",
    "bonjour, je cherche un logement",
    "ho bisogno di un medico",
    "/help",
    "tarvitsen apua kelan kanssa",
    "мені потрібна допомога з документами",
]


async def _measure(
    fake: RunningFakeBotApi, first_chat: int, count: int, rate: float | None
) -> tuple[float, list[float], float]:
    """Inject ``count`` updates (one new chat each), all at once or at ``rate`` per second;
    return (updates answered per second, latencies in ms, messages sent per second)."""
    chats = list(range(first_chat, first_chat + count))
    started = time.monotonic()
    for i, chat in enumerate(chats):
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        await asyncio.to_thread(fake.inject, text_update(chat, TEXTS[i % len(TEXTS)]))
    deadline = time.monotonic() + 120
    while True:
        state = await asyncio.to_thread(fake.state)
        first_reply: dict[int, float] = {}
        last_reply = 0.0
        sent = 0
        for message in state["messages"]:
            chat = message["chat"]["id"]
            if first_chat <= chat < first_chat + count:
                first_reply[chat] = min(first_reply.get(chat, 1e18), message["at"])
                last_reply = max(last_reply, message["at"])
                sent += 1
        if len(first_reply) == count or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    # Chats were injected in order, one update each: the last `count` injections are ours.
    inject_times = sorted(float(v) for v in state["injected_at"].values())[-count:]
    latencies = sorted(
        (first_reply[chat] - injected) * 1000
        for chat, injected in zip(chats, inject_times, strict=True)
        if chat in first_reply
    )
    elapsed = max(first_reply.values()) - inject_times[0]
    return (len(first_reply) / elapsed, latencies, sent / max(1e-9, last_reply - inject_times[0]))


def _summary(
    name: str, burst: tuple[float, list[float], float], paced: tuple[float, list[float], float]
) -> str:
    latencies = paced[1]
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return f"| {name} | {burst[0]:,.0f} | {burst[2]:,.0f} | {p50:.1f} | {p95:.1f} |"


async def _run(
    fake: RunningFakeBotApi,
    start: Callable[[], Awaitable[Any]],
    stop: Callable[[], Awaitable[Any]],
    base: int,
) -> tuple[Any, Any]:
    await start()
    try:
        await _measure(fake, base, 20, None)  # warm up
        burst = await _measure(fake, base + 1000, 300, None)
        paced = await _measure(fake, base + 2000, 300, 100.0)
    finally:
        await stop()
    return burst, paced


async def echo_bot(fake: RunningFakeBotApi) -> tuple[Any, Any]:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app = (
        Application.builder()
        .token(fake.fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))

    async def start() -> None:
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling()

    async def stop() -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    return await _run(fake, start, stop, 10_000_000)


async def orienta_bot(fake: RunningFakeBotApi, database_url: str, base: int) -> tuple[Any, Any]:
    settings = Settings(database_url=database_url, var_dir=ROOT / "var")
    orienta = build(settings, understanding=understanding_from_settings(settings, use_rasa=False))
    orienta.runner.understanding.warm_up()
    adapter = TelegramAdapter.create(
        fake.fake.token, fake.url, orienta.runner, orienta.catalogs, SERVED_LANGUAGES
    )
    try:
        return await _run(fake, adapter.start, adapter.stop, base)
    finally:
        orienta.store.engine.dispose()


async def main_async() -> None:
    rows = []
    with RunningFakeBotApi() as fake:
        echo = await echo_bot(fake)
        rows.append(_summary("python-telegram-bot echo bot", *echo))
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = await orienta_bot(fake, f"sqlite:///{tmp}/bench.sqlite3", 20_000_000)
        rows.append(_summary("Orienta, SQLite", *sqlite))
        pg = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
        if pg:
            drop_everything(pg)
            postgres = await orienta_bot(fake, pg, 30_000_000)
            rows.append(_summary("Orienta, PostgreSQL", *postgres))
    print("Telegram through the fake Bot API server (one process, 2 cores):")
    print("| bot | updates/s (300 at once) | replies sent/s | p50 ms at 100/s | p95 ms at 100/s |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"Orienta/echo: {sqlite[0][0] / echo[0][0]:.0%} of the updates per second, "
        f"{sqlite[0][2] / echo[0][2]:.0%} of the replies per second (SQLite; Orienta answers "
        "most updates with 2-3 messages, the echo bot with 1)"
    )


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
