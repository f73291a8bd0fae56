"""Telegram throughput, CPU and latency through the fake Bot API server (real HTTP,
127.0.0.1), Orienta beside a bare python-telegram-bot echo bot in the same run.

Orienta (polling, inbox, NLU, engine, store, replies) and the echo bot run in this
process, one after the other, against the fake server, which runs in a process of its
own (so its work is not counted as theirs). For each bot:

- saturated updates/s: 300 updates (one new chat each) injected at once, answered per
  second from the first injection to the last first reply (and replies sent per second);
- CPU ms per update during that burst: this process's CPU time less the benchmark's own
  (injecting, reading what was sent), per update; for Orienta also the NLU inference's
  share (language identification and the intent classifier, timed in their calls);
- first-reply latency p50/p95 at a paced 10, 25 and 50 updates/s (6 s each).

Orienta runs on SQLite, and on PostgreSQL when ORIENTA_BENCH_POSTGRES_URL is set;
``--fasttext-only`` runs its NLU without the sentence-embedding head.

Run with ``make bench`` or ``python -m bench.telegram [--fasttext-only]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build, understanding_from_settings
from bot.channels.telegram import TelegramAdapter
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.database import drop_everything

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.builders import text_update  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402
from tests.servers import free_port  # noqa: E402

TEXTS = [
    "/menu",
    "bonjour, je cherche un logement",
    "ho bisogno di un medico",
    "/help",
    "tarvitsen apua kelan kanssa",
    "мені потрібна допомога з документами",
]
BURST = 300
RATES = (10.0, 25.0, 50.0)
PACED_SECONDS = 6.0


class FakeServer:
    """The fake Bot API server in a process of its own, and a client of its control API.
    Calls from the benchmark count their CPU time in :attr:`own_cpu`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = FakeBotApi().token
        self.own_cpu = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._client = httpx.Client(base_url=self.url, timeout=60)

    def __enter__(self) -> FakeServer:
        code = (
            "import uvicorn; from tests.fakes.bot_api import FakeBotApi; "
            f"uvicorn.run(FakeBotApi().app, host='127.0.0.1', port={self.port}, "
            "log_level='warning')"
        )
        self._process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self._client.get("/control/sent")
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the fake Bot API server did not start")

    def __exit__(self, *exc: object) -> None:
        self._client.close()
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return self._client.request(method, path, **kwargs).json()
        finally:
            self.own_cpu += time.thread_time() - started

    def inject(self, update: dict[str, Any]) -> None:
        self._call("POST", "/control/updates", json=update)

    def first_replies(self, first: int, count: int) -> tuple[dict[int, float], float, int]:
        """For chats ``first`` … ``first + count - 1``: when each got its first reply
        (server's monotonic clock), the last reply's time and how many were sent."""
        chats = self._call("GET", "/control/sent")["chats"]
        firsts: dict[int, float] = {}
        last, sent = 0.0, 0
        for chat, messages in chats.items():
            if first <= int(chat) < first + count and messages:
                firsts[int(chat)] = min(m["at"] for m in messages)
                last = max(last, *(m["at"] for m in messages))
                sent += len(messages)
        return firsts, last, sent

    def injected_at(self) -> dict[int, float]:
        return {
            int(k): float(v) for k, v in self._call("GET", "/control/state")["injected_at"].items()
        }

    def reset(self) -> None:
        self._call("POST", "/control/reset")


@dataclass
class Result:
    name: str
    updates_per_s: float = 0.0
    replies_per_s: float = 0.0
    cpu_ms: float = 0.0
    nlu_ms: float | None = None
    latencies: dict[float, tuple[float, float]] = field(default_factory=dict)


async def _wave(
    fake: FakeServer, first_chat: int, count: int, rate: float | None
) -> tuple[list[float], float, float]:
    """Inject ``count`` updates (one new chat each), all at once or at ``rate`` per second;
    return (first-reply latencies in ms, updates answered per second, replies per second)."""
    chats = list(range(first_chat, first_chat + count))
    started = time.monotonic()
    for i, chat in enumerate(chats):
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        await asyncio.to_thread(fake.inject, text_update(chat, TEXTS[i % len(TEXTS)]))
    deadline = time.monotonic() + 120
    while True:
        await asyncio.sleep(0.1)
        firsts, last, sent = await asyncio.to_thread(fake.first_replies, first_chat, count)
        if len(firsts) == count or time.monotonic() > deadline:
            break
    # Chats were injected in order, one update each: the last `count` injections are ours.
    injected = sorted((await asyncio.to_thread(fake.injected_at)).values())[-count:]
    latencies = sorted(
        (firsts[chat] - at) * 1000
        for chat, at in zip(chats, injected, strict=True)
        if chat in firsts
    )
    elapsed = max(firsts.values()) - injected[0]
    return latencies, len(firsts) / elapsed, sent / max(1e-9, last - injected[0])


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    return statistics.median(latencies), latencies[max(0, int(len(latencies) * 0.95) - 1)]


