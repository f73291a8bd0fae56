"""The webhook's Telegram side: an update Telegram posted, read and stored
(:meth:`TelegramAdapter.handle_update`) before it is acknowledged. The HTTP route that
checks the secret and answers is :mod:`bot.web.telegram_webhook`; it imports no Telegram.

While the database cannot be reached the update is refused (Telegram posts it again),
and a person whose words say they are in danger still gets the emergency numbers at once.
"""

from __future__ import annotations

import hmac
import logging
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from telegram import Update

from bot.dispatch import unreachable

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramAdapter

__all__ = ["SECRET_HEADER", "WEBHOOK_PATH", "Received", "receive", "secret_matches"]

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Received(StrEnum):
    """What became of a posted update."""

    STORED = "stored"  # stored (or seen before): acknowledge it
    UNREADABLE = "unreadable"  # of a shape this library cannot read: acknowledge, skip
    LATER = "later"  # the database is unreachable: refuse it, Telegram sends it again


def secret_matches(adapter: TelegramAdapter, given: str) -> bool:
    """Whether the request carries the secret token the webhook was set with."""
    return bool(adapter.webhook_secret) and hmac.compare_digest(given, adapter.webhook_secret or "")


async def receive(adapter: TelegramAdapter, data: Any) -> Received:
    """Read and store one posted update."""
    try:
        update = Update.de_json(data, adapter.application.bot)
    except (ValueError, TypeError, KeyError, AttributeError):
        # From Telegram, but of a shape this library cannot read: refusing it would
        # make Telegram send it again for ever. It carries nothing the bot handles.
        log.warning(
            "webhook: update %s could not be read; skipped",
            data.get("update_id") if isinstance(data, dict) else "?",
        )
        return Received.UNREADABLE
    try:
        await adapter.handle_update(update)
    except Exception as exc:
        if not unreachable(exc):
            raise
        # Not stored: Telegram sends the update again when it is not acknowledged.
        log.warning(
            "database unreachable; update %s refused for a later delivery", update.update_id
        )
        await adapter.warn_if_in_danger(update)
        return Received.LATER
    return Received.STORED
