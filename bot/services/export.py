"""Staff exports of an office's calendar: iCalendar (RFC 5545) and CSV.

Only what staff need to receive people: time, service, the booking's number and
language. No names or chat ids leave the database this way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.store.appointments import AppointmentView

__all__ = ["to_csv", "to_ics"]

_CSV_HEADER = ("appointment", "date", "start", "end", "timezone", "service", "office", "language")


def to_ics(
    appointments: Sequence[AppointmentView], calendar_name: str, now: datetime, lang: str = "en"
) -> str:
    """An iCalendar file with one event per appointment (times in UTC), written by the
    ``icalendar`` library (escaping, line folding and CRLF as RFC 5545 wants)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Orienta//appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    for view in appointments:
        service = view.service.name.get(lang) or view.service.name.get("en") or view.service.id
        event = Event()
        event.add("uid", f"orienta-appointment-{view.id}@orienta")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", view.slot.starts_at.astimezone(UTC))
        event.add("dtend", view.slot.ends_at.astimezone(UTC))
        event.add("summary", f"{service} (#{view.id}, {view.language})")
        event.add("location", view.office.address)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical.decode("utf-8")


def to_csv(appointments: Sequence[AppointmentView], lang: str = "en") -> str:
    """One row per appointment, local times in the office's time zone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_CSV_HEADER)
    for view in appointments:
        zone = ZoneInfo(view.office.timezone)
        start = view.slot.starts_at.astimezone(zone)
        end = view.slot.ends_at.astimezone(zone)
        writer.writerow(
            (
                view.id,
                start.date().isoformat(),
                start.strftime("%H:%M"),
                end.strftime("%H:%M"),
                view.office.timezone,
                view.service.name.get(lang) or view.service.id,
                view.office.name.get(lang) or view.office.id,
                view.language,
            )
        )
    return buffer.getvalue()
