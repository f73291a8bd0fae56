"""The dashboard's reads over the store, and the counter of rights questions the
knowledge base could not answer.

:meth:`StatsBook.counts` gives the counts by UTC day, language and key of
:mod:`bot.store.tallies` over a period — the live rows plus what was archived when
people were forgotten, so ``/forget`` never lowers them. Drop-outs (where people wait
inside a flow), unanswered rights questions and "did this help?" are read here too:
the first is a snapshot of live conversations, the other two are anonymous already.
Shaping, small-count suppression and the export are :mod:`bot.services.dashboard`'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.store import tallies
from bot.store.models import ArticleFeedback, Conversation, QuestionGap
from bot.store.repository import Store
from bot.store.tallies import Tally

__all__ = ["IDLE", "Counts", "DropOut", "Feedback", "Gap", "StatsBook"]

#: A conversation idle this long inside a flow counts as a drop-out.
IDLE = timedelta(hours=24)
_BATCH = 500
_RETRIES = 8


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
class Feedback:
    """ "Did this help?" answers for an article."""

    article_id: str
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Counts:
    """The counts of a period by kind (see :mod:`bot.store.tallies`), live and
    archived together, and the distinct conversations of the period by language."""

    by_kind: dict[str, Tally]
    conversation_totals: dict[str, int]

    def of(self, kind: str) -> Tally:
        return self.by_kind.get(kind, Tally())


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

    # -- reading -------------------------------------------------------------------------
    def counts(self, start: datetime, end: datetime) -> Counts:
        """The counts from ``start`` (a UTC midnight) to ``end`` (now): live rows plus
        the archived counts of the same days."""
        with self.store.session() as session:
            live = tallies.live(session, start, end)
            kept = tallies.archived(session, start.date(), end.date())
            totals = tallies.conversation_totals(session, start, end)
        for kind, tally in kept.items():
            live.setdefault(kind, Tally()).update(tally)
        for (_, lang, _), count in live.pop("conversation_last", Tally()).items():
            totals[lang] += count
        return Counts(live, dict(totals))

    def dropouts(
        self,
        start: datetime,
        end: datetime,
        waiting_at: Callable[[Mapping[str, Any] | None], tuple[str, str] | None],
    ) -> list[DropOut]:
        """Conversations last active in the period but more than a day before ``end``,
        still waiting for an answer inside a flow, by the flow and step they wait at (read
        from the stored state by ``waiting_at``: the state's form is the engine's business).
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
                frame = waiting_at(data if isinstance(data, Mapping) else None)
                if frame is not None:
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
