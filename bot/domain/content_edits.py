"""The content as staff edit it in the console: an article with its translations, an
office with the services it offers, a slot or an appointment in a list, and what became
of a change (saved, refused, …)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "AppointmentEntry",
    "ArticleEdit",
    "ArticleRow",
    "EditStatus",
    "NoShow",
    "OfferEdit",
    "OfficeEdit",
    "SlotEntry",
    "SlotRemoval",
]


class EditStatus(StrEnum):
    SAVED = "saved"
    EXISTS = "exists"  # a new item's id is taken
    GONE = "gone"  # the item to change does not exist


class SlotRemoval(StrEnum):
    REMOVED = "removed"
    BOOKED = "booked"  # someone holds a place in it
    HISTORY = "history"  # appointments (cancelled ones) still refer to it
    GONE = "gone"


class NoShow(StrEnum):
    MARKED = "marked"
    NOT_BOOKED = "not_booked"  # cancelled, or marked already
    NOT_STARTED = "not_started"
    GONE = "gone"


@dataclass(frozen=True)
class ArticleEdit:
    """An article with every translation: what the console reads and saves."""

    id: str
    topic: str
    regions: tuple[str, ...]
    audiences: tuple[str, ...]
    source_title: str
    source_url: str
    reviewed: date
    active: bool
    texts: Mapping[str, tuple[str, str]]  # lang -> (title, body)


@dataclass(frozen=True)
class ArticleRow:
    """An article in the list: its scope and the languages it is written in."""

    id: str
    topic: str
    regions: tuple[str, ...]
    audiences: tuple[str, ...]
    reviewed: date
    active: bool
    titles: Mapping[str, str]  # lang -> title


@dataclass(frozen=True)
class OfferEdit:
    """A service offered at an office."""

    service_id: str
    minutes: int
    capacity: int


@dataclass(frozen=True)
class OfficeEdit:
    id: str
    name: Mapping[str, str]
    region: str | None
    address: str
    phone: str
    timezone: str
    languages: tuple[str, ...]
    interpreter: bool
    hours: Mapping[str, list[str]]  # as stored: weekday name -> "HH:MM-HH:MM" ranges
    closed: tuple[date, ...]
    active: bool
    offers: tuple[OfferEdit, ...]


@dataclass(frozen=True)
class SlotEntry:
    id: int
    service_id: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    origin: str  # calendar | manual


@dataclass(frozen=True)
class AppointmentEntry:
    """An appointment as staff see it: no name, no chat id."""

    id: int
    status: str  # booked | cancelled | no_show
    language: str
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    office_id: str
    office_name: Mapping[str, str]
    timezone: str
    service_id: str
    service_name: Mapping[str, str]
    cancelled_by: str | None
