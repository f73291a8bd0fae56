"""The dashboard's counts by UTC day, language and key, from the live rows — and the
same counts kept in ``daily_counts`` when a person is forgotten.

Each kind of count is one function over the live rows that can be narrowed to one
person: the dashboard runs it over a period, and :func:`archive_person` runs it over
everything of the person about to be forgotten and adds the result to ``daily_counts``
in the same transaction as the deletion, so the dashboard (live rows + archived
counts, see :func:`archived`) shows the same numbers before and after ``/forget``.
The archive costs nothing on an ordinary turn: it is written only when someone
forgets. The kinds:

- ``conversation``: conversations with an incoming message on that day (key ``""``);
- ``conversation_last``: archived only, the last such day of a forgotten conversation
  (a period ending now holds a conversation iff its last active day is in it);
- ``case``: cases opened; ``wait``: cases that reached a mediator, keyed by the whole
  minutes from opening to the claim or the first reply, whichever came first;
  ``rating``: cases rated, keyed by the rating (all by the day the case opened);
- ``appointment``: keyed ``booked``/``moved`` (day made), ``cancelled`` (day
  cancelled; a move's cancellation is not one), ``no_show`` (day of the slot).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from bot.store.models import Appointment, Case, Conversation, DailyCount, Message, Slot, User

__all__ = [
    "KINDS",
    "UNKNOWN",
    "Tally",
    "archive_person",
    "archived",
    "conversation_totals",
    "live",
    "minutes_between",
]

#: The language of a user who never chose one.
UNKNOWN = "unknown"
#: The kinds counted from live rows (``conversation_last`` is only ever archived).
KINDS = ("conversation", "case", "wait", "rating", "appointment")
#: (UTC day, language, key) -> count
Tally = Counter[tuple[date, str, str]]


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (rounded, never below 0)."""
    return max(0, round((end - start).total_seconds() / 60))


def live(
    session: Session, start: datetime | None, end: datetime | None, user_id: int | None = None
) -> dict[str, Tally]:
    """Every kind counted from the live rows between ``start`` and ``end`` (either may
    be None: no bound), of one person when ``user_id`` is given."""
    tallies = {kind: Tally() for kind in KINDS}
    tallies["conversation"] = _conversations(session, start, end, user_id)
    _cases(session, start, end, user_id, tallies)
    tallies["appointment"] = _appointments(session, start, end, user_id)
    return tallies


def archived(session: Session, first: date, last: date) -> dict[str, Tally]:
    """The archived counts of the days from ``first`` to ``last``, by kind."""
    query = (
        select(DailyCount.kind, DailyCount.day, DailyCount.lang, DailyCount.key)
        .add_columns(func.sum(DailyCount.count))
        .where(DailyCount.day >= first, DailyCount.day <= last)
        .group_by(DailyCount.kind, DailyCount.day, DailyCount.lang, DailyCount.key)
    )
    tallies: dict[str, Tally] = {}
    rows: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(query)]
    for kind, day, lang, key, count in rows:
        tallies.setdefault(kind, Tally())[_as_date(day), lang, key] += int(count)
    return tallies


def archive_person(session: Session, user_id: int) -> None:
    """Add everything the dashboard counts from the person ``user_id`` to the archive;
    called in the transaction that deletes their rows, before it deletes them."""
    tallies = live(session, None, None, user_id)
    days = tallies["conversation"]
    if days:
        last_day, lang, _ = max(days)
        tallies["conversation_last"] = Tally({(last_day, lang, ""): 1})
    rows = [
        {"day": day, "lang": lang[:8], "kind": kind, "key": key[:40], "count": count}
        for kind, tally in tallies.items()
        for (day, lang, key), count in tally.items()
        if count
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(DailyCount).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "lang", "kind", "key"],
            set_={"count": DailyCount.__table__.c.count + statement.excluded.count},
        )
    )


