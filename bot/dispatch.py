"""The dispatcher: stores every update first, then runs each chat's updates in order.

Updates are written to the inbox (idempotent by update id) before anything else
happens, so an update Telegram delivers twice counts once and an update received
just before a crash is processed after the restart. One worker task per chat
drains that chat's pending updates in ``update_id`` order; different chats run
concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.channels.base import Channel
from bot.messages import Incoming
from bot.runner import Runner
from bot.store.repository import Store

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


class Dispatcher:
    """Inbox-backed, per-chat ordered processing of one channel's updates."""

    def __init__(self, runner: Runner, channel: Channel,
                 typing: Callable[[str], Awaitable[object]] | None = None,
                 typing_after: float = 0.5, concurrency: int = 8,
                 handler: Callable[[Incoming, int], Awaitable[object]] | None = None,
                 name: str | None = None) -> None:
        self.runner = runner
        self.channel = channel
        #: The inbox channel the updates are stored under (the channel's name by default).
        self.name = name or channel.name
        #: What processes one stored update (the runner's turn; the staff group's desk).
        self.handler = handler or self._run_turn
        self.typing = typing
        self.typing_after = typing_after
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._background: set[asyncio.Task[object]] = set()
        # Chats are worked on concurrently, but only this many at once: hundreds of tasks
        # queueing on one HTTP connection pool cost more than they gain.
        self._slots = asyncio.Semaphore(concurrency)

    @property
    def store(self) -> Store:
        return self.runner.store

    async def submit(self, incoming: Incoming, update_id: int) -> bool:
        """Store the update and make sure its chat is being worked on.
        False when the update was seen before (it is not processed again)."""
        fresh = await asyncio.to_thread(self.store.enqueue, incoming, update_id,
                                        self.runner.clock())
        if not fresh:
            log.info("update %s on %s seen before; skipped", update_id, incoming.channel)
            return False
        self.kick(incoming.chat_id)
        return True

    def kick(self, chat_id: str) -> None:
        """Note new work for ``chat_id``; start its worker if none runs."""
        self._dirty.add(chat_id)
        if chat_id not in self._workers:
            self._workers[chat_id] = asyncio.create_task(self._drain(chat_id),
                                                         name=f"chat-{chat_id}")

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
                while True:
                    items = await asyncio.to_thread(self.store.pending, self.name, chat_id)
                    if not items:
                        break
                    async with self._slots:
                        for item in items:
                            timer = self._typing_later(chat_id)
                            try:
                                await self.handler(item.incoming, item.id)
                            finally:
                                if timer is not None:
                                    timer.cancel()
        except Exception:  # pragma: no cover - handle() never raises; the store might
            log.exception("worker for a chat on %s stopped", self.name)
        finally:
            self._workers.pop(chat_id, None)

    async def _run_turn(self, incoming: Incoming, inbox_id: int) -> None:
        await self.runner.handle(incoming, self.channel, inbox_id=inbox_id)

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
        """Wait until every worker (and typing notice) has finished (tests, shutdown)."""
        while self._workers or self._background:
            await asyncio.gather(*self._workers.values(), *self._background,
                                 return_exceptions=True)
