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

from bot.store.appointments import AppointmentView

__all__ = ["to_csv", "to_ics"]

_CSV_HEADER = ("appointment", "date", "start", "end", "timezone", "service", "office", "language")


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continued with a leading space (RFC 5545 3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def to_ics(
    appointments: Sequence[AppointmentView], calendar_name: str, now: datetime, lang: str = "en"
) -> str:
    """An iCalendar file with one event per appointment (times in UTC)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Orienta//appointments//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    for view in appointments:
        service = view.service.name.get(lang) or view.service.name.get("en") or view.service.id
        lines += [
            "BEGIN:VEVENT",
            f"UID:orienta-appointment-{view.id}@orienta",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(view.slot.starts_at)}",
            f"DTEND:{_stamp(view.slot.ends_at)}",
            f"SUMMARY:{_escape(f'{service} (#{view.id}, {view.language})')}",
            f"LOCATION:{_escape(view.office.address)}",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


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
