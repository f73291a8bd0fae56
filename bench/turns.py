"""The cost of a turn, in process: whole conversations through the inbox, the dispatcher
and the runner (the memory channel, no HTTP), with what each turn costs.

The conversations are those of the scale-out tests (``tests/traffic.py``: welcome,
language, consent, topics by button, typed questions and thanks in the five languages).
Every update is stored at once, as a burst of polled batches, and the dispatcher works
them off (saturated). Reported per turn: turns per second, process CPU and the NLU's
CPU (language identification and intents, timed inside their calls), from a second
round; and from the first (warm-up) round, counted: database connections taken from the
pool, transactions, write transactions, statements and thread hops
(``asyncio.to_thread``).

``--profile FILE`` runs the same with every thread hop done inline (so cProfile sees the
whole turn in one thread) and prints where the time goes, by package and by function.

Run with ``python -m bench.turns [--chats 40] [--fasttext-only] [--profile out.prof]``;
set ``ORIENTA_BENCH_POSTGRES_URL`` to an empty database to run on PostgreSQL as well.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update

from bot.app import Orienta, build, prepare_content
from bot.channels.memory import MemoryChannel
from bot.channels.telegram import to_incoming
from bot.dispatch import Dispatcher, submit_all
from bot.messages import Incoming
from bot.settings import Settings
from bot.store.database import drop_everything

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.telegram import timed_nlu  # noqa: E402
from tests.traffic import Chat, reference  # noqa: E402

#: Batches as ``getUpdates`` hands them (its default limit).
BATCH = 100


class Tally:
    """Counts what the store and the event loop did, and the NLU's CPU time."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._writing: set[int] = set()
        self._listeners: list[tuple[Any, str, Callable[..., None]]] = []
        #: Whether thread hops are counted (the counting is off while timing).
        self.counting = True

    def stop(self) -> None:
        """Stop counting (listening costs CPU time, which the timed round must not pay)."""
        for target, name, listener in self._listeners:
            event.remove(target, name, listener)
        self.counting = False

    def watch(self, orienta: Orienta) -> None:
        engine = orienta.store.engine

        def listens_for(target: Any, name: str) -> Callable[[Callable[..., None]], None]:
            def register(listener: Callable[..., None]) -> None:
                event.listen(target, name, listener)
                self._listeners.append((target, name, listener))

            return register

        @listens_for(engine.pool, "checkout")
        def _checkout(*_: Any) -> None:
            self.counts["connections"] += 1

        @listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            self.counts["transactions"] += 1

        @listens_for(engine, "before_cursor_execute")
        def _statement(connection: Any, _c: Any, statement: str, *_: Any) -> None:
            self.counts["statements"] += 1
            if not statement.lstrip().upper().startswith(("SELECT", "PRAGMA")):
                self._writing.add(id(connection))

        @listens_for(engine, "commit")
        def _commit(connection: Any) -> None:
            if id(connection) in self._writing:
                self.counts["write transactions"] += 1
            self._writing.discard(id(connection))

        @listens_for(engine, "rollback")
        def _rollback(connection: Any) -> None:
            self._writing.discard(id(connection))

        #: CPU seconds the NLU's inference took so far, on whatever thread.
        self.nlu_cpu = timed_nlu(orienta.runner.understanding)


