"""Finding cases for the console, and what changed since a console page last looked.

Both keep to what the looker may see (see :func:`visible_clause`): an admin every case;
a mediator the cases in their languages, theirs, and the waiting cases open to all
(emergencies, languages no mediator on duty speaks). The rule is applied in SQL, so a
search or a change never reaches a page that may not show its case.

Words are looked for in the case's summary (the person's own words, kept only with
their consent, and the situation, region, topics and appointments) and in the messages
of the case — those only while the person's consent to keep messages stands. Matching
ignores case on both databases: SQLite gets a Unicode ``unicode_lower`` function from
:func:`bot.store.database.make_engine` (its own ``lower`` knows only ASCII), PostgreSQL
uses ``lower``; the words come lowercased (``str.lower``).

Changes are read from ``case_events``, which every change of a case writes in its own
transaction: a page polls the newest event id (one index lookup) and reads the events
after the one it saw, so several workers serve live pages without sharing memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.store.cases import OPEN, CaseBook, CaseView, Visibility, visible_clause
from bot.store.models import Case, CaseEvent, CaseMessage, User
from bot.store.repository import Store

__all__ = [
    "MAX_CANDIDATES",
    "CaseChange",
    "CaseSearch",
    "Found",
    "changes_after",
    "find_cases",
    "latest_event",
    "visible_open",
]

#: A word search looks at most at this many cases (newest first within the order).
MAX_CANDIDATES = 2000
#: (languages, mediator id) of a mediator; None for an admin, who sees every case.


@dataclass(frozen=True)
class CaseSearch:
    """What to look for: statuses, a case number, language, urgency, words (each must
    occur), the order (most urgent first, else newest first) and the page."""

    statuses: tuple[str, ...] = OPEN
    number: int | None = None
    language: str | None = None
    urgency: str | None = None
    words: tuple[str, ...] = ()
    newest: bool = False
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class Found:
    cases: list[CaseView]
    total: int


@dataclass(frozen=True)
class CaseChange:
    """A case event as a console page may learn of it: which case, what kind of change
    and the case as it is now — never the event's payload (it holds message text)."""

    event: int
    case_id: int
    kind: str
    status: str
    urgency: str
    language: str
    mediator_id: int | None


def find_cases(
    store: Store, search: CaseSearch, visible_to: Visibility, covered: Iterable[str]
) -> Found:
    """One page of the cases that match, and how many match in all."""
    covered = list(covered)
    conditions = _conditions(search, visible_to, covered)
    rank = case((Case.urgency == "emergency", 2), (Case.urgency == "high", 1), else_=0)
    order = (
        (Case.created_at.desc(), Case.id.desc())
        if search.newest
        else (rank.desc(), Case.created_at.desc(), Case.id.desc())
    )
    with store.session() as session:
        if not search.words:
            total = session.scalar(select(func.count()).select_from(Case).where(*conditions))
            rows = session.scalars(
                select(Case).where(*conditions).order_by(*order).offset(search.offset)
            ).fetchmany(search.limit)
            return Found([CaseBook._view(session, row) for row in rows], int(total or 0))
        ids = _matching_words(session, search.words, conditions, order)
        page = ids[search.offset : search.offset + search.limit]
        by_id = {row.id: row for row in session.scalars(select(Case).where(Case.id.in_(page)))}
        return Found([CaseBook._view(session, by_id[i]) for i in page if i in by_id], len(ids))


def latest_event(store: Store) -> int:
    """The newest case event's id (0 when there is none): the cheap "anything new?"."""
    with store.session() as session:
        return int(session.scalar(select(func.max(CaseEvent.id))) or 0)


