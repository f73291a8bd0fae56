"""The Telegram channel, on python-telegram-bot v22. With ``telegram_staff.py`` (the
mediators' group) and ``telegram_polling.py`` (long polling), the only module that
imports ``telegram``.

It translates updates into neutral :class:`~bot.messages.Incoming` messages and
hands them to the :class:`~bot.dispatch.Dispatcher`: stored first (a polled batch in
one transaction before Telegram is told it arrived; a webhook update before the 200),
idempotent by ``update_id``, in order per chat. It sends
:class:`~bot.messages.Outgoing` messages back: HTML-escaped, split at Telegram's
length limit, inline keyboards on the last part, retried on 429, server and network
errors (then left for a later try: :class:`~bot.channels.base.DeliveryFailed`), never
retried for a user who blocked the bot. Button presses are answered once stored and
the message the button belonged to loses its keyboard and shows the choice, so a
button cannot be pressed twice.
"""

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
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
)

from bot.channels.base import DeliveryFailed
from bot.channels.telegram_polling import Poller
from bot.channels.telegram_webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.dispatch import LEASE, Dispatcher
from bot.engine.texts import COMMAND_DESCRIPTIONS
from bot.i18n import Catalogs
from bot.messages import Incoming, Outgoing
from bot.retrying import Backoff
from bot.runner import Runner

__all__ = [
    "CHANNEL",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "TelegramAdapter",
    "TelegramChannel",
    "split_message",
    "to_incoming",
]

log = logging.getLogger(__name__)
CHANNEL = "telegram"
_MAX_ATTEMPTS = 6
T = TypeVar("T")


