"""This worker's heartbeat: how a dead worker's chats are taken over within seconds.

The worker records itself when it starts (``workers``), freeing the chat leases of an
earlier start under its name (the same process restarted), and renews its record
every ``every`` seconds. Each heartbeat also removes the workers not seen for
``dead_after`` seconds with their chat leases; when it freed any, ``take_over`` runs
at once (the dispatchers' resume), so a chat whose worker died is worked on again
after at most ``dead_after + every`` seconds, never after its lease has run out.
A worker that stops cleanly leaves: its chats are free at once.

Only a worker that has beaten without a gap for ``dead_after`` judges others: after
the database was away (every worker missed its beats), nobody is removed until every
live worker has had time to beat again. Beats run on a thread of their own, so a busy
event loop (a long turn, the NLU) does not make a live worker look dead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from bot.store.workers import Beat, WorkerBook

__all__ = ["Heartbeat", "worker_id"]

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.book = book
        self.name = name
        #: This start's id: the holder of the chat leases this worker takes.
        self.worker = worker_id(name)
        self.clock = clock
        self.every = every
        self.dead_after = timedelta(seconds=dead_after)
        self.take_over = take_over
        self.monotonic = monotonic
        #: Since when this worker has beaten without a gap (monotonic seconds), None
        #: while it cannot: only then may it judge other workers dead.
        self._beating_since: float | None = None
        self._last_beat = 0.0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="heartbeat")

    async def start(self) -> int:
        """Record this worker; an earlier start under the same name is dead and its
        chats are free at once. Returns how many chat leases that freed."""
        freed = await self._run(self.book.register, self.worker, self.name, self.clock())
        self._beating_since = self._last_beat = self.monotonic()
        if freed:
            log.info("took back %d chats of this worker's previous start", freed)
        return freed

    async def beat(self) -> int:
        """One heartbeat; runs ``take_over`` when dead workers' chats were freed.
        Returns how many chat leases were freed."""
        found = await self._run(self._beat)
        if (found.freed or found.dead) and self.take_over is not None:
            await self.take_over()
        return found.freed

    def _beat(self) -> Beat:
        """One heartbeat, on the heartbeat's thread; a failure means a gap."""
        started, dead_after = self.monotonic(), self.dead_after.total_seconds()
        if self._beating_since is None or started - self._last_beat >= dead_after:
            self._beating_since = started  # after a gap: every live worker gets time to beat
        try:
            found = self.book.beat(
                self.worker,
                self.name,
                self.clock(),
                self.dead_after,
                reap=started - self._beating_since >= dead_after,
            )
        except Exception:
            self._beating_since = None
            raise
        self._last_beat = started
        if not found.recorded:
            log.warning("this worker had been taken for dead (no heartbeat); recorded again")
        if found.dead:
            log.warning(
                "%d workers stopped beating; %d of their chats taken over", found.dead, found.freed
            )
        return found

    async def run_forever(self) -> None:
        """Beat every ``every`` seconds until cancelled, on a thread of its own: a busy
        event loop (a long turn, the NLU) does not make a live worker look dead. A failed
        beat (the database away) is logged and tried again at the next."""
        loop = asyncio.get_running_loop()
        stopping = threading.Event()

        async def take_over() -> None:
            if self.take_over is not None:
                await self.take_over()

        def beating() -> None:
            while not stopping.wait(self.every):
                try:
                    found = self._beat()
                except Exception as exc:
                    log.warning("heartbeat failed (%s); trying again", type(exc).__name__)
                    continue
                if found.freed or found.dead:
                    asyncio.run_coroutine_threadsafe(take_over(), loop)

        thread = threading.Thread(target=beating, name="heartbeat", daemon=True)
        thread.start()
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            stopping.set()

    async def stop(self) -> None:
        """Leave: this worker's record and remaining chat leases go."""
        try:
            await self._run(self.book.leave, self.worker)
        except Exception as exc:
            log.warning(
                "could not leave (%s); other workers take the chats when the heartbeat is missed",
                type(exc).__name__,
            )
        finally:
            self._thread.shutdown(wait=False)

    async def _run(self, job: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, job, *args)
