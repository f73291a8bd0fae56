"""Anonymous counts for the console's dashboard, and the counter of rights questions the
knowledge base could not answer.

Everything here is a count over a period (the last ``days`` days up to ``now``):
conversations per day and language, where people stopped inside a flow, unanswered
rights questions, escalations and the time to a mediator's first reply, appointments,
"did this help?" and the 1–5 ratings of finished cases. Days are UTC days.

:func:`export_rows` turns a :class:`Dashboard` into the rows of its CSV export, in
which a count from 1 to 4 reads ``<5`` (so no one can be recognised from a small
number) and a median is given only when at least five cases make it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bot.engine.state import State
from bot.store.models import (
    Appointment,
    ArticleFeedback,
    Case,
    Conversation,
    Message,
    QuestionGap,
    Slot,
    User,
)
from bot.store.repository import Store

__all__ = [
    "MIN_COUNT",
    "PERIODS",
    "UNKNOWN",
    "AppointmentCounts",
    "Dashboard",
    "DayCount",
    "DropOut",
    "Escalations",
    "Feedback",
    "Gap",
    "StatsBook",
    "export_rows",
    "shown_count",
]

#: The periods the dashboard offers, in days.
PERIODS = (7, 30, 90, 365)
#: Exports write counts below this as "<5".
MIN_COUNT = 5
#: The language of a user who never chose one.
UNKNOWN = "unknown"
#: A conversation idle this long inside a flow counts as a drop-out.
IDLE = timedelta(hours=24)
_BATCH = 500
_RETRIES = 8


@dataclass(frozen=True)
class DayCount:
    """Distinct conversations with an incoming message on ``day``, by user language."""

    day: date
    lang: str
    conversations: int


@dataclass(frozen=True)
class DropOut:
    """Conversations left waiting at a flow's step for more than a day."""

    flow: str
    step: str
    conversations: int


@dataclass(frozen=True)
class Gap:
    """Rights questions no article answered, for a topic, language and region."""

    topic: str
    lang: str
    region: str
    questions: int


@dataclass(frozen=True)
class Escalations:
    """Cases opened in a language, how many got a mediator's reply, and the median
    minutes from opening to that first reply (None when none was answered)."""

    lang: str
    cases: int
    replied: int
    median_minutes: float | None


@dataclass(frozen=True)
class AppointmentCounts:
    """Appointments in a language: new bookings, moves, cancellations, no-shows."""

    lang: str
    booked: int = 0
    moved: int = 0
    cancelled: int = 0
    no_show: int = 0


@dataclass(frozen=True)
class Feedback:
    """ "Did this help?" answers for an article."""

    article_id: str
    helpful: int
    not_helpful: int


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


def shown_count(count: int) -> str:
    """A count as exported: ``<5`` from 1 to 4, the number otherwise."""
    return "<5" if 0 < count < MIN_COUNT else str(count)


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
        median = (
            f"{esc.median_minutes:.1f}"
            if esc.median_minutes is not None and esc.replied >= MIN_COUNT
            else "<5"
            if esc.replied
            else ""
        )
        if median:
            yield ("first_reply_median_minutes", esc.lang, "", "", median)
    for rating, count in sorted(board.ratings.items()):
        yield ("ratings", str(rating), "", "", shown_count(count))
    for appt in board.appointments:
        for status in ("booked", "moved", "cancelled", "no_show"):
            yield ("appointments", appt.lang, status, "", shown_count(getattr(appt, status)))
    for fb in board.feedback:
        yield ("article_feedback", fb.article_id, "yes", "", shown_count(fb.helpful))
        yield ("article_feedback", fb.article_id, "no", "", shown_count(fb.not_helpful))


