"""Erasing what people wrote once it is older than the retention period.

Message bodies are personal data; the rows stay, so the anonymous counts (messages per
day and language, intents, escalations, ratings) remain. Bodies in a case still open
are kept until it is closed: a mediator may need them. Delivered case events, which
carry copies of the bodies, are deleted, and so are those given up. Replies still in the
outbox after that long (a chat whose channel never took them) are deleted, and so are
processed updates (their text is erased when processed; the row only kept the chat id for
recognising a resend). Staff records expire too (:meth:`bot.store.staff.StaffBook.expire`).

A message typed before a step was answered (consent above all) is held in the
conversation only until that answer: :func:`erase_held` erases it when the person has not
answered within hours, so a question from someone who never consented is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update

from bot.store.cases import GIVE_UP_AFTER, OPEN
from bot.store.models import (
    Case,
    CaseEvent,
    CaseMessage,
    Conversation,
    InboxItem,
    Message,
    OutboxItem,
)
from bot.store.repository import Store

__all__ = ["Erased", "erase_before", "erase_held"]


@dataclass(frozen=True)
class Erased:
    messages: int
    case_messages: int
    summaries: int
    events: int
    replies: int = 0
    updates: int = 0

    @property
    def total(self) -> int:
        return (
            self.messages
            + self.case_messages
            + self.summaries
            + self.events
            + self.replies
            + self.updates
        )


def erase_before(store: Store, cutoff: datetime) -> Erased:
    """Erase the bodies written before ``cutoff``, in one transaction."""
    with store.session() as session, session.begin():
        messages = session.execute(
            update(Message)
            .where(Message.created_at < cutoff, Message.body.is_not(None))
            .values(body=None)
        ).rowcount  # type: ignore[attr-defined]
        finished = select(Case.id).where(Case.status.not_in(OPEN))
        case_messages = session.execute(
            update(CaseMessage)
            .where(
                CaseMessage.created_at < cutoff,
                CaseMessage.body.is_not(None),
                CaseMessage.case_id.in_(finished),
            )
            .values(body=None)
        ).rowcount  # type: ignore[attr-defined]
        summaries = session.execute(
            update(Case)
            .where(Case.status.not_in(OPEN), Case.closed_at < cutoff, Case.summary != "")
            .values(summary="")
        ).rowcount  # type: ignore[attr-defined]
        events = session.execute(
            delete(CaseEvent).where(
                CaseEvent.created_at < cutoff,
                or_(CaseEvent.delivered_at.is_not(None), CaseEvent.attempts >= GIVE_UP_AFTER),
            )
        )
        replies = session.execute(delete(OutboxItem).where(OutboxItem.created_at < cutoff))
        updates = session.execute(delete(InboxItem).where(InboxItem.processed_at < cutoff))
        return Erased(
            int(messages or 0),
            int(case_messages or 0),
            int(summaries or 0),
            *(
                int(result.rowcount or 0)  # type: ignore[attr-defined]
                for result in (events, replies, updates)
            ),
        )


def erase_held(store: Store, cutoff: datetime, names: tuple[str, ...]) -> int:
    """Erase the held message (the state variables ``names``) of conversations untouched
    since ``cutoff``; return how many were erased."""
    held = or_(*(Conversation.state[("vars", name)].as_string() != "" for name in names))
    with store.session() as session, session.begin():
        stale = session.scalars(select(Conversation).where(Conversation.updated_at < cutoff, held))
        erased = list(stale)
        for conversation in erased:
            variables = {**conversation.state.get("vars", {}), **dict.fromkeys(names, "")}
            conversation.state = {**conversation.state, "vars": variables}
    return len(erased)
