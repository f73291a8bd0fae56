"""Everything stored about one person, for a request to see their data (GDPR art. 15):
the account, the conversation's state, their messages, appointments and cases with
their transcripts. Anonymous counts (feedback, unanswered questions) are not linked to
anyone and are not part of it."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from bot.store.models import (
    Appointment,
    BookableService,
    Case,
    CaseMessage,
    Conversation,
    Message,
    Office,
    Slot,
    User,
)
from bot.store.repository import Store

__all__ = ["personal_data"]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def personal_data(store: Store, channel: str, external_id: str) -> dict[str, Any] | None:
    """A JSON-ready record of what is stored about the person, or None if nothing is."""
    with store.session() as session:
        user = session.scalar(
            select(User).where(User.channel == channel, User.external_id == external_id)
        )
        if user is None:
            return None
        conversation = session.scalar(select(Conversation).where(Conversation.user_id == user.id))
        messages = (
            []
            if conversation is None
            else [
                {
                    "at": _plain(m.created_at),
                    "direction": m.direction,
                    "kind": m.kind,
                    "text": m.body,
                    "language": m.detected_language,
                    "intent": m.intent,
                }
                for m in session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation.id)
                    .order_by(Message.id)
                )
            ]
        )
        appointments = [
            {
                "id": a.id,
                "status": a.status,
                "language": a.language,
                "booked_at": _plain(a.created_at),
                "cancelled_at": _plain(a.cancelled_at),
                "cancelled_by": a.cancelled_by,
                "starts_at": _plain(slot.starts_at),
                "office": office.name,
                "address": office.address,
                "service": service.name,
            }
            for a, slot, office, service in session.execute(
                select(Appointment, Slot, Office, BookableService)
                .join(Slot, Appointment.slot_id == Slot.id)
                .join(Office, Slot.office_id == Office.id)
                .join(BookableService, Slot.service_id == BookableService.id)
                .where(Appointment.user_id == user.id)
                .order_by(Appointment.id)
            )
        ]
        cases = []
        for case in session.scalars(select(Case).where(Case.user_id == user.id).order_by(Case.id)):
            cases.append(
                {
                    "id": case.id,
                    "status": case.status,
                    "reason": case.reason,
                    "urgency": case.urgency,
                    "language": case.language,
                    "opened_at": _plain(case.created_at),
                    "closed_at": _plain(case.closed_at),
                    "rating": case.rating,
                    "summary": json.loads(case.summary) if case.summary else {},
                    "messages": [
                        {
                            "at": _plain(m.created_at),
                            "author": m.author,
                            "kind": m.kind,
                            "text": m.body,
                        }
                        for m in session.scalars(
                            select(CaseMessage)
                            .where(CaseMessage.case_id == case.id, CaseMessage.author != "note")
                            .order_by(CaseMessage.id)
                        )
                    ],
                }
            )
        return {
            "channel": user.channel,
            "id": user.external_id,
            "language": user.language,
            "first_contact": _plain(user.created_at),
            "consent": {
                "given_at": _plain(user.consent_at),
                "notice": user.consent_version,
                "declined_at": _plain(user.consent_declined_at),
            },
            "conversation": (
                {
                    "state": conversation.state,
                    "owner": conversation.owner,
                    "updated_at": _plain(conversation.updated_at),
                }
                if conversation
                else None
            ),
            "messages": messages,
            "appointments": appointments,
            "cases": cases,
        }
