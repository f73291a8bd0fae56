"""The mediators' Telegram staff group: a supergroup with forum topics, one per case.

The bot opens a topic for each case (titled with number, language and
urgency), posts the summary first with Claim / Close / Return buttons, copies
what the person writes into it, and mentions the mediators to call: those on
duty who speak the person's language (everyone on duty in an emergency, and
when nobody who speaks it is). A mediator's message in the topic goes to the
person through the bot, without their name unless they chose to show it.
Commands cover what buttons do not: /claim, /close, /return, /summary,
/note <text>, /help. Only registered mediators can act; everything they do goes
through :class:`~bot.services.staff_group.StaffGroupCases`.

Every text here is HTML-escaped: a person's ``<b>``, ``*bold*`` or broken
markup is shown as typed and cannot break the topic.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update
from telegram.constants import ChatType

from bot.channels.telegram_staff_topics import STAFF_CHANNEL, StaffTopics
from bot.domain.cases import CaseStatus, CaseView, MediatorView
from bot.messages import Incoming

__all__ = ["TelegramStaffDesk", "to_staff_incoming"]

log = logging.getLogger(__name__)


def to_staff_incoming(update: Update, staff_chat_id: int) -> Incoming | None:
    """The neutral message for an update from the staff group (None for anything else).
    ``chat_id`` is the forum topic's thread id, so each case's updates keep their order."""
    query = update.callback_query
    if query is not None:
        message = query.message
        if not isinstance(message, Message) or message.chat.id != staff_chat_id:
            return None
        return Incoming(
            STAFF_CHANNEL,
            str(message.message_thread_id or 0),
            "button",
            data=(query.data or "")[:64],
            sender=str(query.from_user.id),
        )
    message = update.message
    if message is None or message.chat.id != staff_chat_id or message.from_user is None:
        return None
    if message.from_user.is_bot or message.chat.type != ChatType.SUPERGROUP:
        return None
    thread = str(message.message_thread_id or 0) if message.is_topic_message else "0"
    common = {"ref": str(message.message_id), "sender": str(message.from_user.id)}
    if message.text is not None:
        return Incoming(STAFF_CHANNEL, thread, "text", text=message.text[:4096], **common)
    if message.voice or message.audio or message.video_note:
        return Incoming(STAFF_CHANNEL, thread, "voice", **common)
    if message.photo or message.document or message.video or message.sticker or message.animation:
        return Incoming(STAFF_CHANNEL, thread, "media", text=message.caption or "", **common)
    return None  # service messages: topic created, members joined, …


class TelegramStaffDesk(StaffTopics):
    """Shows cases in the staff group and carries out what mediators do there."""

    # -- the mediators' side: their updates --------------------------------------------------
    async def handle(self, incoming: Incoming, inbox_id: int | None = None) -> None:
        """Carry out one staff update (in order per topic); never raises."""
        try:
            await self._handle(incoming)
        except Exception:
            log.exception("failed to handle a staff update")
        finally:
            if inbox_id is not None:
                await asyncio.to_thread(self.book.processed, inbox_id, self.clock())

    async def _handle(self, incoming: Incoming) -> None:
        thread = int(incoming.chat_id) if incoming.chat_id.isdigit() else 0
        reply_to = thread or None
        command, _, rest = incoming.text.partition(" ") if incoming.kind == "text" else ("", "", "")
        command = command.split("@", 1)[0].lower() if command.startswith("/") else ""
        mediator = (
            await asyncio.to_thread(self.book.mediator_by_telegram, int(incoming.sender))
            if incoming.sender.isdigit()
            else None
        )
        if command == "/help":
            await self._post(reply_to, self._text("help"))
            return
        if incoming.kind == "button":
            action, _, number = incoming.data.removeprefix("c:").partition(":")
            case = (
                await asyncio.to_thread(self.book.case, int(number)) if number.isdigit() else None
            )
        else:
            action = command.removeprefix("/")
            case = await asyncio.to_thread(self.book.case_by_thread, thread) if thread else None
        if case is None:
            if command or incoming.kind == "button":
                await self._post(reply_to, self._text("not_a_case"))
            return  # talk between mediators in the General topic
        if mediator is None:
            await self._post(case.staff_thread_id, self._text("not_mediator"))
            return
        if incoming.kind == "button" or command:
            await self._act(case, mediator, action, rest.strip())
            return
        kind = "text" if incoming.kind == "text" else incoming.kind
        status = await asyncio.to_thread(
            self.book.reply,
            case.id,
            mediator.id,
            kind,
            incoming.text or None,
            self.clock(),
            incoming.ref,
        )
        await self._audit(mediator, "reply", case, status)
        await self._answer(case, mediator, status, sending=True)

    async def _audit(
        self, mediator: MediatorView, action: str, case: CaseView, status: CaseStatus | None = None
    ) -> None:
        """Mediators' actions in the group go to the console's audit log too."""
        detail = {"via": "telegram", **({"result": str(status)} if status else {})}
        await asyncio.to_thread(
            self.book.audit,
            mediator.name,
            f"case.{action}",
            f"case:{case.id}",
            self.clock(),
            detail,
        )

    async def _act(self, case: CaseView, mediator: MediatorView, action: str, rest: str) -> None:
        now = self.clock()
        match action:
            case "claim":
                status = await asyncio.to_thread(self.book.claim, case.id, mediator.id, now)
            case "close" | "return":
                status = await asyncio.to_thread(
                    self.book.finish,
                    case.id,
                    mediator.id,
                    "closed" if action == "close" else "returned",
                    now,
                )
            case "note" if rest:
                await asyncio.to_thread(self.book.note, case.id, mediator.id, rest, now)
                await self._audit(mediator, "note", case)
                await self._post(case.staff_thread_id, self._text("note_saved"))
                return
            case "summary":
                await self._audit(mediator, "read", case)
                fresh = await asyncio.to_thread(self.book.case, case.id) or case
                await self._post(
                    case.staff_thread_id, await self._summary(fresh), self._buttons(fresh)
                )
                return
            case _:
                await self._post(case.staff_thread_id, self._text("help"))
                return
        await self._audit(mediator, action, case, status)
        await self._answer(case, mediator, status, sending=False)

    async def _answer(
        self, case: CaseView, mediator: MediatorView, status: CaseStatus, *, sending: bool
    ) -> None:
        """Say why an action did nothing; a success is reported by the relay's event."""
        if status == CaseStatus.DONE:
            if self.after_change is not None:
                self.after_change()
            return
        fresh = await asyncio.to_thread(self.book.case, case.id) or case
        number = str(case.id)
        owner = fresh.mediator_name or "?"
        text = {
            CaseStatus.YOURS: self._text("already_yours", number=number),
            CaseStatus.TAKEN: self._text("already_claimed", number=number, mediator=owner),
            CaseStatus.OVER: self._text("case_over", number=number),
            CaseStatus.GONE: self._text("case_gone"),
            CaseStatus.NOT_OWNER: (
                self._text("claim_first")
                if sending and fresh.status == "queued"
                else self._text("not_owner", number=number, mediator=owner)
            ),
        }[status]
        await self._post(case.staff_thread_id, text)
