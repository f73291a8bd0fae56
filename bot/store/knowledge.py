"""The rights articles, regions and audiences in the database, the anonymous
"did this help?" answers, and the count of questions no article answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from bot.domain.content import Choice
from bot.store.models import Article, ArticleFeedback, ArticleText, Audience, Region
from bot.store.repository import Store
from bot.store.stats import StatsBook

__all__ = ["ArticleView", "Choice", "KnowledgeStore"]


@dataclass(frozen=True)
class ArticleView:
    """An article in one language."""

    id: str
    topic: str
    regions: tuple[str, ...]
    audiences: tuple[str, ...]
    title: str
    body: str
    source_title: str
    source_url: str
    reviewed: date


class KnowledgeStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def regions(self) -> list[Choice]:
        with self.store.session() as session:
            return [
                Choice(r.id, dict(r.name), r.country)
                for r in session.scalars(select(Region).order_by(Region.position, Region.id))
            ]

    def region_names(self) -> dict[str, dict[str, str]]:
        """Each region's name in every language, by region id."""
        return {choice.id: dict(choice.name) for choice in self.regions()}

    def emergency_numbers(self) -> list[tuple[Choice, tuple[dict[str, Any], ...]]]:
        """Each region with its emergency lines, as stored (``EmergencyLine`` JSON)."""
        with self.store.session() as session:
            return [
                (Choice(r.id, dict(r.name)), tuple(dict(n) for n in r.emergency or ()))
                for r in session.scalars(select(Region).order_by(Region.position, Region.id))
            ]

    def audiences(self) -> list[Choice]:
        with self.store.session() as session:
            return [
                Choice(a.id, dict(a.name))
                for a in session.scalars(select(Audience).order_by(Audience.position, Audience.id))
            ]

    def articles(self, lang: str) -> list[ArticleView]:
        """Every active article written in ``lang``."""
        with self.store.session() as session:
            rows = session.execute(
                select(Article, ArticleText)
                .join(ArticleText)
                .where(Article.active, ArticleText.lang == lang)
                .order_by(Article.topic, Article.id)
            ).all()
            return [
                ArticleView(
                    a.id,
                    a.topic,
                    tuple(a.regions),
                    tuple(a.audiences),
                    t.title,
                    t.body,
                    a.source_title,
                    a.source_url,
                    a.reviewed,
                )
                for a, t in rows
            ]

    def stamp(self) -> tuple[int, ...]:
        """Changes when articles are published or edited (to refresh a cached index):
        every change raises an article's ``revision``."""
        with self.store.session() as session:
            row = session.execute(
                select(
                    func.count(), func.coalesce(func.sum(func.length(ArticleText.body)), 0)
                ).select_from(ArticleText)
            ).one()
            articles = session.execute(
                select(func.count(), func.coalesce(func.sum(Article.revision), 0))
                .select_from(Article)
                .where(Article.active)
            ).one()
            return int(row[0]), int(row[1]), int(articles[0]), int(articles[1])

    def record_feedback(self, article_id: str, lang: str, helpful: bool, now: datetime) -> None:
        with self.store.session() as session, session.begin():
            session.add(
                ArticleFeedback(article_id=article_id, lang=lang, helpful=helpful, created_at=now)
            )

    def record_gap(self, lang: str, topic: str, region: str, day: date) -> None:
        """Count a rights question no article answered (only the count, never the text)."""
        StatsBook(self.store).record_gap(day, lang, topic, region)

    def feedback(self) -> dict[str, tuple[int, int]]:
        """Per article: (helpful, not helpful) answers."""
        with self.store.session() as session:
            rows = session.execute(
                select(ArticleFeedback.article_id, ArticleFeedback.helpful, func.count()).group_by(
                    ArticleFeedback.article_id, ArticleFeedback.helpful
                )
            ).all()
        result: dict[str, tuple[int, int]] = {}
        for article_id, helpful, count in rows:
            yes, no = result.get(article_id, (0, 0))
            result[article_id] = (yes + count, no) if helpful else (yes, no + count)
        return result
