"""A polling worker killed (SIGKILL) twice in the middle of a burst, and restarted at
once on the same database, on SQLite and on PostgreSQL.

One ``python -m bot run`` process polls the fake Bot API server (``tests/fakes/bot_api.py``,
the real HTTP protocol on 127.0.0.1) while 20 people write 13 messages each. It is killed
twice while the burst goes on: with batches fetched and not yet confirmed, updates stored
and not yet handled, and replies saved and on their way (held by the Bot API, never
carried out). After each kill it is started again at once. Every chat must get exactly
the replies one runner gives (``tests/traffic.py``), each once and in order, every update
must be stored once, and the restarted process must take its chats back at once, not
after their 60 s leases.

The kills land while the Bot API holds every ``sendMessage`` (none is carried out):
a reply Telegram took in the instant before a crash, whose sending was not yet
recorded, would go out again after the restart (Telegram has no idempotent send), so a
kill at a random moment could not promise "exactly once"; it still promises "at least
once" and "nothing lost".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.store.database import make_engine
from bot.store.models import InboxItem, OutboxItem
from tests.cluster import assert_transcripts
from tests.fakes.bot_api import RunningFakeBotApi
from tests.servers import Worker, train_embedded, worker_environment
from tests.traffic import Chat, Reply, reference

LEASE = 60.0
HEARTBEAT = 2.0
DEAD_AFTER = 6.0


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ with the embedded NLU model trained once, shared by the worker and the
    reference runner."""
    folder = tmp_path_factory.mktemp("polling") / "var"
    train_embedded(folder)
    return folder


@pytest.fixture
def bot_api() -> Iterator[RunningFakeBotApi]:
    with RunningFakeBotApi() as server:
        yield server


def unfinished(database_url: str) -> tuple[int, int]:
    """(stored updates not processed, replies not sent)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            updates = connection.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.processed_at.is_(None))
            )
            replies = connection.scalar(select(func.count()).select_from(OutboxItem))
            return int(updates or 0), int(replies or 0)
    finally:
        engine.dispose()


def stored_updates(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(select(InboxItem.update_id).order_by(InboxItem.update_id))
            )
    finally:
        engine.dispose()


async def burst(bot_api: RunningFakeBotApi, chats: list[Chat], pause: float) -> None:
    """Everyone writes their next message, round after round, ``pause`` apart."""
    for turn in range(max(len(chat.updates) for chat in chats)):
        for chat in chats:
            if turn < len(chat.updates):
                await asyncio.to_thread(bot_api.inject, chat.updates[turn])
        await asyncio.sleep(pause)


def in_flight(bot_api: RunningFakeBotApi, chats: list[Chat], database_url: str) -> list[int]:
    """The chats with a reply Telegram has whose sending is not recorded yet: their
    replies received and still waiting in the outbox are more than their handled
    updates produced (the transcripts say how many)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            handled = dict(
                connection.execute(
                    select(InboxItem.chat_id, func.count())
                    .where(InboxItem.processed_at.is_not(None))
                    .group_by(InboxItem.chat_id)
                ).all()
            )
            waiting = dict(
                connection.execute(
                    select(OutboxItem.chat_id, func.count()).group_by(OutboxItem.chat_id)
                ).all()
            )
    finally:
        engine.dispose()
    sent = bot_api.sent_by_chat()
    return [
        chat.chat_id
        for chat in chats
        if len(sent.get(chat.chat_id, [])) + waiting.get(str(chat.chat_id), 0)
        != (chat.marks[handled[str(chat.chat_id)] - 1] if str(chat.chat_id) in handled else 0)
    ]


async def settled(
    bot_api: RunningFakeBotApi, chats: list[Chat], database_url: str, timeout: float = 60.0
) -> None:
    """Wait (while Telegram holds every send) until no reply is between Telegram and the
    outbox: the moment to kill without making a reply go out twice."""
    deadline = time.monotonic() + timeout
    while pending := await asyncio.to_thread(in_flight, bot_api, chats, database_url):
        if time.monotonic() > deadline:
            raise AssertionError(f"replies still on their way after {timeout} s: {pending}")
        await asyncio.sleep(0.1)