def changes_after(
    store: Store,
    after: int,
    visible_to: Visibility,
    covered: Iterable[str],
    *,
    limit: int = 200,
) -> list[CaseChange]:
    """The events after ``after`` about cases ``visible_to`` may see now, oldest first."""
    query = (
        select(CaseEvent.id, CaseEvent.kind, Case)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.id > after)
        .order_by(CaseEvent.id)
        .limit(limit)
    )
    clause = visible_clause(visible_to, covered)
    if clause is not None:
        query = query.where(clause)
    with store.session() as session:
        return [
            CaseChange(event, row.id, kind, row.status, row.urgency, row.language, row.mediator_id)
            for event, kind, row in session.execute(query)
        ]


def visible_open(store: Store, visible_to: Visibility, covered: Iterable[str]) -> frozenset[int]:
    """The open cases ``visible_to`` may see now (to tell a page which left its view)."""
    query = select(Case.id).where(Case.status.in_(OPEN))
    clause = visible_clause(visible_to, covered)
    if clause is not None:
        query = query.where(clause)
    with store.session() as session:
        return frozenset(session.scalars(query))


# -- helpers ---------------------------------------------------------------------------
def _conditions(
    search: CaseSearch, visible_to: Visibility, covered: list[str]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if search.number is not None:
        conditions.append(Case.id == search.number)  # a number finds the case in any status
    else:
        conditions.append(Case.status.in_(list(search.statuses)))
    if search.language:
        conditions.append(Case.language == search.language)
    if search.urgency:
        conditions.append(Case.urgency == search.urgency)
    clause = visible_clause(visible_to, covered)
    if clause is not None:
        conditions.append(clause)
    return conditions


def _matching_words(
    session: Session,
    words: tuple[str, ...],
    conditions: list[ColumnElement[bool]],
    order: tuple[Any, ...],
) -> list[int]:
    """The ids, in order, of the cases where every word occurs. SQL narrows the cases
    down (the summary's stored text, or a message); the summary is then read as the
    mediator reads it, so its field names never match."""
    fold = func.unicode_lower if session.get_bind().dialect.name == "sqlite" else func.lower
    consented = (
        select(User.id).where(User.id == Case.user_id, User.consent_at.is_not(None)).exists()
    )
    in_messages = [
        and_(
            consented,
            exists().where(
                CaseMessage.case_id == Case.id,
                CaseMessage.body.is_not(None),
                fold(CaseMessage.body).like(_pattern(word), escape="\\"),
            ),
        )
        for word in words
    ]
    in_summary = [fold(Case.summary).like(_pattern(word), escape="\\") for word in words]
    query = (
        select(Case.id, Case.summary, *(m.label(f"m{i}") for i, m in enumerate(in_messages)))
        .where(*conditions, *(or_(s, m) for s, m in zip(in_summary, in_messages, strict=True)))
        .order_by(*order)
        .limit(MAX_CANDIDATES)
    )
    ids = []
    for row in session.execute(query):
        said = _summary_text(row.summary)
        if all(row[2 + i] or word in said for i, word in enumerate(words)):
            ids.append(int(row.id))
    return ids


def _pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _summary_text(stored: str | None) -> str:
    """The summary's searchable text, lowercased: the person's words, situation, region,
    topics, crisis kind, and the appointments' services and offices."""
    try:
        summary = json.loads(stored) if stored else {}
    except ValueError:
        return ""
    if not isinstance(summary, dict):
        return ""
    parts: list[str] = [str(w) for w in summary.get("words", ())]
    parts += [
        str(m.get("text", ""))
        for m in summary.get("messages", ())
        if isinstance(m, dict) and m.get("dir") == "in"
    ]
    parts += [str(summary.get(k) or "") for k in ("region", "audience", "crisis")]
    parts += [str(t) for t in summary.get("topics", ())]
    situation = summary.get("situation") or {}
    if isinstance(situation, dict):
        parts += [str(v) for v in situation.values()]
    for appointment in summary.get("appointments", ()):
        for key in ("service", "office"):
            names = appointment.get(key) if isinstance(appointment, dict) else None
            if isinstance(names, dict):
                parts += [str(v) for v in names.values()]
    return "\n".join(parts).lower()
