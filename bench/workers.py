"""Load: one and several worker processes on one PostgreSQL, at rising load.

Each worker is ``python -m bot run`` in webhook mode; a private PostgreSQL cluster
(Debian's binaries) holds the store; the fake Bot API server speaks the real HTTP
protocol on 127.0.0.1; Telegram's side posts each chat's updates in order, to workers
chosen at random, at a paced rate across many chats (``tests/servers.py``). The chats
are whole conversations (``tests/traffic.py``: welcome, consent, rights topics by
button, typed questions): each must get exactly the replies one runner gives.

For every number of workers and offered rate (updates per second) it reports the
throughput (updates answered per second from the first post to the last reply), the
p50 and p95 latency from posting an update to its first reply, and the errors: updates
refused (Telegram would post them again), and chats whose transcript is wrong or
incomplete one minute after the last post.

Run with ``make bench`` or ``python -m bench.workers [--workers 1,2,3] [--rates 10,20,40,80]
[--seconds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.store.database import drop_everything  # noqa: E402
from tests.fakes.bot_api import RunningFakeBotApi  # noqa: E402
from tests.servers import (  # noqa: E402
    PostgresServer,
    TelegramSide,
    Worker,
    postgres_binaries,
    train_embedded,
    worker_environment,
)
from tests.traffic import Chat, Reply, reference  # noqa: E402


@dataclass
class Step:
    workers: int
    rate: float
    updates: int
    throughput: float
    p50_ms: float
    p95_ms: float
    refused: int
    wrong_chats: int

    def row(self) -> str:
        return (
            f"| {self.workers} | {self.rate:.0f} | {self.updates} | "
            f"{self.throughput:.1f} | {self.p50_ms:.0f} | {self.p95_ms:.0f} | "
            f"{self.refused} | {self.wrong_chats} |"
        )


async def _offer(telegram: TelegramSide, chats: list[Chat], rate: float) -> None:
    """Post the chats' updates at ``rate`` per second in update-id order (interleaved
    across chats), each chat's after its previous one was acknowledged."""
    order = sorted(
        ((u["update_id"], chat.chat_id, u) for chat in chats for u in chat.updates),
        key=lambda item: item[0],
    )
    previous: dict[int, asyncio.Task[None]] = {}
    started = time.monotonic()

    async def post(update: dict[str, Any], before: asyncio.Task[None] | None, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        if before is not None:
            await before
        await telegram.post(update)

    tasks = []
    for index, (_, chat_id, update) in enumerate(order):
        task = asyncio.create_task(post(update, previous.get(chat_id), started + index / rate))
        previous[chat_id] = task
        tasks.append(task)
    await asyncio.gather(*tasks)


async def _measure(
    bot_api: RunningFakeBotApi, telegram: TelegramSide, chats: list[Chat], workers: int, rate: float
) -> Step:
    refused_before = telegram.delivery.refused
    await _offer(telegram, chats, rate)
    deadline = time.monotonic() + 60
    while True:
        sent = await asyncio.to_thread(bot_api.sent_by_chat)
        if all(len(sent.get(c.chat_id, [])) >= len(c.expected) for c in chats):
            break
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.0)
    sent = await asyncio.to_thread(bot_api.sent_by_chat)
    latencies, first_post, last_reply, wrong = [], float("inf"), 0.0, 0
    for chat in chats:
        got = sent.get(chat.chat_id, [])
        if [Reply.sent(m) for m in got] != chat.expected:
            wrong += 1
        for index, update in enumerate(chat.updates):
            first = chat.marks[index - 1] if index else 0  # this update's first reply
            posted = telegram.delivery.posted_at[update["update_id"]]
            first_post = min(first_post, posted)
            if first < len(got):
                latencies.append((got[first]["at"] - posted) * 1000)
        if got:
            last_reply = max(last_reply, got[-1]["at"])
    latencies.sort()
    count = sum(len(chat.updates) for chat in chats)
    return Step(
        workers,
        rate,
        count,
        len(latencies) / max(1e-9, last_reply - first_post),
        statistics.median(latencies) if latencies else float("nan"),
        latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan"),
        telegram.delivery.refused - refused_before,
        wrong,
    )


def _chats_for(rate: float, seconds: float, per_chat: int) -> int:
    return max(4, round(rate * seconds / per_chat))


async def main_async(worker_counts: list[int], rates: list[float], seconds: float) -> None:
    binaries = postgres_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL's server programs are missing: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="orienta-bench-workers-"))
    var_dir, logs = root / "var", root / "logs"
    logs.mkdir(parents=True)
    train_embedded(var_dir, timeout=None)
    per_chat = len((await reference(var_dir, chats=1))[0].updates)
    needed = [_chats_for(rate, seconds, per_chat) for rate in rates]
    chats = await reference(var_dir, chats=sum(needed))
    batches, start = [], 0
    for count in needed:
        batches.append(chats[start : start + count])
        start += count
    postgres = PostgresServer(root / "pg", binaries)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    postgres.start()
    steps: list[Step] = []
    try:
        with RunningFakeBotApi() as bot_api:
            for count in worker_counts:
                drop_everything(postgres.url)
                bot_api.reset()
                env = worker_environment(
                    postgres.url,
                    bot_api.url,
                    var_dir,
                    ORIENTA_CHAT_LEASE_SECONDS="60",
                    ORIENTA_RESUME_SECONDS="15",
                    ORIENTA_LOG_LEVEL="WARNING",
                )
                workers = [
                    Worker(f"w{n + 1}", env, logs / f"{count}-w{n + 1}.log") for n in range(count)
                ]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.wait_ready()
                try:
                    async with TelegramSide(workers, seed=count, duplicate_rate=0.0) as telegram:
                        for rate, batch in zip(rates, batches, strict=True):
                            step = await _measure(bot_api, telegram, batch, count, rate)
                            steps.append(step)
                            print(step.row(), flush=True)
                finally:
                    for worker in workers:
                        worker.stop()
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
    print()
    print(
        "| workers | offered/s | updates | answered/s | p50 ms | p95 ms | refused | wrong chats |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for step in steps:
        print(step.row())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,3", help="worker counts, e.g. 1,3")
    parser.add_argument("--rates", default="10,20,40,80", help="offered updates per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each rate is offered")
    args = parser.parse_args()
    asyncio.run(
        main_async(
            [int(n) for n in args.workers.split(",")],
            [float(r) for r in args.rates.split(",")],
            args.seconds,
        )
    )


if __name__ == "__main__":
    main()