def conversation_totals(session: Session, start: datetime, end: datetime) -> Counter[str]:
    """Distinct live conversations with an incoming message in the period, by language."""
    query = (
        select(User.language, func.count(Message.conversation_id.distinct()))
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(User, User.id == Conversation.user_id)
        .where(Message.direction == "in", Message.created_at >= start, Message.created_at <= end)
        .group_by(User.language)
    )
    totals: Counter[str] = Counter()
    for lang, count in session.execute(query):
        totals[lang or UNKNOWN] += int(count)
    return totals


def _between(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    found = [] if start is None else [column >= start]
    return found if end is None else [*found, column <= end]


def _conversations(
    session: Session, start: datetime | None, end: datetime | None, user_id: int | None
) -> Tally:
    where = [Message.direction == "in", *_between(Message.created_at, start, end)]
    if user_id is not None:
        where.append(Conversation.user_id == user_id)
    inner = (
        select(
            Message.conversation_id.label("conv"),
            _utc_day(session, Message.created_at).label("day"),
            User.language.label("lang"),
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(User, User.id == Conversation.user_id)
        .where(*where)
        .distinct()
        .subquery()
    )
    query = select(inner.c.day, inner.c.lang, func.count()).group_by(inner.c.day, inner.c.lang)
    tally = Tally()
    rows: list[tuple[Any, ...]] = [tuple(row) for row in session.execute(query)]
    for day, lang, count in rows:
        tally[_as_date(day), lang or UNKNOWN, ""] += int(count)
    return tally


def _cases(
    session: Session,
    start: datetime | None,
    end: datetime | None,
    user_id: int | None,
    tallies: dict[str, Tally],
) -> None:
    query = select(
        Case.language, Case.created_at, Case.claimed_at, Case.first_reply_at, Case.rating
    ).where(*_between(Case.created_at, start, end))
    if user_id is not None:
        query = query.where(Case.user_id == user_id)
    for lang, created, claimed, replied, rating in session.execute(query):
        day = _utc(created).date()
        tallies["case"][day, lang, ""] += 1
        reached = [moment for moment in (claimed, replied) if moment is not None]
        if reached:
            tallies["wait"][day, lang, str(minutes_between(created, min(reached)))] += 1
        if rating:
            tallies["rating"][day, lang, str(rating)] += 1


def _appointments(
    session: Session, start: datetime | None, end: datetime | None, user_id: int | None
) -> Tally:
    """A move cancels the old appointment and books the new one at the same moment, and
    counts once, as a move."""
    newer, older = aliased(Appointment), aliased(Appointment)
    moved_away = (
        select(newer.id)
        .where(
            newer.user_id == Appointment.user_id,
            newer.id != Appointment.id,
            newer.created_at == Appointment.cancelled_at,
        )
        .exists()
    )
    moved_here = (
        select(older.id)
        .where(
            older.user_id == Appointment.user_id,
            older.id != Appointment.id,
            older.cancelled_at == Appointment.created_at,
        )
        .exists()
    )
    mine = [] if user_id is None else [Appointment.user_id == user_id]
    tally = Tally()
    made = select(Appointment.language, Appointment.created_at, moved_here).where(
        *_between(Appointment.created_at, start, end), *mine
    )
    for lang, at, move in session.execute(made):
        tally[_utc(at).date(), lang, "moved" if move else "booked"] += 1
    cancelled = select(Appointment.language, Appointment.cancelled_at).where(
        *_between(Appointment.cancelled_at, start, end), Appointment.cancelled_at.is_not(None)
    )
    for lang, when in session.execute(cancelled.where(~moved_away, *mine)):
        if when is not None:
            tally[_utc(when).date(), lang, "cancelled"] += 1
    missed = (
        select(Appointment.language, Slot.starts_at)
        .join(Slot, Slot.id == Appointment.slot_id)
        .where(Appointment.status == "no_show", *_between(Slot.starts_at, start, end), *mine)
    )
    for lang, at in session.execute(missed):
        tally[_utc(at).date(), lang, "no_show"] += 1
    return tally


def _utc_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC day of a timestamp column (SQLite keeps UTC already)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), column))
    return func.date(column)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
