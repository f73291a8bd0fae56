"""The console dashboard's numbers for a period: conversations per day and language,
time to a mediator (median and 90th percentile), ratings, appointments, where people
drop out of flows, rights questions no article answered and "did this help?".

A period is the last ``days`` UTC days up to now (today counts as one). Counts come
from :class:`bot.store.stats.StatsBook`, which adds what was archived when people
used ``/forget``. The one rule for small numbers lives here: a count from 1 to 4 is
shown as ``<5`` (:func:`shown_count`) and never drawn with its value
(:func:`visible`); a median or percentile is given only when at least five cases
make it. Tables, charts and the CSV export (:func:`export_rows`) all follow it.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.engine.state import waiting_at
from bot.store.repository import Store
from bot.store.stats import DropOut, Feedback, Gap, StatsBook
from bot.store.tallies import UNKNOWN

__all__ = [
    "APPOINTMENT_STATUSES",
    "MIN_COUNT",
    "PERIODS",
    "UNKNOWN",
    "AppointmentCounts",
    "Dashboard",
    "DashboardService",
    "DayCount",
    "DropOut",
    "Escalations",
    "Feedback",
    "Gap",
    "export_rows",
    "percentile",
    "period_start",
    "shown_count",
    "shown_minutes",
    "visible",
]

#: The periods the dashboard offers, in days.
PERIODS = (7, 30, 90, 365)
#: Counts below this (but above 0) are shown as "<5" and not drawn.
MIN_COUNT = 5
APPOINTMENT_STATUSES = ("booked", "moved", "cancelled", "no_show")


def shown_count(count: int) -> str:
    """A count as shown and exported: ``<5`` from 1 to 4, the number otherwise."""
    return f"<{MIN_COUNT}" if 0 < count < MIN_COUNT else str(count)


def visible(count: int) -> int | None:
    """A count that may be drawn, or None when it is too small to show."""
    return None if 0 < count < MIN_COUNT else count


def shown_minutes(minutes: float | None, cases: int) -> str:
    """Minutes as shown: one decimal from five cases on, ``<5`` below, "" with none."""
    if minutes is None or not cases:
        return ""
    return f"{minutes:.1f}" if cases >= MIN_COUNT else f"<{MIN_COUNT}"


def percentile(values: list[int], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.9 for the 90th) of ``values``."""
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def period_start(now: datetime, days: int) -> datetime:
    """The UTC midnight that starts the last ``days`` days up to ``now``."""
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(), UTC)


@dataclass(frozen=True)
class DayCount:
    """Distinct conversations with an incoming message on ``day``, by user language."""

    day: date
    lang: str
    conversations: int


@dataclass(frozen=True)
class Escalations:
    """Cases opened in a language, how many reached a mediator (claimed or answered),
    and the median and 90th percentile of the minutes it took (None when none did)."""

    lang: str
    cases: int
    reached: int
    median_minutes: float | None
    p90_minutes: float | None = None


@dataclass(frozen=True)
class AppointmentCounts:
    """Appointments in a language: new bookings, moves, cancellations, no-shows."""

    lang: str
    booked: int = 0
    moved: int = 0
    cancelled: int = 0
    no_show: int = 0


@dataclass(frozen=True)
class Dashboard:
    """Every count of the dashboard for one period."""

    days: int
    start: datetime
    end: datetime
    conversations: list[DayCount]
    #: Distinct conversations over the whole period, by language.
    conversation_totals: dict[str, int]
    dropouts: list[DropOut]
    gaps: list[Gap]
    escalations: list[Escalations]
    #: Ratings 1 to 5 of the cases opened in the period: rating -> cases.
    ratings: dict[int, int]
    appointments: list[AppointmentCounts]
    feedback: list[Feedback]
    languages: list[str] = field(default_factory=list)

    def conversation_table(self) -> list[tuple[date, dict[str, int]]]:
        """Days with conversations, newest first, each with its count per language."""
        by_day: dict[date, dict[str, int]] = {}
        for row in self.conversations:
            by_day.setdefault(row.day, {})[row.lang] = row.conversations
        return sorted(by_day.items(), reverse=True)

    def days_in_period(self) -> list[date]:
        """Every day of the period, oldest first."""
        first = self.start.date()
        return [first + timedelta(days=i) for i in range((self.end.date() - first).days + 1)]

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())


