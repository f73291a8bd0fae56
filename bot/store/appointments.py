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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tqdm import tqdm

from bot.domain.calendar import PlannedSlot, calendar_slots
from bot.domain.hours import hours_from_json
from bot.store.models import (
    Appointment,
    BookableService,
    Office,
    OfficeService,
    Reminder,
    Slot,
    User,
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
    "ReminderJob",
    "ServiceView",
    "SlotView",
]

#: Reminders sent before each appointment: kind and how long before it starts.
REMINDERS: Mapping[str, timedelta] = {
    "day_before": timedelta(days=1),
    "two_hours": timedelta(hours=2),
}
#: The notice that staff cancelled an appointment, queued with the reminders.
STAFF_CANCELLED = "staff_cancel"


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


@dataclass(frozen=True)
class ReminderJob:
    """A claimed reminder, with what is needed to send it."""

    id: int
    kind: str
    appointment: AppointmentView
    channel: str
    chat_id: str
    language: str | None


def _office(row: Office) -> OfficeView:
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


def _slot(row: Slot) -> SlotView:
    return SlotView(
        row.id, row.office_id, row.service_id, row.starts_at, row.ends_at, row.capacity, row.booked
    )


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
            return [_office(row) for row in session.scalars(query)]

    def office(self, office_id: str) -> OfficeView | None:
        with self.store.session() as session:
            row = session.get(Office, office_id)
            return _office(row) if row and row.active else None

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
            return [_slot(row) for row in session.scalars(query)]

    def slot(self, slot_id: int) -> SlotView | None:
        with self.store.session() as session:
            row = session.get(Slot, slot_id)
            return _slot(row) if row else None

    def _view(self, session: Session, appointment: Appointment) -> AppointmentView:
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
            _slot(slot),
            _office(office),
            ServiceView(service.id, dict(service.name)),
        )

    def appointment(self, appointment_id: int) -> AppointmentView | None:
        with self.store.session() as session:
            row = session.get(Appointment, appointment_id)
            return self._view(session, row) if row else None

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
            return [self._view(session, row) for row in rows]

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
            return [self._view(session, row) for row in rows]

    # -- slots ---------------------------------------------------------------------------
    def generate_slots(self, today: date, days: int, *, progress: bool = False) -> tuple[int, int]:
        """Create the calendar slots of every active office for ``days`` days from
        ``today`` and remove free calendar slots the hours no longer have.

        Safe to run from several workers at once. Returns (created, removed). With
        ``progress``, a bar per calendar on a terminal (none otherwise)."""
        created = removed = 0
        with self.store.session() as session:
            plans = session.execute(
                select(Office, OfficeService).join(OfficeService).where(Office.active)
            ).all()
        for office, offered in tqdm(
            plans, desc="slot calendars", unit="calendar", disable=None if progress else True
        ):
            zone = ZoneInfo(office.timezone)
            hours = hours_from_json(offered.hours or office.hours)
            closed = {date.fromisoformat(d) for d in office.closed}
            planned = {
                s.starts_at: s
                for s in calendar_slots(
                    hours, closed, office.timezone, offered.minutes, offered.capacity, today, days
                )
            }
            start = datetime.combine(today, datetime.min.time(), zone).astimezone(UTC)
            end = start + timedelta(days=days + 1)
            try:
                added, dropped = self._plan_office(
                    office.id, offered.service_id, planned, start, end
                )
            except IntegrityError:
                continue  # another worker created this calendar at the same moment
            created += added
            removed += dropped
        return created, removed

    def _plan_office(
        self,
        office_id: str,
        service_id: str,
        planned: Mapping[datetime, PlannedSlot],
        start: datetime,
        end: datetime,
    ) -> tuple[int, int]:
        """One office's calendar for one service, in one transaction: missing slots
        created, free calendar slots no longer planned removed."""
        created = removed = 0
        with self.store.session() as session, session.begin():
            existing = {
                row.starts_at: row
                for row in session.scalars(
                    select(Slot).where(
                        Slot.office_id == office_id,
                        Slot.service_id == service_id,
                        Slot.starts_at >= start,
                        Slot.starts_at < end,
                    )
                )
            }
            for starts_at, plan in planned.items():
                row = existing.get(starts_at)
                if row is None:
                    session.add(
                        Slot(
                            office_id=office_id,
                            service_id=service_id,
                            starts_at=plan.starts_at,
                            ends_at=plan.ends_at,
                            capacity=plan.capacity,
                            booked=0,
                            origin="calendar",
                        )
                    )
                    created += 1
                elif row.capacity != plan.capacity:
                    row.capacity = max(plan.capacity, row.booked)
            stale = [
                row.id
                for starts_at, row in existing.items()
                if starts_at not in planned and row.origin == "calendar" and row.booked == 0
            ]
            if stale:
                removed += session.execute(
                    delete(Slot).where(
                        Slot.id.in_(stale),
                        Slot.booked == 0,
                        ~Slot.id.in_(select(Appointment.slot_id)),
                    )
                ).rowcount  # type: ignore[attr-defined]
        return created, removed

    def add_slot(
        self, office_id: str, service_id: str, starts_at: datetime, minutes: int, capacity: int
    ) -> SlotView:
        """Add one slot by hand (staff): kept when the calendar is regenerated."""
        with self.store.session() as session, session.begin():
            row = Slot(
                office_id=office_id,
                service_id=service_id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=minutes),
                capacity=capacity,
                booked=0,
                origin="manual",
            )
            session.add(row)
            session.flush()
            return _slot(row)

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
                return Outcome(BookingStatus.BOOKED, self._view(session, appointment))
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
                    return Outcome(status, self._view(session, old) if old else None)
                assert old is not None
                if old.slot_id == slot_id:
                    return Outcome(BookingStatus.ALREADY, self._view(session, old))
                status = self._take(session, user_id, slot_id, now, notice, None, old)
                if status is not BookingStatus.BOOKED:
                    return Outcome(status, self._view(session, old))
                self._release(session, old, now, "user")
                appointment = self._create(session, user_id, slot_id, old.language, now)
                return Outcome(BookingStatus.MOVED, self._view(session, appointment))
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
                        self._view(session, row)
                        if row and status is not BookingStatus.NOT_YOURS
                        else None,
                    )
            elif row is None:
                return Outcome(BookingStatus.GONE)
            elif row.status != "booked":
                return Outcome(BookingStatus.ALREADY_CANCELLED, self._view(session, row))
            assert row is not None
            self._release(session, row, now, by)
            return Outcome(BookingStatus.CANCELLED, self._view(session, row))

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
        return self._view(session, row) if row else None

    # -- reminders ---------------------------------------------------------------------
    def claim_reminders(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int = 20,
        lease: timedelta = timedelta(minutes=5),
    ) -> list[ReminderJob]:
        """Claim due reminders for this worker. A claim lasts ``lease``: a worker that
        died before sending leaves them to another one after that. Reminders of
        appointments that have begun, and a day-before reminder that would arrive in
        the last two hours, are dropped (marked sent) instead."""
        jobs: list[ReminderJob] = []
        with self.store.session() as session, session.begin():
            ids = list(
                session.scalars(
                    select(Reminder.id)
                    .where(
                        Reminder.sent_at.is_(None),
                        Reminder.due_at <= now,
                        or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - lease),
                    )
                    .order_by(Reminder.due_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            if not ids:
                return []
            session.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids))
                .values(claimed_by=worker, claimed_at=now)
            )
            for reminder in session.scalars(select(Reminder).where(Reminder.id.in_(ids))):
                appointment = session.get(Appointment, reminder.appointment_id)
                assert appointment is not None
                view = self._view(session, appointment)
                late = view.slot.starts_at <= now or (
                    reminder.kind == "day_before"
                    and view.slot.starts_at - now <= REMINDERS["two_hours"]
                )
                user = session.get(User, appointment.user_id)
                expected = "cancelled" if reminder.kind == STAFF_CANCELLED else "booked"
                if late or user is None or appointment.status != expected:
                    reminder.sent_at = now
                    continue
                jobs.append(
                    ReminderJob(
                        reminder.id,
                        reminder.kind,
                        view,
                        user.channel,
                        user.external_id,
                        user.language,
                    )
                )
        return jobs

    def reminder_sent(self, reminder_id: int, worker: str, now: datetime) -> bool:
        """Record a reminder as sent; False if another worker's claim replaced ours."""
        with self.store.session() as session, session.begin():
            changed: int = session.execute(
                update(Reminder)
                .where(
                    Reminder.id == reminder_id,
                    Reminder.claimed_by == worker,
                    Reminder.sent_at.is_(None),
                )
                .values(sent_at=now)
            ).rowcount  # type: ignore[attr-defined]
            return changed == 1

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
