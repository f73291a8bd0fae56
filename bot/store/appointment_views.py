"""What the store tells of offices, services, slots and appointments: plain frozen
views built from rows inside a session, never the rows themselves."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain.appointments import (
    AppointmentView,
    BookingStatus,
    OfficeView,
    Outcome,
    ServiceView,
    SlotView,
)
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