class DashboardService:
    """Builds the :class:`Dashboard` of a period from the store."""

    def __init__(self, store: Store) -> None:
        self.stats = StatsBook(store)

    def board(self, now: datetime, days: int) -> Dashboard:
        """Every count of the last ``days`` days up to ``now``."""
        start = period_start(now, days)
        counts = self.stats.counts(start, now)
        conversations = [
            DayCount(day, lang, count)
            for (day, lang, _), count in sorted(counts.of("conversation").items())
            if count
        ]
        totals = counts.conversation_totals
        ratings: Counter[int] = Counter()
        for (_, _, key), count in counts.of("rating").items():
            ratings[int(key)] += count
        return Dashboard(
            days=days,
            start=start,
            end=now,
            conversations=conversations,
            conversation_totals=totals,
            dropouts=self.stats.dropouts(start, now, waiting_at),
            gaps=self.stats.gaps(start, now),
            escalations=_escalations(counts.of("case"), counts.of("wait")),
            ratings={rating: ratings[rating] for rating in range(1, 6)},
            appointments=_appointments(counts.of("appointment")),
            feedback=self.stats.feedback(start, now),
            languages=sorted({d.lang for d in conversations} | set(totals)),
        )


def _escalations(
    cases: Counter[tuple[date, str, str]], waits: Counter[tuple[date, str, str]]
) -> list[Escalations]:
    opened: Counter[str] = Counter()
    for (_, lang, _), count in cases.items():
        opened[lang] += count
    minutes: dict[str, list[int]] = {}
    for (_, lang, key), count in waits.items():
        minutes.setdefault(lang, []).extend([int(key)] * count)
    return [
        Escalations(
            lang,
            count,
            len(minutes.get(lang, ())),
            float(statistics.median(minutes[lang])) if minutes.get(lang) else None,
            percentile(minutes[lang], 0.9) if minutes.get(lang) else None,
        )
        for lang, count in sorted(opened.items())
    ]


def _appointments(tally: Counter[tuple[date, str, str]]) -> list[AppointmentCounts]:
    by_lang: dict[str, Counter[str]] = {}
    for (_, lang, status), count in tally.items():
        by_lang.setdefault(lang, Counter())[status] += count
    return [
        AppointmentCounts(lang, **{status: c[status] for status in APPOINTMENT_STATUSES})
        for lang, c in sorted(by_lang.items())
    ]


def export_rows(board: Dashboard) -> Iterator[tuple[str, str, str, str, str]]:
    """The export's rows: (metric, key, key, key, value), small counts suppressed."""
    yield (
        "period",
        board.start.date().isoformat(),
        board.end.date().isoformat(),
        "",
        str(board.days),
    )
    for day in board.conversations:
        yield ("conversations", day.day.isoformat(), day.lang, "", shown_count(day.conversations))
    for lang, count in sorted(board.conversation_totals.items()):
        yield ("conversations_in_period", lang, "", "", shown_count(count))
    for drop in board.dropouts:
        yield ("dropouts", drop.flow, drop.step, "", shown_count(drop.conversations))
    for gap in board.gaps:
        yield ("unanswered_questions", gap.topic, gap.lang, gap.region, shown_count(gap.questions))
    for esc in board.escalations:
        yield ("escalations", esc.lang, "", "", shown_count(esc.cases))
        yield ("reached_mediator", esc.lang, "", "", shown_count(esc.reached))
        for metric, minutes in (
            ("time_to_mediator_median_minutes", esc.median_minutes),
            ("time_to_mediator_p90_minutes", esc.p90_minutes),
        ):
            if shown := shown_minutes(minutes, esc.reached):
                yield (metric, esc.lang, "", "", shown)
    for rating, count in sorted(board.ratings.items()):
        yield ("ratings", str(rating), "", "", shown_count(count))
    for appt in board.appointments:
        for status in APPOINTMENT_STATUSES:
            yield ("appointments", appt.lang, status, "", shown_count(getattr(appt, status)))
    for fb in board.feedback:
        yield ("article_feedback", fb.article_id, "yes", "", shown_count(fb.helpful))
        yield ("article_feedback", fb.article_id, "no", "", shown_count(fb.not_helpful))
