"""The local web chat as a channel: the replies of one request, and the
:class:`WebChatMailbox` where messages sent later — a mediator's reply, a reminder, an
announcement — wait until the page fetches them (it asks every few seconds). The mailbox
lives in the process: the web chat is for trying Orienta on one machine, not for
production. The page and its endpoints are :mod:`bot.web.webchat`.
"""

from __future__ import annotations

from collections import deque

from bot.messages import Outgoing

__all__ = ["WebChatChannel", "WebChatMailbox"]


class WebChatChannel:
    """Collects the replies of one request so they can be returned as JSON."""

    name = "web"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> None:
        self.sent.append(message)


class WebChatMailbox:
    """The web chat as a channel for messages sent later: kept per chat until fetched."""

    name = "web"
    LIMIT = 100

    def __init__(self) -> None:
        self._waiting: dict[str, deque[Outgoing]] = {}

    async def send(self, message: Outgoing) -> None:
        self._waiting.setdefault(message.chat_id, deque(maxlen=self.LIMIT)).append(message)

    def take(self, chat_id: str) -> list[Outgoing]:
        return list(self._waiting.pop(chat_id, ()))
