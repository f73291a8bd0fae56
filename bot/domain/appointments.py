"""Offices, bookable services, slots and appointments as everyone sees them (the bot,
services and the console alike): plain frozen views, and the outcomes of booking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["AppointmentView", "BookingStatus", "OfficeView", "Outcome", "ServiceView", "SlotView"]


class BookingStatus(StrEnum):
    BOOKED = "booked"
    ALREADY = "already"  # this user already holds this slot (a double tap)
    FULL = "full"  # taken meanwhile
    TOO_LATE = "too_late"  # starts too soon or is past
    GONE = "gone"  # no such slot or appointment (removed meanwhile)
    LIMIT = "limit"  # the user holds the most appointments allowed
    NOT_YOURS = "not_yours"
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    MOVED = "moved"


@dataclass(frozen=True)
class OfficeView:
    id: str
    name: Mapping[str, str]
    region: str | None
    address: str
    phone: str
    timezone: str
    languages: tuple[str, ...]
    interpreter: bool
    hours: Mapping[str, Any]


@dataclass(frozen=True)
class ServiceView:
    id: str
    name: Mapping[str, str]


@dataclass(frozen=True)
class SlotView:
    id: int
    office_id: str
    service_id: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return self.capacity - self.booked


@dataclass(frozen=True)
class AppointmentView:
    id: int
    user_id: int
    status: str
    language: str
    slot: SlotView
    office: OfficeView
    service: ServiceView


@dataclass(frozen=True)
class Outcome:
    status: BookingStatus
    appointment: AppointmentView | None = None
