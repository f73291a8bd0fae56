"""Offices, slots, appointments and reminders in the database.

Capacity is the database's job: booking raises a slot's ``booked`` count with
one conditional ``UPDATE … WHERE booked < capacity`` (and a check constraint
forbids more), so neither threads nor several worker processes can book a slot
beyond its capacity, on SQLite or PostgreSQL. A partial unique index allows
one active booking per user and slot, which makes a double-tapped "confirm"
harmless. Every method is one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.appointment_views import (
    AppointmentView,
    BookingStatus,
    OfficeView,
    Outcome,
    ServiceView,
    SlotView,
    appointment_view,
    office_view,
    slot_view,
)
from bot.store.models import (
    Appointment,
    BookableService,
    Office,
    OfficeService,
    Reminder,
    Slot,
)
from bot.store.repository import Store

__all__ = [
    "REMINDERS",
    "STAFF_CANCELLED",
    "AppointmentBook",
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

#: Reminders sent before each appointment: kind and how long before it starts.
REMINDERS: Mapping[str, timedelta] = {
    "day_before": timedelta(days=1),
    "two_hours": timedelta(hours=2),
}


#: The notice that staff cancelled an appointment, queued with the reminders.
STAFF_CANCELLED = "staff_cancel"


class AppointmentBook:
    """Slots and appointments over the :class:`Store`'s engine."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading -----------------------------------------------------------------------
    def services(self) -> list[ServiceView]:
        """Bookable services offered at some active office."""
        with self.store.session() as session:
            rows = session.scalars(
                select(BookableService)
                .where(
                    BookableService.id.in_(
                        select(OfficeService.service_id).join(Office).where(Office.active)
                    )
                )
                .order_by(BookableService.position, BookableService.id)
            )
            return [ServiceView(r.id, dict(r.name)) for r in rows]

    def service(self, service_id: str) -> ServiceView | None:
        with self.store.session() as session:
            row = session.get(BookableService, service_id)
            return ServiceView(row.id, dict(row.name)) if row else None

    def offices(self, service_id: str | None = None) -> list[OfficeView]:
        """Active offices (offering ``service_id``, when given)."""
        with self.store.session() as session:
            query = select(Office).where(Office.active).order_by(Office.id)
            if service_id:
                query = query.where(
                    Office.id.in_(
                        select(OfficeService.office_id).where(
                            OfficeService.service_id == service_id
                        )
                    )
                )
            return [office_view(row) for row in session.scalars(query)]

    def office(self, office_id: str) -> OfficeView | None:
        with self.store.session() as session:
            row = session.get(Office, office_id)
            return office_view(row) if row and row.active else None

    def free_slots(
        self,
        office_id: str,
        service_id: str,
        after: datetime,
        before: datetime | None = None,
        limit: int = 6,
    ) -> list[SlotView]:
        """The first free slots starting at ``after`` or later (and before ``before``)."""
        with self.store.session() as session:
            query = (
                select(Slot)
                .where(
                    Slot.office_id == office_id,
                    Slot.service_id == service_id,
                    Slot.starts_at >= after,
                    Slot.booked < Slot.capacity,
                )
                .order_by(Slot.starts_at)
                .limit(limit)
            )
            if before is not None:
                query = query.where(Slot.starts_at < before)
            return [slot_view(row) for row in session.scalars(query)]

    def slot(self, slot_id: int) -> SlotView | None:
        with self.store.session() as session:
            row = session.get(Slot, slot_id)
            return slot_view(row) if row else None

    def appointment(self, appointment_id: int) -> AppointmentView | None:
        with self.store.session() as session:
            row = session.get(Appointment, appointment_id)
            return appointment_view(session, row) if row else None

    def upcoming(self, user_id: int, now: datetime) -> list[AppointmentView]:
        """The user's booked appointments that have not started, soonest first."""
        with self.store.session() as session:
            rows = session.scalars(
                select(Appointment)
                .join(Slot)
                .where(
                    Appointment.user_id == user_id,
                    Appointment.status == "booked",
                    Slot.starts_at > now,
                )
                .order_by(Slot.starts_at)
            )
            return [appointment_view(session, row) for row in rows]

    def calendar(self, office_id: str, start: datetime, end: datetime) -> list[AppointmentView]:
        """Booked appointments at an office between two moments (for staff exports)."""
        with self.store.session() as session:
            rows = session.scalars(
                select(Appointment)
                .join(Slot)
                .where(
                    Slot.office_id == office_id,
                    Appointment.status == "booked",
                    Slot.starts_at >= start,
                    Slot.starts_at < end,
                )
                .order_by(Slot.starts_at, Appointment.id)
            )
            return [appointment_view(session, row) for row in rows]

    # -- booking -------------------------------------------------------------------------
    def book(
        self,
        user_id: int,
        slot_id: int,
        language: str,
        now: datetime,
        *,
        notice: timedelta = timedelta(0),
        max_active: int = 3,
    ) -> Outcome:
        """Book a place in a slot for the user; one transaction."""
        try:
            with self.store.session() as session, session.begin():
                status = self._take(session, user_id, slot_id, now, notice, max_active, None)
                if status is not BookingStatus.BOOKED:
                    return Outcome(status, self._held(session, user_id, slot_id))
                appointment = self._create(session, user_id, slot_id, language, now)
                return Outcome(BookingStatus.BOOKED, appointment_view(session, appointment))
        except IntegrityError:
            # The same user booked this slot in a concurrent transaction (a double tap).
            with self.store.session() as session:
                return Outcome(BookingStatus.ALREADY, self._held(session, user_id, slot_id))

    def reschedule(
        self,
        user_id: int,
        appointment_id: int,
        slot_id: int,
        now: datetime,
        *,
        notice: timedelta = timedelta(0),
    ) -> Outcome:
        """Move the user's appointment to another slot: the new place is taken and the
        old one freed in one transaction, or nothing changes."""
        try:
            with self.store.session() as session, session.begin():
                old = session.get(Appointment, appointment_id, with_for_update=True)
                status = self._check_own(session, old, user_id, now, notice)
                if status is not None:
                    return Outcome(status, appointment_view(session, old) if old else None)
                assert old is not None
                if old.slot_id == slot_id:
                    return Outcome(BookingStatus.ALREADY, appointment_view(session, old))
                status = self._take(session, user_id, slot_id, now, notice, None, old)
                if status is not BookingStatus.BOOKED:
                    return Outcome(status, appointment_view(session, old))
                self._release(session, old, now, "user")
                appointment = self._create(session, user_id, slot_id, old.language, now)
                return Outcome(BookingStatus.MOVED, appointment_view(session, appointment))
        except IntegrityError:
            with self.store.session() as session:
                return Outcome(BookingStatus.ALREADY, self._held(session, user_id, slot_id))

    def cancel(
        self,
        user_id: int | None,
        appointment_id: int,
        now: datetime,
        *,
        notice: timedelta = timedelta(0),
        by: str = "user",
    ) -> Outcome:
        """Cancel an appointment (``user_id`` None: staff may cancel any)."""
        with self.store.session() as session, session.begin():
            row = session.get(Appointment, appointment_id, with_for_update=True)
            if by == "user":
                status = self._check_own(session, row, user_id, now, notice)
                if status is not None:
                    return Outcome(
                        status,
                        appointment_view(session, row)
                        if row and status is not BookingStatus.NOT_YOURS
                        else None,
                    )
            elif row is None:
                return Outcome(BookingStatus.GONE)
            elif row.status != "booked":
                return Outcome(BookingStatus.ALREADY_CANCELLED, appointment_view(session, row))
            assert row is not None
            self._release(session, row, now, by)
            return Outcome(BookingStatus.CANCELLED, appointment_view(session, row))

    def _check_own(
        self,
        session: Session,
        row: Appointment | None,
        user_id: int | None,
        now: datetime,
        notice: timedelta,
    ) -> BookingStatus | None:
        if row is None:
            return BookingStatus.GONE
        if row.user_id != user_id:
            return BookingStatus.NOT_YOURS
        if row.status != "booked":
            return BookingStatus.ALREADY_CANCELLED
        slot = session.get(Slot, row.slot_id)
        assert slot is not None
        if slot.starts_at < now + notice:
            return BookingStatus.TOO_LATE
        return None

    def _take(
        self,
        session: Session,
        user_id: int,
        slot_id: int,
        now: datetime,
        notice: timedelta,
        max_active: int | None,
        replacing: Appointment | None,
    ) -> BookingStatus:
        slot = session.get(Slot, slot_id)
        if slot is None or not session.scalar(
            select(Office.active).where(Office.id == slot.office_id)
        ):
            return BookingStatus.GONE
        if self._held(session, user_id, slot_id) is not None:
            return BookingStatus.ALREADY
        if slot.starts_at < now + notice:
            return BookingStatus.TOO_LATE
        if max_active is not None:
            active = session.scalar(
                select(func.count())
                .select_from(Appointment)
                .join(Slot)
                .where(
                    Appointment.user_id == user_id,
                    Appointment.status == "booked",
                    Slot.starts_at > now,
                )
            )
            if (active or 0) >= max_active:
                return BookingStatus.LIMIT
        taken = session.execute(
            update(Slot)
            .where(Slot.id == slot_id, Slot.booked < Slot.capacity)
            .values(booked=Slot.booked + 1)
        ).rowcount  # type: ignore[attr-defined]
        return BookingStatus.BOOKED if taken == 1 else BookingStatus.FULL

    def _create(
        self, session: Session, user_id: int, slot_id: int, language: str, now: datetime
    ) -> Appointment:
        appointment = Appointment(
            slot_id=slot_id, user_id=user_id, status="booked", language=language, created_at=now
        )
        session.add(appointment)
        session.flush()
        slot = session.get(Slot, slot_id)
        assert slot is not None
        for kind, before in REMINDERS.items():
            due = slot.starts_at - before
            if due > now:
                session.add(Reminder(appointment_id=appointment.id, kind=kind, due_at=due))
        session.flush()
        return appointment

    def _release(self, session: Session, row: Appointment, now: datetime, by: str) -> None:
        changed = session.execute(
            update(Appointment)
            .where(Appointment.id == row.id, Appointment.status == "booked")
            .values(status="cancelled", cancelled_at=now, cancelled_by=by)
            .execution_options(synchronize_session="fetch")
        ).rowcount  # type: ignore[attr-defined]
        if changed == 1:
            session.execute(
                update(Slot).where(Slot.id == row.slot_id).values(booked=Slot.booked - 1)
            )
            session.execute(
                delete(Reminder).where(
                    Reminder.appointment_id == row.id, Reminder.sent_at.is_(None)
                )
            )
            if by == "staff":  # the person must hear it: sent like a reminder, at once
                session.add(Reminder(appointment_id=row.id, kind=STAFF_CANCELLED, due_at=now))
        session.refresh(row)

    def _held(self, session: Session, user_id: int, slot_id: int) -> AppointmentView | None:
        row = session.scalar(
            select(Appointment).where(
                Appointment.user_id == user_id,
                Appointment.slot_id == slot_id,
                Appointment.status == "booked",
            )
        )
        return appointment_view(session, row) if row else None

    # -- checks ------------------------------------------------------------------------
    def totals(self) -> tuple[int, int]:
        """(sum of booked counters, active appointments): equal unless something broke."""
        with self.store.session() as session:
            booked = session.scalar(select(func.coalesce(func.sum(Slot.booked), 0))) or 0
            active = (
                session.scalar(
                    select(func.count())
                    .select_from(Appointment)
                    .where(Appointment.status == "booked")
                )
                or 0
            )
            return int(booked), int(active)
