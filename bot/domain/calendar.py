"""Slot calendars: the times an office offers a service, from its weekly hours,
and the days a list of free times falls on.

Pure: given an office's hours, closed days and time zone, and a date range, it
returns the slots in UTC. Local times that do not exist (the hour skipped when
clocks go forward) are left out; the repeated hour when clocks go back is
offered once. Days are the office's local days, named in the person's language
(Babel).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton

__all__ = ["PlannedSlot", "calendar_slots", "day_label", "day_title", "local_days"]


@dataclass(frozen=True)
class PlannedSlot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    capacity: int


def _exists(local: datetime) -> bool:
    """False for a wall-clock time skipped by a daylight-saving change."""
    there_and_back = local.astimezone(UTC).astimezone(local.tzinfo)
    return there_and_back.replace(tzinfo=None) == local.replace(tzinfo=None)


def calendar_slots(
    hours: Mapping[int, tuple[tuple[time, time], ...]],
    closed: frozenset[date] | set[date],
    timezone: str,
    minutes: int,
    capacity: int,
    first: date,
    days: int,
) -> Iterator[PlannedSlot]:
    """Slots of ``minutes`` from ``first`` for ``days`` days (local dates).

    A slot must end by closing time; closed days have none.
    """
    zone = ZoneInfo(timezone)
    length = timedelta(minutes=minutes)
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day in closed:
            continue
        for opens, closes in hours.get(day.weekday(), ()):
            start = datetime.combine(day, opens, zone)
            end_of_range = datetime.combine(day, closes, zone)
            while start + length <= end_of_range:
                if _exists(start) and start.fold == 0:
                    begins = start.astimezone(UTC)
                    yield PlannedSlot(begins, begins + length, capacity)
                start = datetime.combine(day, (start + length).time(), zone)


def local_days(starts: Iterable[datetime], timezone: str) -> list[date]:
    """The local days (in ``timezone``) the moments ``starts`` fall on, in order, once each."""
    zone = ZoneInfo(timezone)
    return list(dict.fromkeys(start.astimezone(zone).date() for start in starts))


def day_label(day: date, lang: str) -> str:
    """A day as a short button label in ``lang`` ("mar 15 dic", "вт, 15 груд.")."""
    return format_skeleton("MMMEd", datetime.combine(day, time(12)), locale=lang)


def day_title(day: date, lang: str) -> str:
    """A day in full in ``lang`` ("martedì 15 dicembre 2026")."""
    return format_date(day, format="full", locale=lang)
