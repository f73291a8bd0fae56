"""Several workers on one database: each chat's updates are handled once each and in
order whichever worker received them (a lease per chat in the database, not process
memory), and a chat whose worker died is taken over once its lease runs out.

The workers here are dispatchers with runners and stores of their own in one process,
on SQLite and on PostgreSQL; the channel is the in-memory one."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bot.app import Orienta, build
from bot.channels.base import DeliveryFailed
from bot.channels.memory import MemoryChannel
from bot.dispatch import LEASE, Dispatcher
from bot.heartbeat import Heartbeat
from bot.messages import Incoming, Outgoing
from bot.store.retention import erase_before
from bot.store.workers import WorkerBook
from nlu.pipeline import Understanding
from tests.dialog import Dialog

CHATS = 12
PER_CHAT = 6


def worker(orienta: Orienta, name: str, seen: dict[str, list[str]]) -> Dispatcher:
    channel = MemoryChannel()
    runner = orienta.runner

    async def handle(incoming: Incoming, inbox_id: int) -> None:
        seen[incoming.chat_id].append(incoming.text)  # what this chat's turns were, in order
        await asyncio.sleep(random.random() / 200)  # let the workers interleave
        await runner.handle(incoming, channel, inbox_id=inbox_id)

    return Dispatcher(runner, channel, handler=handle, name="memory", worker=name)


async def test_updates_split_between_workers_are_handled_once_in_order(
    orienta: Orienta, understanding: Understanding
) -> None:
    other = build(orienta.settings, understanding=understanding, run_migrations=False)
    seen: dict[str, list[str]] = defaultdict(list)
    workers = [worker(orienta, "w1", seen), worker(other, "w2", seen)]
    rng = random.Random(7)
    update = 0
    sends = []
    for turn in range(PER_CHAT):
        for chat in range(CHATS):
            update += 1
            text = "/start" if turn == 0 else f"message {turn}"
            incoming = Incoming("memory", f"chat-{chat}", text=text)
            # Telegram may deliver an update twice, to any worker.
            for target in rng.sample(workers, rng.choice((1, 1, 2))):
                sends.append(target.submit(incoming, update))
    await asyncio.gather(*sends)
    for _ in range(3):  # a round of the periodic resume, as serve.py runs it
        await asyncio.gather(*(w.idle() for w in workers))
        await asyncio.gather(*(w.resume() for w in workers))
    await asyncio.gather(*(w.idle() for w in workers))
    expected = ["/start", *(f"message {turn}" for turn in range(1, PER_CHAT))]
    assert {chat: texts for chat, texts in seen.items()} == {
        f"chat-{chat}": expected for chat in range(CHATS)
    }
    assert orienta.store.pending_chats("memory") == []
    other.store.engine.dispose()


async def test_a_chat_whose_worker_died_is_taken_over(orienta: Orienta) -> None:
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    orienta.runner.clock = lambda: now[0]
    seen: dict[str, list[str]] = defaultdict(list)
    store = orienta.store
    # A worker took the chat, then died before handling its update.
    assert store.claim_chat("memory", "lost", "dead-worker", now[0], LEASE)
    assert store.enqueue(Incoming("memory", "lost", text="/start"), 1, now[0])
    alive = worker(orienta, "alive", seen)
    await alive.resume()
    await alive.idle()
    assert seen["lost"] == []  # the lease still holds
    now[0] += LEASE + timedelta(seconds=1)
    await alive.resume()
    await alive.idle()
    assert seen["lost"] == ["/start"]
    assert store.pending_chats("memory") == []
    # The dead worker's lease is gone with it: it cannot come back and work meanwhile.
    assert not store.claim_chat("memory", "lost", "dead-worker", now[0], LEASE) or (
        store.pending("memory", "lost") == []
    )


async def test_an_update_handled_elsewhere_meanwhile_is_not_answered_twice(
    orienta: Orienta,
) -> None:
    """A worker whose lease ran out while it was slow finds, when it saves, that the
    update was handled by the worker that took over: it sends nothing."""
    store = orienta.store
    now = datetime.now(UTC)
    assert store.enqueue(Incoming("memory", "slow", text="/start"), 1, now)
    [item] = store.pending("memory", "slow")
    channel = MemoryChannel()
    first = await orienta.runner.handle(item.incoming, channel, inbox_id=item.id)
    assert first  # the worker that took over answered
    again = await orienta.runner.handle(item.incoming, channel, inbox_id=item.id)
    assert again == [] and len(channel.sent["slow"]) == len(first)


class FlakyChannel(MemoryChannel):
    """Takes ``allowed`` messages, then fails (Telegram away) until ``back`` is set."""

    def __init__(self, allowed: int) -> None:
        super().__init__()
        self.allowed = allowed
        self.back = False

    async def send(self, message: Outgoing) -> None:
        if not self.back and self.allowed <= 0:
            raise DeliveryFailed("the channel is away")
        self.allowed -= 1
        await super().send(message)


async def test_replies_the_channel_did_not_take_wait_and_go_out_first_in_order(
    orienta: Orienta,
) -> None:
    """A turn is saved with its replies; the channel fails on the second one; the chat is
    tried again later, the rest of that turn goes out before the next update's replies,
    and nothing is sent twice."""
    reference = Dialog(orienta, chat_id="reference")
    first = [m.text for m in await reference.say("/start")]
    second = [m.text for m in await reference.say("/help")]
    assert len(first) == 2

    channel = FlakyChannel(allowed=1)
    dispatcher = Dispatcher(orienta.runner, channel, name="memory")
    await dispatcher.submit(Incoming("memory", "flaky", text="/start"), 1)
    await dispatcher.submit(Incoming("memory", "flaky", text="/help"), 2)
    await dispatcher.idle()
    assert [m.text for m in channel.sent["flaky"]] == first[:1]
    assert [m.text for _, m in orienta.store.unsent("memory", "flaky")] == first[1:]
    assert orienta.store.pending_chats("memory") == ["flaky"]  # the /help waits too

    channel.back = True
    await asyncio.sleep(1.2)  # the dispatcher tries the chat again after 1 s
    await dispatcher.idle()
    assert [m.text for m in channel.sent["flaky"]] == first + second
    assert orienta.store.unsent("memory", "flaky") == []
    assert orienta.store.pending_chats("memory") == []
    await dispatcher.stop()


async def test_unsent_replies_are_forgotten_and_expire(orienta: Orienta) -> None:
    store, now = orienta.store, datetime.now(UTC)
    channel = FlakyChannel(allowed=0)
    await orienta.runner.handle(Incoming("memory", "gone", text="/start"), channel)
    await orienta.runner.handle(Incoming("memory", "late", text="/start"), channel)
    assert store.unsent("memory", "gone") and store.unsent("memory", "late")
    user = store.user("memory", "gone")
    assert user is not None
    store.forget_user(user.id)
    assert store.unsent("memory", "gone") == []
    assert erase_before(store, now - timedelta(days=1)).replies == 0
    assert erase_before(store, now + timedelta(seconds=1)).replies == 2
    assert store.unsent("memory", "late") == []


async def test_a_chat_whose_worker_stopped_beating_is_taken_over_at_the_next_heartbeat(
    orienta: Orienta,
) -> None:
    """Not after the lease: as soon as a live worker's heartbeat finds the dead one."""
    now = [datetime(2026, 12, 9, 9, 0, tzinfo=UTC)]
    orienta.runner.clock = lambda: now[0]
    store, book = orienta.store, WorkerBook(orienta.store)
    seen: dict[str, list[str]] = defaultdict(list)
    ticks = {"every": 2.0, "dead_after": 6.0, "monotonic": lambda: now[0].timestamp()}
    dead = Heartbeat(book, "host:8081", orienta.runner.clock, **ticks)  # type: ignore[arg-type]
    await dead.start()
    assert store.claim_chat("memory", "lost", dead.worker, now[0], LEASE)
    assert store.enqueue(Incoming("memory", "lost", text="/start"), 1, now[0])
    alive_heart = Heartbeat(book, "host:8082", orienta.runner.clock, **ticks)  # type: ignore[arg-type]
    alive = worker(orienta, alive_heart.worker, seen)
    alive_heart.take_over = alive.resume
    await alive_heart.start()
    now[0] += timedelta(seconds=4)
    assert await alive_heart.beat() == 0  # late, not dead yet
    await alive.idle()
    assert seen["lost"] == []
    now[0] += timedelta(seconds=3)  # 7 s without a heartbeat; the lease has 53 s left
    assert await alive_heart.beat() == 1
    await alive.idle()
    assert seen["lost"] == ["/start"]
    # Restarted under its name, the dead worker's successor would have had it at once.
    restarted = Heartbeat(book, "host:8082", orienta.runner.clock, **ticks)  # type: ignore[arg-type]
    assert store.claim_chat("memory", "again", alive_heart.worker, now[0], LEASE)
    assert await restarted.start() == 1
    assert store.claim_chat("memory", "again", restarted.worker, now[0], LEASE)
