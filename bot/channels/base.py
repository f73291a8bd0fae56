"""The channel interface."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Outgoing

__all__ = ["Channel", "DeliveryFailed"]


class DeliveryFailed(Exception):
    """The channel kept failing (network errors, server errors) and gave up for now; the
    message may be sent again later. Not raised for a message that can never be
    delivered (the person blocked the bot, the request was refused as malformed)."""


class Channel(Protocol):
    """Where the runner sends rendered messages."""

    name: str

    async def send(self, message: Outgoing) -> None:
        """Deliver one message to ``message.chat_id``, or raise :class:`DeliveryFailed`."""
        ...
