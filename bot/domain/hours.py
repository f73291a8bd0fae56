"""Weekly hours: offices' opening hours and mediators' working hours.

In memory, hours map a weekday (0 = Monday) to (opens, closes) ranges in local
time; stored as JSON, weekday names map to ``"HH:MM-HH:MM"`` strings. Pure
functions: the moment to judge is always passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time, get_day_names

from bot.domain.content import WEEKDAYS, Hours, parse_range

__all__ = [
    "ReversedRange",
    "format_hours",
    "hours_from_json",
    "hours_to_json",
    "is_open",
    "next_opening",
    "parse_hours",
]

_SPEC = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}"
    r"(?:\s*-\s*[a-z]{3})?)*)\s+(?P<ranges>.+)$"
)


class ReversedRange(ValueError):
    """A range that closes before it opens ("17:00-09:00"); ``span`` is as written."""

    def __init__(self, span: str) -> None:
        super().__init__(f"in {span!r} the closing time must be after the opening time")
        self.span = span


def hours_to_json(hours: Hours) -> dict[str, list[str]]:
    """Hours as stored: weekday name to "HH:MM-HH:MM" ranges."""
    return {
        WEEKDAYS[day]: [f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges]
        for day, ranges in sorted(hours.items())
    }


def hours_from_json(raw: Mapping[str, Sequence[str]]) -> Hours:
    """Stored hours back in memory (unknown days and bad ranges are skipped)."""
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for day, ranges in raw.items():
        if day in WEEKDAYS:
            parsed = (parse_range(r) for r in ranges)
            hours[WEEKDAYS.index(day)] = tuple(sorted(r for r in parsed if r is not None))
    return hours


def parse_hours(text: str) -> Hours:
    """Hours written by a person: ``"mon-fri 09:00-17:00; sat 10:00-12:00, 14:00-16:00"``
    or ``"always"``. Raises ValueError naming the part it cannot read."""
    if text.strip().lower() in ("always", "24/7"):
        return {day: ((time(0, 0), time(23, 59)),) for day in range(7)}
    hours: dict[int, list[tuple[time, time]]] = {}
    for part in filter(None, (p.strip().lower() for p in text.split(";"))):
        match = _SPEC.match(part)
        if match is None:
            raise ValueError(f"cannot read {part!r} (write e.g. 'mon-fri 09:00-17:00')")
        ranges = []
        for item in match.group("ranges").split(","):
            parsed = parse_range(item.strip())
            if parsed is None and parse_range("-".join(item.strip().split("-")[::-1])):
                raise ReversedRange(item.strip())
            if parsed is None:
                raise ValueError(f"{item.strip()!r} is not a time range like 09:00-17:00")
            ranges.append(parsed)
        for day in _days(match.group("days")):
            hours.setdefault(day, []).extend(ranges)
    if not hours:
        raise ValueError("no hours given")
    return {day: tuple(sorted(ranges)) for day, ranges in hours.items()}


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for item in spec.split(","):
        first, _, last = (x.strip() for x in item.partition("-"))
        for name in (first, last or first):
            if name not in WEEKDAYS:
                raise ValueError(f"unknown weekday {name!r} (use {', '.join(WEEKDAYS)})")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days.extend(
            range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
        )
    return days


def is_open(hours: Hours, timezone: str, now: datetime) -> bool:
    """Whether ``now`` falls in the hours, in their time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    return any(opens <= local.time() < closes for opens, closes in hours.get(local.weekday(), ()))


def next_opening(hours: Hours, timezone: str, now: datetime) -> datetime | None:
    """The next moment the hours begin after ``now`` (aware, in their zone), or None
    when there are no hours at all."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for opens, _closes in hours.get(day.weekday(), ()):
            moment = datetime.combine(day, opens, zone)
            if moment > local:
                return moment
    return None


def format_hours(hours: Hours, lang: str) -> str:
    """Hours for people, in ``lang``: ``"mar. 09:00–12:00, 15:00–17:00 · jeu. …"``."""
    names = get_day_names("abbreviated", locale=lang)
    parts = []
    for day, ranges in sorted(hours.items()):
        times = ", ".join(
            f"{format_time(a, 'short', locale=lang)}–{format_time(b, 'short', locale=lang)}"
            for a, b in ranges
        )
        if times:
            parts.append(f"{names[day]} {times}")
    return " · ".join(parts)
