"""The dispatcher: stores every update first, then runs each chat's updates in order.

Updates are written to the inbox (idempotent by update id) before anything else
happens, so an update Telegram delivers twice counts once and an update received
just before a crash is processed after the restart. One worker task per chat
drains that chat's pending updates in ``update_id`` order; different chats run
concurrently.

Several workers (processes, machines behind a load balancer) may receive updates of
the same chat: a lease in the database (``chat_leases``) lets one of them at a time work
on a chat. Taking a chat is one transaction (the lease, the replies left unsent, the
updates waiting, the conversation's context: ``Store.backlog``); each turn renews the
lease in its own transaction; letting the chat go is one more (the replies sent leave
the outbox, the lease goes: ``Store.settle``). A worker that finds the lease taken
leaves its stored update to the holder, which looks for new updates once more when it
lets the lease go. A worker that died
loses its leases when its heartbeat stops (``bot.heartbeat``: within seconds, and at
once when it is restarted), else when they run out; ``resume`` then takes the chat over,
first sending the replies the dead worker saved but did not send (the outbox), then the
chat's next updates.

When a chat cannot be worked on now (the database is unreachable, Telegram keeps
failing), its updates and replies stay stored and the chat is tried again after a
growing pause (1 s, 2 s, 4 s … 30 s), keeping its lease so its order holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from bot.channels.base import Channel
from bot.messages import Incoming
from bot.retrying import Backoff
from bot.runner import Lease, Runner
from bot.store.inbox import Backlog
from bot.store.repository import LeaseLost, Store, unreachable

__all__ = ["Dispatcher", "submit_all", "unreachable"]

log = logging.getLogger(__name__)

#: How long a worker may hold a chat without renewing (renewed before every update and
#: every third of this while one update takes long).
LEASE = timedelta(seconds=60)
#: First and longest pause before a chat that could not be worked on is tried again.
RETRY_FIRST, RETRY_MAX = 1.0, 30.0
_BACKOFF = Backoff(first=RETRY_FIRST, cap=RETRY_MAX)


class Dispatcher:
    """Inbox-backed, per-chat ordered processing of one channel's updates."""

    def __init__(
        self,
        runner: Runner,
        channel: Channel,
        typing: Callable[[str], Awaitable[object]] | None = None,
        typing_after: float = 0.5,
        concurrency: int = 8,
        handler: Callable[[Incoming, int], Awaitable[object]] | None = None,
        name: str | None = None,
        worker: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.runner = runner
        self.channel = channel
        #: The inbox channel the updates are stored under (the channel's name by default).
        self.name = name or channel.name
        #: What processes one stored update (the runner's turn; the staff group's desk).
        self.handler = handler or self._run_turn
        #: The runner's turns leave replies in the outbox; the staff desk's handler does not.
        self.outbox = handler is None
        self.lease = lease
        self.typing = typing
        self.typing_after = typing_after
        #: This worker's name in the chat leases.
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._background: set[asyncio.Task[object]] = set()
        self._failures: dict[str, int] = {}  # failed tries in a row, per chat
        self._retries: dict[str, asyncio.TimerHandle] = {}
        # Chats are worked on concurrently, but only this many at once: hundreds of tasks
        # queueing on one HTTP connection pool cost more than they gain.
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def store(self) -> Store:
        return self.runner.store

    async def submit(self, incoming: Incoming, update_id: int) -> bool:
        """Store the update and make sure its chat is being worked on.
        False when the update was seen before (it is not processed again)."""
        [fresh] = await submit_all([(self, incoming, update_id)])
        return fresh

    def kick(self, chat_id: str) -> None:
        """Note new work for ``chat_id``; start its worker if none runs."""
        self._dirty.add(chat_id)
        if chat_id not in self._workers:
            self._workers[chat_id] = asyncio.create_task(
                self._drain(chat_id), name=f"chat-{chat_id}"
            )

    async def resume(self) -> int:
        """After a restart: work on every chat that still has stored updates."""
        chats = await asyncio.to_thread(self.store.pending_chats, self.name)
        for chat_id in chats:
            self.kick(chat_id)
        return len(chats)

    async def _drain(self, chat_id: str) -> None:
        try:
            while chat_id in self._dirty:
                self._dirty.discard(chat_id)
                while backlog := await asyncio.to_thread(
                    self.store.backlog,
                    self.name,
                    chat_id,
                    self.worker,
                    self.runner.clock(),
                    self.lease,
                ):
                    keeper = asyncio.create_task(self._keep_lease(chat_id))
                    try:
                        await self._work(chat_id, backlog)
                    finally:
                        keeper.cancel()
                    # An update stored while we held the lease was left to us: look again.
                    if not await self._settle(chat_id):
                        break
            self._failures.pop(chat_id, None)
        except Exception as exc:
            # Unreachable database, a channel that keeps failing: everything stays stored.
            failures = self._failures[chat_id] = self._failures.get(chat_id, 0) + 1
            delay = _BACKOFF.delay(failures)
            log.warning(
                "a chat on %s waits (%s); trying again in %.0f s",
                self.name,
                type(exc).__name__,
                delay,
            )
            earlier = self._retries.pop(chat_id, None)
            if earlier is not None:
                earlier.cancel()
            self._retries[chat_id] = asyncio.get_running_loop().call_later(
                delay, self._retry, chat_id
            )
        finally:
            self._workers.pop(chat_id, None)

    async def _settle(self, chat_id: str) -> bool:
        """Let the chat go (the replies sent leave the outbox with the lease); whether
        updates or replies of the chat still wait."""
        sent = self.runner.delivered(self.name, chat_id) if self.outbox else ()
        more = await asyncio.to_thread(self.store.settle, self.name, chat_id, self.worker, sent)
        self.runner.settled(self.name, chat_id, sent)
        return more

    async def _keep_lease(self, chat_id: str) -> None:
        """Renew the lease while one update takes long (Telegram retried, the NLU was
        slow), so no other worker takes the chat over and sends its replies too."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            with contextlib.suppress(Exception):  # the next claim in _work decides
                await self._claim(chat_id)

    def _retry(self, chat_id: str) -> None:
        self._retries.pop(chat_id, None)
        self.kick(chat_id)

    async def _claim(self, chat_id: str) -> bool:
        return await asyncio.to_thread(
            self.store.claim_chat, self.name, chat_id, self.worker, self.runner.clock(), self.lease
        )

    async def _work(self, chat_id: str, backlog: Backlog) -> None:
        """Send what an earlier turn left in the outbox, then handle the chat's pending
        updates in order (each turn renews the lease, or finds it lost and stops)."""
        async with self._slots:
            if self.outbox:
                self.runner.remember(self.name, chat_id, backlog.context)
                if backlog.unsent:
                    await self.runner.deliver(self.name, chat_id, self.channel, backlog.unsent)
            for item in backlog.pending:
                # The runner's turn renews the lease in its transaction; another handler's
                # work is preceded by renewing it here.
                if not self.outbox and not await self._claim(chat_id):
                    return  # the lease ran out and another worker took the chat
                timer = self._typing_later(chat_id)
                try:
                    await self.handler(item.incoming, item.id)
                except LeaseLost:
                    return
                finally:
                    if timer is not None:
                        timer.cancel()

    async def _run_turn(self, incoming: Incoming, inbox_id: int) -> None:
        await self.runner.handle(
            incoming, self.channel, inbox_id=inbox_id, lease=Lease(self.worker, self.lease)
        )

    def _typing_later(self, chat_id: str) -> asyncio.TimerHandle | None:
        """Show "typing…" only when a reply takes long enough for people to notice."""
        if self.typing is None:
            return None
        typing = self.typing

        def start() -> None:
            task = asyncio.ensure_future(typing(chat_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        return asyncio.get_running_loop().call_later(self.typing_after, start)

    async def idle(self) -> None:
        """Wait until every worker (and typing notice) has finished (tests, shutdown).
        Chats waiting to be tried again are not waited for."""
        while self._workers or self._background:
            await asyncio.gather(*self._workers.values(), *self._background, return_exceptions=True)

    async def stop(self) -> None:
        """Finish the work in hand; drop the planned retries (their updates stay stored,
        and the next start, or another worker once the leases run out, takes them)."""
        for timer in self._retries.values():
            timer.cancel()
        self._retries.clear()
        await self.idle()


async def submit_all(received: Sequence[tuple[Dispatcher, Incoming, int]]) -> list[bool]:
    """Store a batch of updates (for dispatchers on one store: people's and the staff
    group's) in one transaction, then make sure their chats are worked on. For each
    update, whether it is new (one seen before is not processed again). Raises what the
    store raises (see :func:`unreachable`): then nothing of the batch is stored."""
    if not received:
        return []
    first = received[0][0]
    fresh = await asyncio.to_thread(
        first.store.enqueue_many,
        [(incoming, update_id) for _, incoming, update_id in received],
        first.runner.clock(),
    )
    for (dispatcher, incoming, update_id), new in zip(received, fresh, strict=True):
        if new:
            dispatcher.kick(incoming.chat_id)
        else:
            log.info("update %s on %s seen before; skipped", update_id, incoming.channel)
    return fresh
