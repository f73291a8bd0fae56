"""Pacing messages to Telegram's limits: about 30 messages a second overall and no more
than one a second to one chat. :class:`Pacer` spaces sends on an injected clock and
sleep (a fake clock in tests); :class:`PacedChannel` puts it in front of a channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.channels.base import Channel
from bot.messages import Outgoing

__all__ = ["PER_CHAT_SECONDS", "PER_SECOND", "PacedChannel", "Pacer"]

#: Messages a second overall: under Telegram's ~30, leaving room for the conversations.
PER_SECOND = 25.0
#: Seconds between two messages to the same chat.
PER_CHAT_SECONDS = 1.0


class Pacer:
    """Waits before each send so that sends are at least ``1 / per_second`` apart and
    sends to one chat at least ``per_chat`` seconds apart."""

    def __init__(
        self,
        per_second: float = PER_SECOND,
        per_chat: float = PER_CHAT_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.gap = 1.0 / per_second
        self.per_chat = per_chat
        self.clock = clock
        self.sleep = sleep
        self._next = float("-inf")
        self._chats: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: str) -> None:
        """Return when a message to ``chat_id`` may go out (and count it as gone)."""
        async with self._lock:
            now = self.clock()
            ready = max(self._next, self._chats.get(chat_id, float("-inf")))
            if ready > now:
                await self.sleep(ready - now)
                now = max(self.clock(), ready)
            self._next = now + self.gap
            self._chats[chat_id] = now + self.per_chat
            if len(self._chats) > 10_000:  # forget the chats that may be written to again
                self._chats = {c: t for c, t in self._chats.items() if t > now}


class PacedChannel:
    """A channel whose sends wait for the pacer."""

    def __init__(self, channel: Channel, pacer: Pacer) -> None:
        self.channel = channel
        self.pacer = pacer
        self.name = channel.name

    async def send(self, message: Outgoing) -> None:
        await self.pacer.wait(message.chat_id)
        await self.channel.send(message)