def to_incoming(update: Update) -> Incoming | None:
    """The neutral message for an update from a private chat (None for anything else)."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    user = update.effective_user
    lang = user.language_code if user else None
    chat_id = str(chat.id)
    if update.callback_query is not None:
        if user is None or user.id != chat.id:
            return None  # in a private chat only its own user can press its buttons
        return Incoming(
            CHANNEL,
            chat_id,
            "button",
            data=(update.callback_query.data or "")[:64],
            language_code=lang,
        )
    if update.edited_message is not None:
        return Incoming(CHANNEL, chat_id, "edited", language_code=lang)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Incoming(CHANNEL, chat_id, "text", text=message.text, language_code=lang)
    ref = str(message.message_id)
    if message.voice or message.audio or message.video_note:
        return Incoming(CHANNEL, chat_id, "voice", language_code=lang, ref=ref)
    return Incoming(CHANNEL, chat_id, "media", language_code=lang, ref=ref)


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


class TelegramAdapter:
    """Wires python-telegram-bot to the dispatcher: polling or webhook, commands, buttons."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        channel: TelegramChannel,
        dispatcher: Dispatcher,
        catalogs: Catalogs,
        languages: tuple[str, ...],
        webhook_secret: str | None = None,
    ) -> None:
        self.application = application
        self.channel = channel
        self.dispatcher = dispatcher
        self.catalogs = catalogs
        self.languages = languages
        self.webhook_secret = webhook_secret
        self._staff: tuple[Callable[[Update], Incoming | None], Dispatcher] | None = None
        #: Long polling (None in webhook mode).
        self.poller: Poller | None = None

    def attach_staff(
        self,
        parse: Callable[[Update], Incoming | None],
        handler: Callable[[Incoming, int], Awaitable[object]],
    ) -> None:
        """Also take the staff group's updates: ``parse`` recognises them, ``handler``
        carries them out (stored first and in order per topic, like users' updates)."""
        self._staff = (
            parse,
            Dispatcher(
                self.dispatcher.runner,
                self.channel,
                handler=handler,
                name="staff",
                worker=self.dispatcher.worker,
                lease=self.dispatcher.lease,
            ),
        )

    @classmethod
    def create(
        cls,
        token: str,
        api_url: str | None,
        runner: Runner,
        catalogs: Catalogs,
        languages: tuple[str, ...],
        *,
        webhook_secret: str | None = None,
        polling: bool = True,
        lease: timedelta = LEASE,
        worker: str | None = None,
    ) -> TelegramAdapter:
        """The application, channel and dispatcher for one bot token; ``worker`` holds
        the chat leases (see ``bot.heartbeat``)."""
        application = cls.builder(token, api_url).updater(None).build()
        channel = TelegramChannel(application.bot, runner.store.mark_blocked, runner.clock)
        dispatcher = Dispatcher(runner, channel, typing=channel.typing, lease=lease, worker=worker)
        adapter = cls(application, channel, dispatcher, catalogs, languages, webhook_secret)
        if polling:
            adapter.poller = Poller(
                application.bot, adapter.route, adapter.acknowledge, adapter.warn_if_in_danger
            )
        return adapter

    async def start(self, webhook_url: str | None = None) -> None:
        """Initialise, set the command menus, resume stored updates, start receiving."""
        await self.application.initialize()
        await self.set_commands()
        resumed = await self.resume()
        if resumed:
            log.info("resuming stored updates of %d chats", resumed)
        await self.application.start()
        bot = self.application.bot
        if webhook_url:
            await self.channel.call(
                "",
                partial(
                    bot.set_webhook,
                    url=webhook_url.rstrip("/") + WEBHOOK_PATH,
                    secret_token=self.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                ),
            )
        elif self.poller is not None:
            await self.channel.call("", partial(bot.delete_webhook))
            self.poller.start()

    async def resume(self) -> int:
        """Work on every chat with stored updates not being worked on (after a restart,
        and periodically: a worker that died leaves its chats when its leases run out)."""
        resumed = await self.dispatcher.resume()
        if self._staff is not None:
            resumed += await self._staff[1].resume()
        return resumed

    async def stop(self) -> None:
        """Stop receiving (storing the batch in hand), finish the work in hand, shut down."""
        if self.poller is not None and self.poller.running:
            await self.poller.stop()
        if self.application.running:
            await self.application.stop()
        await self.dispatcher.stop()
        if self._staff is not None:
            await self._staff[1].stop()
        await self.application.shutdown()

    @staticmethod
    def builder(
        token: str, api_url: str | None
    ) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """An application builder for ``token``; ``api_url`` is a Bot API server's root."""
        builder = Application.builder().token(token).connection_pool_size(8)
        if api_url:
            root = api_url.rstrip("/")
            builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
        return builder

    def route(self, update: Update) -> tuple[Dispatcher, Incoming] | None:
        """The dispatcher an update goes to (the staff group's or people's), and as what
        message; None when it is not for us."""
        if self._staff is not None:
            staff = self._staff[0](update)
            if staff is not None:
                return self._staff[1], staff
        incoming = to_incoming(update)
        return None if incoming is None else (self.dispatcher, incoming)

    async def handle_update(self, update: Update) -> bool:
        """Store and schedule one update (the webhook's); False when it was not for us or
        seen before. A pressed button is answered once its update is stored."""
        routed = self.route(update)
        if routed is None:
            return False
        dispatcher, incoming = routed
        fresh = await dispatcher.submit(incoming, update.update_id)
        await self.acknowledge(update, dispatcher)
        return fresh

    async def acknowledge(self, update: Update, dispatcher: Dispatcher) -> None:
        """Answer a stored button press: the staff group's quietly, people's showing the
        choice (see :meth:`_acknowledge`)."""
        query = update.callback_query
        if query is None:
            return
        if dispatcher is self.dispatcher:
            await self._acknowledge(query)
        else:
            await self._answer_quietly(query)

    async def warn_if_in_danger(self, update: Update) -> None:
        """An update that cannot be stored yet still brings the emergency numbers at once
        to someone whose words say they are in danger (once per update)."""
        incoming = to_incoming(update)
        if incoming is not None:
            await self.dispatcher.runner.warn_if_in_danger(
                incoming, (CHANNEL, update.update_id), self.channel
            )

    @staticmethod
    async def _answer_quietly(query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError:
            log.debug("callback query could not be answered (too old or repeated)")

    async def _acknowledge(self, query: CallbackQuery) -> None:
        """Stop the button's spinner and take the keyboard off, showing the choice."""
        await self._answer_quietly(query)
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None or not message.text:
            return
        markup = message.reply_markup
        label = next(
            (
                b.text
                for row in markup.inline_keyboard
                for b in row
                if b.callback_data == query.data
            ),
            None,
        )
        if label is None:
            return
        text = message.text_html + "\n\n" + html.escape(f"☑️ {label}", quote=False)
        try:
            await query.edit_message_text(
                text=text[: MessageLimit.MAX_TEXT_LENGTH],
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
        except TelegramError:
            log.debug("could not edit the message of a pressed button")

    async def set_commands(self) -> None:
        """The command menu, in each served language and in English as the default."""
        for lang in (None, *self.languages):
            translator = self.catalogs.translator(lang or "en")
            commands = [
                BotCommand(name, translator.gettext(msgid))
                for name, msgid in COMMAND_DESCRIPTIONS.items()
            ]
            try:
                await self.channel.call(
                    "", partial(self.application.bot.set_my_commands, commands, language_code=lang)
                )
            except DeliveryFailed:
                log.warning("command menu not set (Telegram failing); the bot works without")
                return