@contextmanager
def counted_hops(tally: Tally, inline: bool) -> Iterator[None]:
    """Count ``asyncio.to_thread`` calls; with ``inline``, run them in the loop's thread."""
    original = asyncio.to_thread

    async def to_thread(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if tally.counting:
            tally.counts["thread hops"] += 1
        if inline:
            return func(*args, **kwargs)
        return await original(func, *args, **kwargs)

    asyncio.to_thread = to_thread  # type: ignore[assignment]
    try:
        yield
    finally:
        asyncio.to_thread = original


def _orienta(database_url: str, fasttext_only: bool) -> Orienta:
    settings = Settings(database_url=database_url, var_dir=ROOT / "var")
    orienta = build(settings)
    if fasttext_only:
        orienta.runner.understanding.intents.sentences = False  # type: ignore[attr-defined]
    orienta.runner.understanding.warm_up()
    prepare_content(settings, orienta.store, datetime.now(UTC).date())
    return orienta


def _incoming(chats: list[Chat], base: int) -> list[tuple[Incoming, int]]:
    """Every chat's updates as the channel reads them, renumbered from ``base`` (a fresh
    set of people each round), in update id order."""
    updates = sorted(
        ((u["update_id"], u) for chat in chats for u in chat.updates), key=lambda x: x[0]
    )
    result = []
    for update_id, data in updates:
        incoming = to_incoming(Update.de_json(_shifted(data, base), None))
        assert incoming is not None
        result.append((incoming, base + update_id))
    return result


async def _play(orienta: Orienta, updates: list[tuple[Incoming, int]]) -> int:
    """Store the updates in ``getUpdates``-sized batches, then let the dispatcher work
    them off; return how many replies were sent."""
    channel = MemoryChannel("telegram")
    dispatcher = Dispatcher(orienta.runner, channel, name="telegram")
    received = [(dispatcher, incoming, update_id) for incoming, update_id in updates]
    for start in range(0, len(received), BATCH):
        await submit_all(received[start : start + BATCH])
    await dispatcher.idle()
    return sum(len(sent) for sent in channel.sent.values())


def _shifted(update: dict[str, Any], base: int) -> dict[str, Any]:
    """The update for chats numbered from ``base`` (a fresh set of people per round)."""
    shifted = dict(update)
    for key in ("message", "callback_query"):
        if key in shifted:
            inner = dict(shifted[key])
            if "chat" in inner:
                inner["chat"] = {**inner["chat"], "id": inner["chat"]["id"] + base}
            if "from" in inner:
                inner["from"] = {**inner["from"], "id": inner["from"]["id"] + base}
            if "message" in inner:
                message = dict(inner["message"])
                message["chat"] = {**message["chat"], "id": message["chat"]["id"] + base}
                inner["message"] = message
            shifted[key] = inner
    return shifted


async def measure(
    database_url: str, chats: list[Chat], fasttext_only: bool, profile: str | None
) -> dict[str, float]:
    orienta = _orienta(database_url, fasttext_only)
    tally = Tally()
    tally.watch(orienta)
    turns = sum(len(chat.updates) for chat in chats)
    try:
        with counted_hops(tally, inline=profile is not None):
            # Warm up (every path once), counting statements, transactions and hops.
            await _play(orienta, _incoming(chats, 10_000_000))
            tally.stop()
            updates = _incoming(chats, 20_000_000)
            nlu = tally.nlu_cpu()
            profiler = cProfile.Profile(time.process_time) if profile else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            replies = await _play(orienta, updates)
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            nlu = tally.nlu_cpu() - nlu
    finally:
        orienta.store.engine.dispose()
    if profiler and profile:
        profiler.dump_stats(profile)
    result = {
        "turns": turns,
        "replies": replies,
        "turns/s": turns / wall,
        "CPU ms/turn": cpu * 1000 / turns,
        "NLU CPU ms/turn": nlu * 1000 / turns,
        "CPU ms/turn without NLU": (cpu - nlu) * 1000 / turns,
    }
    result.update({f"{name}/turn": count / turns for name, count in sorted(tally.counts.items())})
    return result


_GROUPS = (
    (
        "sending (telegram.Bot, httpx, httpcore, h11)",
        ("_extbot", "telegram/_bot", "httpx/", "httpcore/", "h11/", "anyio/", "telegram/request"),
    ),
    ("sqlite3 (C)", ("sqlite3.",)),
    ("psycopg", ("psycopg",)),
    ("SQLAlchemy ORM", ("sqlalchemy/orm",)),
    ("SQLAlchemy Core/engine", ("sqlalchemy/",)),
    ("NLU: fastText/lingua/e5", ("fasttext", "lingua", "onnx", "tokenizers", "numpy")),
    ("NLU: nlu/", ("/nlu/",)),
    ("engine (bot/engine)", ("bot/engine/",)),
    ("rendering, i18n, Babel", ("bot/render", "bot/i18n", "babel/", "gettext")),
    ("services", ("bot/services/",)),
    ("store (bot/store)", ("bot/store/",)),
    ("runner, dispatcher", ("bot/runner", "bot/dispatch")),
    ("asyncio, threads", ("asyncio/", "threading", "concurrent/")),
    ("json", ("json/", "_json")),
    ("telegram (PTB)", ("telegram/",)),
)


def _group(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for group, needles in _GROUPS:
        if any(needle in where for needle in needles):
            return group
    return "other"


def print_profile(path: str, turns: int, top: int = 25) -> None:
    stats = pstats.Stats(path)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    groups: Counter[str] = Counter()
    for (filename, _line, name), entry in raw.items():
        groups[_group(filename, name)] += entry[2]
    print(f"\nWhere a turn's time goes (own CPU time, every thread hop inline; {total:.2f} s):")
    print("| part | ms/turn | share |")
    print("|---|---|---|")
    for group, seconds in groups.most_common():
        print(f"| {group} | {seconds * 1000 / turns:.2f} | {seconds / total:.0%} |")
    print(f"\nTop {top} functions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--fasttext-only", action="store_true")
    parser.add_argument("--profile", help="write a cProfile to this file (hops inline)")
    args = parser.parse_args()
    chats = asyncio.run(reference(ROOT / "var", args.chats, args.rounds))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        runs.append(("SQLite", asyncio.run(measure(url, chats, args.fasttext_only, args.profile))))
    pg = os.environ.get("ORIENTA_BENCH_POSTGRES_URL")
    if pg and not args.profile:
        drop_everything(pg)
        runs.append(("PostgreSQL", asyncio.run(measure(pg, chats, args.fasttext_only, None))))
    nlu = "fastText only" if args.fasttext_only else "fastText + e5 head"
    print(f"Turns through inbox, dispatcher and runner ({nlu}; memory channel):")
    print("| measure | " + " | ".join(name for name, _ in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for key in runs[0][1]:
        print(f"| {key} | " + " | ".join(f"{run[key]:,.2f}" for _, run in runs) + " |")
    if args.profile:
        print_profile(args.profile, int(runs[0][1]["turns"]))


if __name__ == "__main__":
    main()
