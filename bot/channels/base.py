"""The channel interface."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Outgoing

__all__ = ["Channel"]


class Channel(Protocol):
    """Where the runner sends rendered messages."""

    name: str

    async def send(self, message: Outgoing) -> None:
        """Deliver one message to ``message.chat_id``."""
        ...