async def _measure(
    name: str,
    fake: FakeServer,
    start: Callable[[], Awaitable[Any]],
    stop: Callable[[], Awaitable[Any]],
    base: int,
    nlu_cpu: Callable[[], float] | None = None,
) -> Result:
    fake.reset()
    result = Result(name)
    await start()
    try:
        await _wave(fake, base, 30, None)  # warm up
        cpu, own, nlu = time.process_time(), fake.own_cpu, nlu_cpu() if nlu_cpu else 0.0
        _, result.updates_per_s, result.replies_per_s = await _wave(fake, base + 1000, BURST, None)
        cpu, own = time.process_time() - cpu, fake.own_cpu - own
        result.cpu_ms = (cpu - own) * 1000 / BURST
        if nlu_cpu:
            result.nlu_ms = (nlu_cpu() - nlu) * 1000 / BURST
        for i, rate in enumerate(RATES):
            count = int(rate * PACED_SECONDS)
            latencies, _, _ = await _wave(fake, base + 2000 + 1000 * i, count, rate)
            result.latencies[rate] = _percentiles(latencies)
    finally:
        await stop()
    return result


async def echo_bot(fake: FakeServer) -> Result:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app = (
        Application.builder()
        .token(fake.token)
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

    return await _measure("python-telegram-bot echo bot", fake, start, stop, 10_000_000)


async def orienta_bot(
    fake: FakeServer, name: str, database_url: str, base: int, fasttext_only: bool
) -> Result:
    settings = Settings(database_url=database_url, var_dir=ROOT / "var")
    orienta = build(settings, understanding=understanding_from_settings(settings, use_rasa=False))
    if fasttext_only:
        orienta.runner.understanding.intents.sentences = False  # type: ignore[attr-defined]
    orienta.runner.understanding.warm_up()
    adapter = TelegramAdapter.create(
        fake.token, fake.url, orienta.runner, orienta.catalogs, SERVED_LANGUAGES
    )

    try:
        return await _measure(
            name, fake, adapter.start, adapter.stop, base, timed_nlu(orienta.runner.understanding)
        )
    finally:
        orienta.store.engine.dispose()


def timed_nlu(understanding: Any) -> Callable[[], float]:
    """Time the NLU's inference on whatever thread it runs (language identification and
    the intent classifier); return a reader of the CPU seconds so far."""
    spent = [0.0]

    def timed(call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return call(*args, **kwargs)
            finally:
                spent[0] += time.thread_time() - started

        return run

    understanding.langid.decide = timed(understanding.langid.decide)
    understanding.intents.classify = timed(understanding.intents.classify)
    return lambda: spent[0]


def _row(result: Result) -> str:
    nlu = "–" if result.nlu_ms is None else f"{result.nlu_ms:.2f}"
    cpu = result.cpu_ms - (result.nlu_ms or 0.0)
    paced = " | ".join(f"{p50:.0f} / {p95:.0f}" for p50, p95 in result.latencies.values())
    return (
        f"| {result.name} | {result.updates_per_s:,.0f} | {result.replies_per_s:,.0f} | "
        f"{result.cpu_ms:.2f} | {nlu} | {cpu:.2f} | {paced} |"
    )


async def main_async(fasttext_only: bool) -> None:
    results = []
    with FakeServer() as fake:
        echo = await echo_bot(fake)
        results.append(echo)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            results.append(
                await orienta_bot(fake, "Orienta, SQLite", url, 20_000_000, fasttext_only)
            )
        pg = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
        if pg:
            drop_everything(pg)
            results.append(
                await orienta_bot(fake, "Orienta, PostgreSQL", pg, 30_000_000, fasttext_only)
            )
    nlu = "fastText only" if fasttext_only else "fastText + e5 head, as shipped"
    rates = " | ".join(f"p50 / p95 ms at {rate:.0f}/s" for rate in RATES)
    print(f"Telegram through the fake Bot API server (one worker, polling; NLU {nlu}):")
    print(
        f"| bot | updates/s ({BURST} at once) | replies/s | CPU ms/update | NLU CPU ms/update "
        f"| CPU ms/update without NLU | {rates} |"
    )
    print("|---|---|---|---|---|---|" + "---|" * len(RATES))
    print("\n".join(_row(result) for result in results))
    for result in results[1:]:
        print(
            f"{result.name}/echo: {result.updates_per_s / echo.updates_per_s:.0%} of the "
            f"updates per second, {result.replies_per_s / echo.replies_per_s:.0%} of the "
            "replies per second (Orienta answers most updates with 2-3 messages, the echo "
            "bot with 1)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fasttext-only", action="store_true")
    args = parser.parse_args()
    asyncio.run(main_async(args.fasttext_only))


if __name__ == "__main__":
    main()
