"""Appointment slots: the calendars generated from offices' hours, and slots added by hand.

Generating is safe from several workers at once: each office's calendar for a service
is one transaction, and a unique slot start makes a concurrent duplicate fail alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from tqdm import tqdm

from bot.domain.calendar import PlannedSlot, calendar_slots
from bot.domain.hours import hours_from_json
from bot.store.appointments import SlotView, slot_view
from bot.store.models import (
    Appointment,
    Office,
    OfficeService,
    Slot,
)
from bot.store.repository import Store

__all__ = ["SlotBook"]


class SlotBook:
    """The slots over the :class:`Store`'s engine."""

    def __init__(self, store: Store) -> None:
        self.store = store

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
            return slot_view(row)
