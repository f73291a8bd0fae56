"""Reminders before appointments (and notices of a cancellation by staff), claimed by
one worker at a time with a lease, so two workers never send the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from bot.store.appointments import REMINDERS, STAFF_CANCELLED, AppointmentView, appointment_view
from bot.store.models import (
    Appointment,
    Reminder,
    User,
)
from bot.store.repository import Store

__all__ = ["ReminderBook", "ReminderJob"]


@dataclass(frozen=True)
class ReminderJob:
    """A claimed reminder, with what is needed to send it."""

    id: int
    kind: str
    appointment: AppointmentView
    channel: str
    chat_id: str
    language: str | None


class ReminderBook:
    """Due reminders over the :class:`Store`'s engine."""

    def __init__(self, store: Store) -> None:
        self.store = store

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
                view = appointment_view(session, appointment)
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
