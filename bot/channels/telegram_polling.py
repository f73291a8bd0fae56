"""Long polling that loses nothing: each ``getUpdates`` batch is stored before Telegram
is told it arrived.

Telegram keeps an update until a later ``getUpdates`` names an ``offset`` beyond it.
python-telegram-bot's ``Updater`` asks for the next batch (confirming this one) as soon
as it has queued the updates, before any handler stored them: a process killed then
loses the whole batch. Here the whole batch goes to the inbox in one transaction
(:func:`bot.dispatch.submit_all`, each update once by its id) and only then does the
next ``getUpdates`` confirm it; a process killed before that gets the batch again after
its restart, and the updates it had stored already count once.

Errors are handled as the ``Updater`` does (``telegram.ext._utils.networkloop``): a
429 is waited out, a timeout retried at once, an invalid token ends polling, any other
Telegram or network error is retried after a growing pause (:class:`~bot.retrying.Backoff`).
While the database cannot be reached, storing the batch is retried (and a person whose
words say they are in danger gets the emergency numbers at once); nothing is confirmed
meanwhile. Stopping stores the batch already fetched, confirms it, and leaves the rest
with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from bot.dispatch import Dispatcher, submit_all, unreachable
from bot.messages import Incoming
from bot.retrying import Backoff

__all__ = ["POLL_TIMEOUT", "Poller"]

log = logging.getLogger(__name__)

#: Seconds one ``getUpdates`` waits for updates (long polling), as the Updater's default.
POLL_TIMEOUT = 10.0
_NETWORK_BACKOFF = Backoff(first=1.0, cap=30.0)
_STORE_BACKOFF = Backoff(first=0.5, cap=30.0)

Route = Callable[[Update], tuple[Dispatcher, Incoming] | None]


class Poller:
    """Fetches updates with ``getUpdates`` and stores each batch before confirming it."""

    def __init__(
        self,
        bot: Any,
        route: Route,
        acknowledge: Callable[[Update, Dispatcher], Coroutine[Any, Any, None]],
        warn: Callable[[Update], Awaitable[None]],
        *,
        timeout: float = POLL_TIMEOUT,
    ) -> None:
        self.bot = bot
        #: Which dispatcher an update goes to, as what message (None: not for us).
        self.route = route
        #: Answers a stored button press (its spinner, its keyboard).
        self.acknowledge = acknowledge
        #: Sends the emergency numbers for an update that cannot be stored yet.
        self.warn = warn
        self.timeout = timeout
        #: The next update id wanted: every update before it is stored.
        self.offset = 0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._poll(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop fetching; store the batch in hand; confirm what was stored."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self.offset:
            try:  # confirm the last stored batch, so the next start does not fetch it again
                await self.bot.get_updates(offset=self.offset, limit=1, timeout=0)
            except TelegramError as exc:
                log.info("last batch not confirmed (%s); it comes again, once", exc)

    async def _poll(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self._fetch()
            except RetryAfter as exc:
                pause = _seconds(exc.retry_after) + 0.5
                log.warning("getUpdates: Telegram asked to wait %.1f s", pause)
            except TimedOut:
                pause = 0.0  # as the Updater: a long poll that timed out is asked again
            except InvalidToken:
                log.error("getUpdates: the bot token is invalid; polling stops")
                return
            except TelegramError as exc:
                failures += 1
                pause = _NETWORK_BACKOFF.delay(failures)
                log.warning("getUpdates failed (%s); again in %.1f s", type(exc).__name__, pause)
            except Exception:
                # Telegram's answer could not be read: nothing was confirmed, so it comes again.
                failures += 1
                pause = _NETWORK_BACKOFF.delay(failures)
                log.exception("getUpdates' answer could not be read; again in %.1f s", pause)
            else:
                if updates is None:
                    return  # stopping
                if not updates:
                    failures = 0
                    continue
                try:
                    stored = await self._store(updates)
                except Exception:
                    # Not an unreachable database: a fault of ours. Nothing is confirmed,
                    # so the batch comes again; it is not dropped.
                    failures += 1
                    pause = _STORE_BACKOFF.delay(failures)
                    log.exception("a batch of updates could not be stored; again in %.1f s", pause)
                else:
                    if not stored:
                        return  # stopping while the database is away: nothing confirmed
                    self.offset = updates[-1].update_id + 1
                    failures = 0
                    continue
            await self._pause(pause)

    async def _fetch(self) -> Sequence[Update] | None:
        """The next batch, or None when stopping first. A batch that arrives is returned
        even when stopping meanwhile: it is stored, not dropped."""
        fetch = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.offset or None,
                timeout=timedelta(seconds=self.timeout),
                allowed_updates=Update.ALL_TYPES,
            )
        )
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if fetch.done():
            return tuple(fetch.result())
        fetch.cancel()  # not answered yet: Telegram keeps the updates
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await fetch
        return None

    async def _store(self, updates: Sequence[Update]) -> bool:
        """Store the batch in one transaction, retrying while the database is away;
        False when stopping first (then nothing of it is stored or confirmed)."""
        routed = [(update, self.route(update)) for update in updates]
        received = [
            (found[0], found[1], update.update_id) for update, found in routed if found is not None
        ]

        async def wait_and_warn(state: RetryCallState) -> None:
            log.warning(
                "database unreachable; storing %d updates again in %.1f s",
                len(received),
                state.upcoming_sleep,
            )
            for update, found in routed:
                if found is not None:
                    await self.warn(update)

        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(unreachable),
                wait=_STORE_BACKOFF,
                stop=lambda _state: self._stopping.is_set(),
                sleep=self._pause,
                before_sleep=wait_and_warn,
                reraise=True,
            ):
                with attempt:
                    await submit_all(received)
        except Exception as exc:
            if not (unreachable(exc) and self._stopping.is_set()):
                raise
            log.warning("stopping while the database is away: %d updates left", len(received))
            return False
        for update, found in routed:
            if found is not None and update.callback_query is not None:
                task = asyncio.create_task(self.acknowledge(update, found[0]))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
        return True

    async def _pause(self, seconds: float) -> None:
        """Sleep, but not past a stop."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
