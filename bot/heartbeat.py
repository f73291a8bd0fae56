"""This worker's heartbeat: how a dead worker's chats are taken over within seconds.

The worker records itself when it starts (``workers``), freeing the chat leases of an
earlier start under its name (the same process restarted), and renews its record
every ``every`` seconds. Each heartbeat also removes the workers not seen for
``dead_after`` seconds with their chat leases; when it freed any, ``take_over`` runs
at once (the dispatchers' resume), so a chat whose worker died is worked on again
after at most ``dead_after + every`` seconds, never after its lease has run out.
A worker that stops cleanly leaves: its chats are free at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.store.workers import WorkerBook

__all__ = ["Heartbeat", "worker_id"]

log = logging.getLogger(__name__)


def worker_id(name: str) -> str:
    """A new id for one start of the worker ``name`` (the holder of its chat leases)."""
    return f"{name[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class Heartbeat:
    """Records this worker, renews its record, frees dead workers' chats."""

    def __init__(
        self,
        book: WorkerBook,
        name: str,
        clock: Callable[[], datetime],
        *,
        every: float,
        dead_after: float,
        take_over: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.book = book
        self.name = name
        #: This start's id: the holder of the chat leases this worker takes.
        self.worker = worker_id(name)
        self.clock = clock
        self.every = every
        self.dead_after = timedelta(seconds=dead_after)
        self.take_over = take_over

    async def start(self) -> int:
        """Record this worker; an earlier start under the same name is dead and its
        chats are free at once. Returns how many chat leases that freed."""
        freed = await asyncio.to_thread(self.book.register, self.worker, self.name, self.clock())
        if freed:
            log.info("took back %d chats of this worker's previous start", freed)
        return freed

    async def beat(self) -> int:
        """One heartbeat; runs ``take_over`` when dead workers' chats were freed.
        Returns how many chat leases were freed."""
        found = await asyncio.to_thread(
            self.book.beat, self.worker, self.name, self.clock(), self.dead_after
        )
        if not found.recorded:
            log.warning("this worker had been taken for dead (no heartbeat); recorded again")
        if found.dead:
            log.warning(
                "%d workers stopped beating; %d of their chats taken over", found.dead, found.freed
            )
        if (found.freed or found.dead) and self.take_over is not None:
            await self.take_over()
        return found.freed

    async def run_forever(self) -> None:
        """Beat every ``every`` seconds; a failed beat (the database away) is logged and
        tried again at the next."""
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.beat()
            except Exception as exc:
                log.warning("heartbeat failed (%s); trying again", type(exc).__name__)

    async def stop(self) -> None:
        """Leave: this worker's record and remaining chat leases go."""
        try:
            await asyncio.to_thread(self.book.leave, self.worker)
        except Exception as exc:
            log.warning(
                "could not leave (%s); other workers take the chats when the heartbeat is missed",
                type(exc).__name__,
            )
