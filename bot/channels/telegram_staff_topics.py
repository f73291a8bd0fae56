"""The mediators' staff group, what it shows: each case in a forum topic of its own with
the summary, the person's messages, claim/close buttons and mentions of the mediators to
call. What mediators do there is :mod:`bot.channels.telegram_staff`."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode

from bot.channels.telegram import TelegramChannel
from bot.domain.cases import CaseView, EventView, MediatorView
from bot.i18n import Catalogs, Translator
from bot.relay import DeliveryFailed
from bot.services.casework import case_title, staff_text, summary_text
from bot.services.staff_group import StaffGroupCases

__all__ = ["STAFF_CHANNEL", "StaffTopics"]

STAFF_CHANNEL = "staff"
_MAX = 4000
_SLOT = "\x00mentions\x00"
_ICON = {"normal": 0x6FB9F0, "high": 0xFFD67E, "emergency": 0xFB6F5F}


def _mention(mediator: MediatorView) -> str:
    name = html.escape(mediator.name, quote=False)
    if mediator.telegram_user_id is None:
        return name
    return f'<a href="tg://user?id={mediator.telegram_user_id}">{name}</a>'


class StaffTopics:
    """Shows cases in the staff group: a forum topic per case, its summary, the person's
    messages, buttons and mentions (:class:`TelegramStaffDesk` adds what mediators do)."""

    name = STAFF_CHANNEL

    def __init__(
        self,
        channel: TelegramChannel,
        chat_id: int,
        book: StaffGroupCases,
        catalogs: Catalogs,
        lang: str,
        clock: Callable[[], datetime],
        zone: str = "UTC",
    ) -> None:
        self.channel = channel
        self.bot = channel.bot
        self.chat_id = chat_id
        self.book = book
        self.catalogs = catalogs
        self.lang = lang
        self.clock = clock
        self.zone = zone
        self.after_change: Callable[[], None] | None = None  # wakes the relay

    @property
    def t(self) -> Translator:
        return self.catalogs.translator(self.lang)

    def _text(self, key: str, mentions: str = "", **params: str) -> str:
        """A staff text, HTML-escaped with its parameters; ``mentions`` (HTML links to
        mediators, built here) are put in place after escaping."""
        text = html.escape(staff_text(self.t, key, mentions=_SLOT, **params), quote=False)
        return text.replace(_SLOT, mentions)

    # -- sending ---------------------------------------------------------------------------
    async def _post(self, thread: int | None, text: str, markup: Any = None) -> Message | None:
        return await self.channel.call(
            "",
            partial(
                self.bot.send_message,
                chat_id=self.chat_id,
                message_thread_id=thread,
                text=text[:_MAX],
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            ),
        )

    async def _retitle(self, case: CaseView, thread: int | None) -> None:
        """The topic's name follows the case's urgency."""
        await self.channel.call(
            "",
            partial(
                self.bot.edit_forum_topic,
                chat_id=self.chat_id,
                message_thread_id=thread,
                name=case_title(case, self.t),
            ),
        )

    async def _must_post(self, thread: int | None, text: str, markup: Any = None) -> Message:
        sent = await self._post(thread, text, markup)
        if sent is None:
            raise DeliveryFailed("the staff group did not take the message")
        return sent

    def _buttons(self, case: CaseView) -> InlineKeyboardMarkup | None:
        if not case.open:
            return None
        actions = ("close", "return") if case.status == "claimed" else ("claim", "close", "return")
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        staff_text(self.t, action), callback_data=f"c:{action}:{case.id}"
                    )
                    for action in actions
                ]
            ]
        )

    def _mentions(self, case: CaseView, *, everyone: bool) -> str:
        on_duty = self.book.on_duty(self.clock())
        speakers = [m for m in on_duty if case.language in m.languages]
        called = on_duty if everyone or not speakers else speakers
        if not called:
            return self._text("nobody_on_duty")
        return " ".join(_mention(m) for m in called)

    # -- the relay's side: events ------------------------------------------------------------
    async def deliver(self, case: CaseView, event: EventView) -> None:
        if event.kind == "opened" or case.staff_thread_id is None:
            case = await self._open(case)
            if event.kind == "opened":
                return
        thread = case.staff_thread_id
        number = str(case.id)
        payload = event.payload
        match event.kind:
            case "person":
                await self._copy_person(case, payload)
            case "urgency":
                await self._retitle(case, thread)
                mentions = await asyncio.to_thread(self._mentions, case, everyone=True)
                await self._must_post(
                    thread, self._text("emergency", number=number, mentions=mentions)
                )
            case "lowered":
                await self._retitle(case, thread)
                await self._must_post(thread, self._text("sos_taken_back", number=number))
            case "claimed":
                await self._must_post(
                    thread, self._text("claimed", number=number, mediator=case.mediator_name or "?")
                )
                await self._refresh_buttons(case)
            case "requeued":
                await self._must_post(thread, self._text("requeued", number=number))
                await self._refresh_buttons(case)
            case "mediator" if payload.get("source") == "console":
                name = await self._mediator_name(payload.get("mediator"))
                await self._must_post(
                    thread,
                    self._text("from_console", mediator=name, text=str(payload.get("body") or "")),
                )
            case "note":
                name = await self._mediator_name(payload.get("mediator"))
                await self._must_post(
                    thread,
                    self._text(
                        "note_from_console", mediator=name, text=str(payload.get("body") or "")
                    ),
                )
            case "finished":
                key = "returned" if payload.get("status") == "returned" else "closed"
                name = await self._mediator_name(payload.get("mediator"))
                await self._must_post(thread, self._text(key, number=number, mediator=name))
                await self._refresh_buttons(case)
                await self.channel.call(
                    "",
                    partial(
                        self.bot.close_forum_topic, chat_id=self.chat_id, message_thread_id=thread
                    ),
                )
            case "withdrawn":
                await self._must_post(thread, self._text("withdrawn", number=number))
                await self._refresh_buttons(case)
                await self.channel.call(
                    "",
                    partial(
                        self.bot.close_forum_topic, chat_id=self.chat_id, message_thread_id=thread
                    ),
                )
            case "renotify":
                mentions = await asyncio.to_thread(self._mentions, case, everyone=True)
                await self._must_post(
                    thread,
                    self._text(
                        "renotify",
                        number=number,
                        minutes=str(payload.get("minutes", "?")),
                        mentions=mentions,
                    ),
                )
            case "rated":
                await self._must_post(
                    thread,
                    self._text("rated", number=number, rating=str(payload.get("rating", "?"))),
                )

    async def not_delivered(self, case: CaseView, reason: str) -> None:
        await self._post(case.staff_thread_id, self._text(f"not_delivered.{reason}"))

    async def _open(self, case: CaseView) -> CaseView:
        """Create the case's topic (once) and post its summary with the buttons."""
        if case.staff_thread_id is None:
            topic = await self.channel.call(
                "",
                partial(
                    self.bot.create_forum_topic,
                    chat_id=self.chat_id,
                    name=case_title(case, self.t),
                    icon_color=_ICON.get(case.urgency),
                ),
            )
            if topic is None:
                raise DeliveryFailed("could not create the case's forum topic")
            # Saved at once: a retry after a failure below must not open a second topic.
            await asyncio.to_thread(self.book.set_topic, case.id, topic.message_thread_id, None)
            fresh = await asyncio.to_thread(self.book.case, case.id)
            case = fresh or case
        thread = case.staff_thread_id
        sent = await self._must_post(thread, await self._summary(case), self._buttons(case))
        await asyncio.to_thread(self.book.set_topic, case.id, thread or 0, sent.message_id)
        mentions = await asyncio.to_thread(
            self._mentions, case, everyone=case.urgency == "emergency"
        )
        key = "emergency" if case.urgency == "emergency" else "new_case"
        urgency = staff_text(self.t, f"urgency.{case.urgency}")
        await self._must_post(
            thread,
            self._text(
                key,
                number=str(case.id),
                language=case.language.upper(),
                urgency=urgency,
                mentions=mentions,
            ),
        )
        return await asyncio.to_thread(self.book.case, case.id) or case

    async def _summary(self, case: CaseView) -> str:
        """The case's summary for the topic, HTML-escaped."""
        regions = await asyncio.to_thread(self.book.region_names)
        return html.escape(summary_text(case, self.t, regions, self.zone), quote=False)

    async def _copy_person(self, case: CaseView, payload: Mapping[str, Any]) -> None:
        thread = case.staff_thread_id
        kind, body, ref = payload.get("kind"), payload.get("body"), str(payload.get("ref") or "")
        if kind in ("text", "command") and body:
            await self._must_post(thread, "👤 " + html.escape(str(body), quote=False))
        elif kind in ("media", "voice") and ref.isdigit() and case.channel == "telegram":
            copied = await self.channel.call(
                "",
                partial(
                    self.bot.copy_message,
                    chat_id=self.chat_id,
                    message_thread_id=thread,
                    from_chat_id=int(case.chat_id),
                    message_id=int(ref),
                ),
            )
            if copied is None:
                raise DeliveryFailed("could not copy the person's message")
        elif kind == "button":
            await self._must_post(thread, "👤 " + self._text("person_button"))
        elif kind == "edited":
            await self._must_post(thread, "👤 " + self._text("person_edited"))

    async def _refresh_buttons(self, case: CaseView) -> None:
        if case.staff_message_id is None:
            return
        await self.channel.call(
            "",
            partial(
                self.bot.edit_message_reply_markup,
                chat_id=self.chat_id,
                message_id=case.staff_message_id,
                reply_markup=self._buttons(case),
            ),
        )

    async def _mediator_name(self, mediator_id: Any) -> str:
        if not isinstance(mediator_id, int):
            return "?"
        mediator = await asyncio.to_thread(self.book.mediator, mediator_id)
        return mediator.name if mediator else "?"