class StatsBook:
    """The dashboard's queries over the store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- counting ------------------------------------------------------------------------
    def record_gap(self, day: date, lang: str, topic: str, region: str) -> None:
        """Count one unanswered rights question (never its text). Safe when several
        workers count the same gap at once: the UPDATE adds one to an existing row;
        without one the INSERT creates it, and if another worker created it meanwhile
        the unique key refuses the INSERT and the UPDATE is tried again."""
        lang, topic, region = lang[:8], topic[:32], region[:40]
        key = (
            QuestionGap.day == day,
            QuestionGap.lang == lang,
            QuestionGap.topic == topic,
            QuestionGap.region == region,
        )
        for _ in range(_RETRIES):
            try:
                with self.store.session() as session, session.begin():
                    hit = session.execute(
                        update(QuestionGap).where(*key).values(count=QuestionGap.count + 1)
                    )
                    if hit.rowcount == 0:  # type: ignore[attr-defined]
                        session.add(
                            QuestionGap(day=day, lang=lang, topic=topic, region=region, count=1)
                        )
                return
            except IntegrityError:
                continue  # created by another worker meanwhile: add to it
        raise RuntimeError(f"could not count a question gap for {day} {lang} {topic}")

    # -- the dashboard -------------------------------------------------------------------
    def dashboard(self, now: datetime, days: int) -> Dashboard:
        """Every count of the last ``days`` days up to ``now``."""
        start = now - timedelta(days=days)
        conversations = self.conversations_per_day(start, now)
        totals = self.conversation_totals(start, now)
        escalations = self.escalations(start, now)
        appointments = self.appointments(start, now)
        languages = sorted({d.lang for d in conversations} | set(totals))
        return Dashboard(
            days=days,
            start=start,
            end=now,
            conversations=conversations,
            conversation_totals=totals,
            dropouts=self.dropouts(start, now),
            gaps=self.gaps(start, now),
            escalations=escalations,
            ratings=self.ratings(start, now),
            appointments=appointments,
            feedback=self.feedback(start, now),
            languages=languages,
        )

    def conversations_per_day(self, start: datetime, end: datetime) -> list[DayCount]:
        """Distinct conversations with an incoming message per UTC day and language."""
        inner = (
            select(
                Message.conversation_id.label("conv"),
                self._utc_day(Message.created_at).label("day"),
                User.language.label("lang"),
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(User, User.id == Conversation.user_id)
            .where(
                Message.direction == "in", Message.created_at >= start, Message.created_at <= end
            )
            .distinct()
            .subquery()
        )
        query = select(inner.c.day, inner.c.lang, func.count()).group_by(inner.c.day, inner.c.lang)
        with self.store.session() as session:
            rows: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(query)]
        counts: Counter[tuple[date, str]] = Counter()
        for day, lang, count in rows:
            counts[_as_date(day), lang or UNKNOWN] += int(count)
        return [
            DayCount(day, lang, count)
            for (day, lang), count in sorted(counts.items(), key=lambda i: i[0])
        ]

    def conversation_totals(self, start: datetime, end: datetime) -> dict[str, int]:
        """Distinct conversations with an incoming message in the period, by language."""
        query = (
            select(User.language, func.count(Message.conversation_id.distinct()))
            .select_from(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(User, User.id == Conversation.user_id)
            .where(
                Message.direction == "in", Message.created_at >= start, Message.created_at <= end
            )
            .group_by(User.language)
        )
        with self.store.session() as session:
            rows = session.execute(query).all()
        totals: Counter[str] = Counter()
        for lang, count in rows:
            totals[lang or UNKNOWN] += int(count)
        return dict(totals)

    def dropouts(self, start: datetime, end: datetime) -> list[DropOut]:
        """Conversations last active in the period but more than a day before ``end``,
        still waiting for an answer inside a flow, by the flow and step they wait at.
        Conversations a mediator owns are not drop-outs. Read in batches."""
        idle_since = end - IDLE
        counts: Counter[tuple[str, str]] = Counter()
        last = 0
        while True:
            query = (
                select(Conversation.id, Conversation.state)
                .where(
                    Conversation.id > last,
                    Conversation.updated_at >= start,
                    Conversation.updated_at < idle_since,
                    ~Conversation.owner.startswith("case:"),
                )
                .order_by(Conversation.id)
                .limit(_BATCH)
            )
            with self.store.session() as session:
                rows = session.execute(query).all()
            for _, data in rows:
                frame, waiting = _waiting_at(data if isinstance(data, Mapping) else None)
                if frame is not None and waiting:
                    counts[frame] += 1
            if len(rows) < _BATCH:
                break
            last = rows[-1][0]
        return [
            DropOut(flow, step, count)
            for (flow, step), count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
        ]

    def gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """Unanswered rights questions per topic, language and region, most first."""
        total = func.sum(QuestionGap.count)
        query = (
            select(QuestionGap.topic, QuestionGap.lang, QuestionGap.region, total)
            .where(QuestionGap.day >= start.date(), QuestionGap.day <= end.date())
            .group_by(QuestionGap.topic, QuestionGap.lang, QuestionGap.region)
        )
        with self.store.session() as session:
            rows = session.execute(query).all()
        gaps = [Gap(topic, lang, region, int(count)) for topic, lang, region, count in rows]
        return sorted(gaps, key=lambda g: (-g.questions, g.topic, g.lang, g.region))

    def escalations(self, start: datetime, end: datetime) -> list[Escalations]:
        """Cases opened in the period per language, with the median minutes to the first
        reply of a mediator (computed here: the cases of a period are few)."""
        query = select(Case.language, Case.created_at, Case.first_reply_at).where(
            Case.created_at >= start, Case.created_at <= end
        )
        cases: Counter[str] = Counter()
        waits: dict[str, list[float]] = {}
        with self.store.session() as session:
            for lang, created, replied in session.execute(query):
                cases[lang] += 1
                if replied is not None:
                    waits.setdefault(lang, []).append((replied - created).total_seconds() / 60)
        return [
            Escalations(
                lang,
                count,
                len(waits.get(lang, ())),
                statistics.median(waits[lang]) if waits.get(lang) else None,
            )
            for lang, count in sorted(cases.items())
        ]

    def ratings(self, start: datetime, end: datetime) -> dict[int, int]:
        """How many cases opened in the period got each rating from 1 to 5."""
        query = (
            select(Case.rating, func.count())
            .where(Case.created_at >= start, Case.created_at <= end, Case.rating.is_not(None))
            .group_by(Case.rating)
        )
        with self.store.session() as session:
            found = {int(rating or 0): int(count) for rating, count in session.execute(query)}
        return {rating: found.get(rating, 0) for rating in range(1, 6)}

    def appointments(self, start: datetime, end: datetime) -> list[AppointmentCounts]:
        """Per language: bookings made, moves (a move cancels the old appointment and
        books the new one at the same moment, and counts once, as a move),
        cancellations, and no-shows of appointments due in the period."""
        newer = aliased(Appointment)
        moved_away = (
            select(newer.id)
            .where(
                newer.user_id == Appointment.user_id,
                newer.id != Appointment.id,
                newer.created_at == Appointment.cancelled_at,
            )
            .exists()
        )
        older = aliased(Appointment)
        moved_here = (
            select(older.id)
            .where(
                older.user_id == Appointment.user_id,
                older.id != Appointment.id,
                older.cancelled_at == Appointment.created_at,
            )
            .exists()
        )
        counts: dict[str, Counter[str]] = {}
        with self.store.session() as session:
            made = (
                select(Appointment.language.label("lang"), moved_here.label("move"))
                .where(Appointment.created_at >= start, Appointment.created_at <= end)
                .subquery()
            )
            rows: list[tuple[Any, ...]] = [
                tuple(row)
                for row in session.execute(
                    select(made.c.lang, made.c.move, func.count()).group_by(
                        made.c.lang, made.c.move
                    )
                )
            ]
            for lang, move, count in rows:
                counts.setdefault(lang, Counter())["moved" if move else "booked"] += int(count)
            for lang, count in session.execute(
                select(Appointment.language, func.count())
                .where(
                    Appointment.cancelled_at >= start, Appointment.cancelled_at <= end, ~moved_away
                )
                .group_by(Appointment.language)
            ):
                counts.setdefault(lang, Counter())["cancelled"] += count
            for lang, count in session.execute(
                select(Appointment.language, func.count())
                .join(Slot, Slot.id == Appointment.slot_id)
                .where(
                    Appointment.status == "no_show", Slot.starts_at >= start, Slot.starts_at <= end
                )
                .group_by(Appointment.language)
            ):
                counts.setdefault(lang, Counter())["no_show"] += count
        return [
            AppointmentCounts(lang, **{k: int(v) for k, v in c.items()})
            for lang, c in sorted(counts.items())
        ]

    def feedback(self, start: datetime, end: datetime) -> list[Feedback]:
        """ "Did this help?" answers given in the period, per article."""
        query = (
            select(ArticleFeedback.article_id, ArticleFeedback.helpful, func.count())
            .where(ArticleFeedback.created_at >= start, ArticleFeedback.created_at <= end)
            .group_by(ArticleFeedback.article_id, ArticleFeedback.helpful)
        )
        answers: dict[str, Counter[bool]] = {}
        with self.store.session() as session:
            for article_id, helpful, count in session.execute(query):
                answers.setdefault(article_id, Counter())[bool(helpful)] += int(count)
        return [
            Feedback(article_id, c[True], c[False]) for article_id, c in sorted(answers.items())
        ]

    def _utc_day(self, column: Any) -> ColumnElement[Any]:
        """The UTC day of a timestamp column (SQLite keeps UTC already)."""
        if self.store.engine.dialect.name == "postgresql":
            return func.date(func.timezone(literal_column("'UTC'"), column))
        return func.date(column)


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _waiting_at(data: Mapping[str, Any] | None) -> tuple[tuple[str, str] | None, str]:
    """The (flow, step) a stored state waits at, and what it waits for ("" if done)."""
    try:
        state = State.from_dict(data)
    except (TypeError, ValueError):
        return None, ""
    frame = state.frame
    return ((frame.flow, frame.step) if frame else None), state.waiting
