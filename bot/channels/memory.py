"""An in-memory channel for tests: it keeps what the bot sent, per chat."""

from __future__ import annotations

from collections import defaultdict

from bot.messages import Outgoing

__all__ = ["MemoryChannel"]


class MemoryChannel:
    """Collects outgoing messages instead of delivering them."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.sent: dict[str, list[Outgoing]] = defaultdict(list)

    async def send(self, message: Outgoing) -> None:
        self.sent[message.chat_id].append(message)

    def take(self, chat_id: str) -> list[Outgoing]:
        """What was sent to ``chat_id`` since the last call."""
        messages = self.sent.pop(chat_id, [])
        return messages