async def kill_and_restart(
    bot_api: RunningFakeBotApi, worker: Worker, chats: list[Chat], database_url: str
) -> float:
    """Kill the worker while Telegram holds its replies, start it again at once; how
    long after it was ready (negative: before) a chat whose reply was held at the kill
    got its first reply from the new process."""
    held_before = len(bot_api.fake.stalled)
    bot_api.hold("sendMessage")
    deadline = time.monotonic() + 60
    while len(bot_api.fake.stalled) == held_before:  # the worker is in the middle of replies
        assert time.monotonic() < deadline, "the worker sent nothing"
        await asyncio.sleep(0.05)
    await settled(bot_api, chats, database_url)
    worker.kill()
    killed = time.monotonic()
    bot_api.hold()
    held = {int(params["chat_id"]) for _, params in list(bot_api.fake.stalled)[held_before:]}
    worker.start()
    await asyncio.to_thread(worker.wait_ready)
    ready = time.monotonic()

    def resumed() -> list[float]:
        sent = bot_api.sent_by_chat()
        return [m["at"] for chat in held for m in sent.get(chat, []) if m["at"] > killed]

    while not resumed() and time.monotonic() < ready + LEASE + 10:
        await asyncio.sleep(0.1)
    first = min(resumed(), default=ready + LEASE + 10)
    print(
        f"kill to first resumed reply: {first - killed:.1f} s (ready after {ready - killed:.1f} s)"
    )
    return first - ready


async def test_a_polling_worker_killed_twice_in_a_burst_loses_nothing_and_resumes_at_once(
    database_url: str, var_dir: Path, bot_api: RunningFakeBotApi, tmp_path: Path
) -> None:
    chats = await reference(var_dir, chats=20, rounds=1)
    environment = worker_environment(
        database_url,
        bot_api.url,
        var_dir,
        ORIENTA_CHAT_LEASE_SECONDS=str(LEASE),
        ORIENTA_RESUME_SECONDS="15",
        ORIENTA_HEARTBEAT_SECONDS=str(HEARTBEAT),
        ORIENTA_WORKER_DEAD_AFTER_SECONDS=str(DEAD_AFTER),
    )
    worker = Worker("polling", environment, tmp_path / "worker.log", polling=True)
    worker.start()
    await asyncio.to_thread(worker.wait_ready)
    try:
        # Rounds 1.5 s apart: people still write when the restarted worker is ready
        # (loading the NLU takes seconds), so the second kill finds replies on their way.
        writing = asyncio.create_task(burst(bot_api, chats, pause=1.5))
        await asyncio.sleep(1.0)
        first_resume = await kill_and_restart(bot_api, worker, chats, database_url)
        await asyncio.sleep(1.0)
        assert not writing.done(), "the burst ended before the second kill"
        second_resume = await kill_and_restart(bot_api, worker, chats, database_url)
        await writing
        got = await answered(bot_api, chats, database_url, worker)
    finally:
        worker.stop()
    print(f"resumed {first_resume:.1f} s and {second_resume:.1f} s after the restarts were ready")
    assert_transcripts(got, chats)
    every_update = sorted(u["update_id"] for chat in chats for u in chat.updates)
    assert stored_updates(database_url) == every_update  # each stored once, all processed
    assert unfinished(database_url) == (0, 0)
    # The restarted worker took its chats back at once, not after their 60 s leases.
    bound = DEAD_AFTER + 2 * HEARTBEAT
    assert first_resume < bound and second_resume < bound, (first_resume, second_resume)


async def answered(
    bot_api: RunningFakeBotApi,
    chats: list[Chat],
    database_url: str,
    worker: Worker,
    timeout: float = 240.0,
) -> dict[int, list[Reply]]:
    """Wait until every chat got as many replies as it should and nothing is left to do,
    then a little longer (a reply sent twice would show); what each chat got."""
    deadline = time.monotonic() + timeout
    while True:
        sent = bot_api.sent_by_chat()
        if all(len(sent.get(c.chat_id, [])) >= len(c.expected) for c in chats) and (
            unfinished(database_url) == (0, 0)
        ):
            break
        if time.monotonic() > deadline:
            missing = {
                c.chat_id: (len(sent.get(c.chat_id, [])), len(c.expected))
                for c in chats
                if len(sent.get(c.chat_id, [])) < len(c.expected)
            }
            raise AssertionError(
                f"not answered in {timeout} s: {missing}; unfinished "
                f"{unfinished(database_url)}\n{worker.log_tail(40)}"
            )
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.5)
    sent = bot_api.sent_by_chat()
    return {c.chat_id: [Reply.sent(m) for m in sent.get(c.chat_id, [])] for c in chats}
