"""Sending to Telegram: messages split at Telegram's length limit (never inside a word
or an HTML entity), inline buttons, copies and the typing indicator, each retried on
network errors and flood waits with backoff; a person who blocked the bot is recorded
and not retried."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
)

from bot.channels.base import DeliveryFailed
from bot.messages import Outgoing
from bot.retrying import Backoff

__all__ = ["CHANNEL", "TelegramChannel", "split_message"]

log = logging.getLogger(__name__)

CHANNEL = "telegram"
_MAX_ATTEMPTS = 6
T = TypeVar("T")


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """HTML-escaped parts of ``text``, each at most ``limit`` characters, cut at line
    breaks, else at spaces, else anywhere (never inside an escape)."""
    parts: list[str] = []
    current = ""
    for token in _tokens(text):
        piece = html.escape(token, quote=False)
        if len(current) + len(piece) <= limit:
            current += piece
            continue
        if current:
            parts.append(current)
        while len(piece) > limit:  # one very long word: cut between characters
            cut = limit
            while "&" in piece[max(0, cut - 5) : cut] and not piece[:cut].endswith(";"):
                cut -= 1
            parts.append(piece[:cut])
            piece = piece[cut:]
        current = piece
    if current or not parts:
        parts.append(current)
    return [part for part in parts if part.strip()] or [html.escape(text[:limit])]


def _tokens(text: str) -> list[str]:
    """Lines (with their newline), and lines split into words when very long."""
    tokens: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= 1000:
            tokens.append(line)
        else:
            words = line.split(" ")
            tokens.extend(w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words))
    return tokens


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _worth_retrying(exc: BaseException) -> bool:
    """Telegram's 429 and network or server errors; not a request it refused."""
    return isinstance(exc, RetryAfter) or (
        isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)
    )


_NETWORK_BACKOFF = Backoff(first=0.5, cap=30.0)


def _telegram_wait(state: RetryCallState) -> float:
    """As long as a 429 asks, else the backoff."""
    exc = state.outcome.exception() if state.outcome is not None else None
    if isinstance(exc, RetryAfter):
        return _seconds(exc.retry_after)
    return _NETWORK_BACKOFF(state)


def _log_telegram_wait(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.upcoming_sleep
    if isinstance(exc, RetryAfter):
        log.warning("Telegram asked to wait %.1f s (attempt %d)", wait, state.attempt_number)
    else:
        log.warning(
            "network error talking to Telegram (%s: %s); retry in %.1f s",
            type(exc).__name__,
            exc,
            wait,
        )


class TelegramChannel:
    """Sends rendered messages to Telegram with retries; remembers blocked users."""

    name = CHANNEL

    def __init__(
        self,
        bot: Any,
        blocked: Callable[[str, str, Any], None],
        clock: Callable[[], Any],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        #: Records that a person blocked the bot (``Store.mark_blocked``): called in a
        #: thread with the channel, the chat and the time.
        self.blocked = blocked
        self.clock = clock
        self.sleep = sleep

    async def send(self, message: Outgoing) -> None:
        parts = split_message(message.text)
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(b.text, callback_data=b.data) for b in row]
                    for row in message.buttons
                ]
            )
            if message.buttons
            else None
        )
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent = await self.call(
                message.chat_id,
                partial(
                    self.bot.send_message,
                    chat_id=int(message.chat_id),
                    text=part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                ),
            )
            if sent is None:
                return  # blocked or given up: the rest would fail the same way

    async def copy(self, chat_id: str, from_chat_id: int, message_id: int) -> bool:
        """Copy a message (a mediator's photo or voice note) into the chat, without a
        "forwarded from" header: the mediator stays anonymous."""
        sent = await self.call(
            chat_id,
            partial(
                self.bot.copy_message,
                chat_id=int(chat_id),
                from_chat_id=from_chat_id,
                message_id=message_id,
            ),
        )
        return sent is not None

    async def typing(self, chat_id: str) -> None:
        """Show "typing…" in the chat (the dispatcher calls this when a reply is slow)."""
        with contextlib.suppress(DeliveryFailed):
            await self.call(
                chat_id,
                partial(self.bot.send_chat_action, chat_id=int(chat_id), action=ChatAction.TYPING),
            )

    async def call(self, chat_id: str, request: Callable[[], Awaitable[T]]) -> T | None:
        """Run a Bot API request, waiting out 429s and retrying network and server errors
        with backoff; a user who blocked the bot is marked and not retried (None), and a
        request Telegram refuses is not retried (None). Raises :class:`DeliveryFailed`
        after ``_MAX_ATTEMPTS``: the caller keeps the message for a later try."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(_worth_retrying),
            wait=_telegram_wait,
            stop=stop_after_attempt(_MAX_ATTEMPTS),
            sleep=self.sleep,
            before_sleep=_log_telegram_wait,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    result = await request()
        except Forbidden:
            log.info("a user blocked the bot; no more messages to that chat")
            await asyncio.to_thread(self.blocked, CHANNEL, chat_id, self.clock())
            return None
        except BadRequest:
            log.exception("Telegram refused a request; not retried")
            return None
        except RetryError:
            log.error("Telegram request failed %d times; left for a later try", _MAX_ATTEMPTS)
            raise DeliveryFailed(f"Telegram failed {_MAX_ATTEMPTS} times") from None
        return result
