"""What the store tells of offices, services, slots and appointments: plain frozen
views built from rows inside a session, never the rows themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import (
    Appointment,
    BookableService,
    Office,
    Slot,
)

__all__ = [
    "AppointmentView",
    "BookingStatus",
    "OfficeView",
    "Outcome",
    "ServiceView",
    "SlotView",
    "appointment_view",
    "office_view",
    "slot_view",
]


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


def office_view(row: Office) -> OfficeView:
    return OfficeView(
        row.id,
        dict(row.name),
        row.region_id,
        row.address,
        row.phone,
        row.timezone,
        tuple(row.languages),
        row.interpreter,
        dict(row.hours),
    )


def slot_view(row: Slot) -> SlotView:
    return SlotView(
        row.id, row.office_id, row.service_id, row.starts_at, row.ends_at, row.capacity, row.booked
    )


def appointment_view(session: Session, appointment: Appointment) -> AppointmentView:
    """An appointment with its slot, office and service, read in ``session``."""
    slot = session.get(Slot, appointment.slot_id)
    assert slot is not None
    office = session.get(Office, slot.office_id)
    service = session.get(BookableService, slot.service_id)
    assert office is not None and service is not None
    return AppointmentView(
        appointment.id,
        appointment.user_id,
        appointment.status,
        appointment.language,
        slot_view(slot),
        office_view(office),
        ServiceView(service.id, dict(service.name)),
    )
