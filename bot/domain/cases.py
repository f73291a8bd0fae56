"""Mediators and escalated cases as everyone sees them: plain frozen views (built by the
store, shown by services, the console and the staff group alike), the outcomes of a
mediator's action, and the rules that need no database (who may see a waiting case,
what a conversation's owner column means, when a mediator is on duty)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.hours import hours_from_json, is_open, next_opening

__all__ = [
    "GIVE_UP_AFTER",
    "OPEN",
    "URGENCIES",
    "CaseMessageView",
    "CaseStatus",
    "CaseView",
    "EventView",
    "MediatorView",
    "Opened",
    "open_to_all",
    "owner_case",
]

#: Statuses of a case someone still has to deal with.
OPEN = ("queued", "claimed")
#: Delivery rounds after which the relay gives a case event up (logged).
GIVE_UP_AFTER = 12
#: Urgencies, least urgent first.
URGENCIES = ("normal", "high", "emergency")


class CaseStatus(StrEnum):
    """The outcome of a mediator's action on a case."""

    DONE = "done"
    YOURS = "yours"  # already claimed by this mediator
    TAKEN = "taken"  # claimed by another mediator
    OVER = "over"  # closed or returned already
    GONE = "gone"  # no such case (or the person deleted their data)
    NOT_OWNER = "not_owner"  # only the mediator who claimed it may do this


@dataclass(frozen=True)
class MediatorView:
    id: int
    name: str
    languages: tuple[str, ...]
    hours: Mapping[str, Any]
    timezone: str
    telegram_user_id: int | None
    show_name: bool
    active: bool
    #: Switched themselves away: off duty whatever their hours, until they are back.
    away: bool = False

    def on_duty(self, now: datetime) -> bool:
        return (
            self.active
            and not self.away
            and is_open(hours_from_json(self.hours), self.timezone, now)
        )

    def next_on_duty(self, now: datetime) -> datetime | None:
        """When their hours next begin; None when they have none, or are away (nobody
        knows when they will be back)."""
        if self.away:
            return None
        return next_opening(hours_from_json(self.hours), self.timezone, now)


@dataclass(frozen=True)
class CaseView:
    id: int
    user_id: int
    conversation_id: int
    channel: str
    chat_id: str
    language: str
    reason: str
    urgency: str
    status: str
    region: str | None
    summary: Mapping[str, Any]
    mediator_id: int | None
    mediator_name: str | None
    mediator_shown: bool
    staff_thread_id: int | None
    staff_message_id: int | None
    created_at: datetime
    claimed_at: datetime | None
    first_reply_at: datetime | None
    closed_at: datetime | None
    rating: int | None

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class CaseMessageView:
    id: int
    author: str  # person | mediator | note
    mediator_name: str | None
    kind: str
    body: str | None
    created_at: datetime


@dataclass(frozen=True)
class EventView:
    id: int
    case_id: int
    kind: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Opened:
    """What asking for a person did: a new case, or the open one it joined (and
    whether that raised its urgency)."""

    case: CaseView
    new: bool
    raised: bool = False


def open_to_all(case: CaseView, covered: Iterable[str]) -> bool:
    """A waiting case every mediator may see and claim: an emergency, or a case in a
    language no mediator on duty speaks (nobody else would take it)."""
    return case.status == "queued" and (
        case.urgency == "emergency" or case.language not in set(covered)
    )


def owner_case(owner: str) -> tuple[str, int] | None:
    """("queue" | "case", case id) for a conversation owner column, None for the bot."""
    kind, _, number = owner.partition(":")
    if kind in ("queue", "case") and number.isdigit():
        return kind, int(number)
    return None
