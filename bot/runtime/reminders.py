"""Reminders before appointments, sent by a loop that is safe with several workers.

Each worker claims due reminders in the database before sending them (see
:meth:`ReminderBook.claim_reminders`), so two workers never send the same
one; the claim expires after a lease, so a worker that died mid-way leaves its
reminders to another. The message is in the user's language, shows the time in
the office's time zone and carries move and cancel buttons.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.channels.base import Channel
from bot.engine.actions import Button, Say
from bot.engine.core import home_buttons
from bot.i18n import N_, Catalogs
from bot.render import render
from bot.services.booking import appointment_params
from bot.store.appointments import STAFF_CANCELLED
from bot.store.reminders import ReminderBook, ReminderJob

__all__ = ["REMINDER_TEXTS", "ReminderSender"]

log = logging.getLogger(__name__)

REMINDER_TEXTS = {
    "day_before": N_("reminder.day_before"),
    "two_hours": N_("reminder.two_hours"),
    "move": N_("reminder.move"),
    "cancel": N_("reminder.cancel"),
    STAFF_CANCELLED: N_("reminder.staff_cancel"),
}


class ReminderSender:
    """Claims due reminders and sends them through the user's channel."""

    def __init__(
        self,
        book: ReminderBook,
        catalogs: Catalogs,
        channels: Mapping[str, Channel],
        worker: str,
        clock: Callable[[], datetime],
        *,
        lease: timedelta = timedelta(minutes=5),
        is_blocked: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.book = book
        self.catalogs = catalogs
        self.channels = channels
        self.worker = worker
        self.clock = clock
        self.lease = lease
        self.is_blocked = is_blocked

    def message(self, job: ReminderJob) -> Say:
        lang = job.language or job.appointment.language
        view = job.appointment
        if job.kind == STAFF_CANCELLED:  # nothing left to move or cancel
            return Say(
                REMINDER_TEXTS[job.kind],
                appointment_params(view, lang),
                buttons=home_buttons(),
                lang=lang,
            )
        rows = (
            (
                Button(REMINDER_TEXTS["move"], f"b:m:{view.id}", "🔁"),
                Button(REMINDER_TEXTS["cancel"], f"b:x:{view.id}", "❌"),
            ),
        )
        return Say(
            REMINDER_TEXTS[job.kind],
            appointment_params(view, lang),
            buttons=rows + home_buttons(),
            lang=lang,
        )

    async def run_once(self) -> int:
        """Send the reminders due now; returns how many were sent."""
        jobs = await asyncio.to_thread(
            self.book.claim_reminders, self.clock(), self.worker, lease=self.lease
        )
        sent = 0
        for job in jobs:
            channel = self.channels.get(job.channel)
            if channel is None:
                # No way to reach this channel from this worker (it does not run it):
                # mark it handled rather than retry it for ever.
                await asyncio.to_thread(self.book.reminder_sent, job.id, self.worker, self.clock())
                continue
            if self.is_blocked is not None and await asyncio.to_thread(
                self.is_blocked, job.channel, job.chat_id
            ):
                await asyncio.to_thread(self.book.reminder_sent, job.id, self.worker, self.clock())
                continue
            outgoing = render(self.message(job), job.chat_id, job.language, self.catalogs)
            try:
                await channel.send(outgoing)
            except Exception:
                log.exception("reminder %s could not be sent; it will be retried", job.id)
                continue
            if await asyncio.to_thread(self.book.reminder_sent, job.id, self.worker, self.clock()):
                sent += 1
        return sent
