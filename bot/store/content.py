"""Publish the content files into the database: regions, audiences, services,
offices with their services, and rights articles.

Upserts in one transaction: ids that disappeared from the files are deactivated
(offices, articles) so booked appointments and feedback keep their references.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from tqdm import tqdm

from bot.domain.content import Content
from bot.domain.hours import hours_to_json
from bot.store.models import (
    Article,
    ArticleText,
    Audience,
    BookableService,
    Office,
    OfficeService,
    Region,
)
from bot.store.repository import Store

__all__ = ["PublishedCounts", "publish_content"]


@dataclass(frozen=True)
class PublishedCounts:
    regions: int
    audiences: int
    services: int
    offices: int
    articles: int


def publish_content(store: Store, content: Content, *, progress: bool = False) -> PublishedCounts:
    """Write ``content`` into the database; refuses content that has errors. With
    ``progress``, a bar over the offices and articles on a terminal (none otherwise)."""
    bar = tqdm(
        total=len(content.offices) + len(content.articles),
        desc="content",
        unit="item",
        disable=None if progress else True,
    )
    if content.errors:
        raise ValueError(f"the content has {len(content.errors)} error(s); run orienta kb check")
    with store.session() as session, session.begin():
        for position, region in enumerate(content.regions):
            session.merge(
                Region(
                    id=region.id,
                    name=dict(region.name),
                    country=region.country,
                    timezone=region.timezone,
                    position=position,
                    emergency=[line.to_json() for line in region.emergency],
                )
            )
        for position, audience in enumerate(content.audiences):
            session.merge(Audience(id=audience.id, name=dict(audience.name), position=position))
        for position, service in enumerate(content.services):
            session.merge(
                BookableService(id=service.id, name=dict(service.name), position=position)
            )
        session.flush()
        office_ids = [office.id for office in content.offices]
        for office in content.offices:
            session.merge(
                Office(
                    id=office.id,
                    name=dict(office.name),
                    region_id=office.region or None,
                    address=office.address,
                    phone=office.phone,
                    timezone=office.timezone,
                    languages=list(office.languages),
                    interpreter=office.interpreter,
                    hours=hours_to_json(office.hours),
                    closed=sorted(d.isoformat() for d in office.closed),
                    source=office.source,
                    active=True,
                )
            )
            session.flush()
            offered = [s.service for s in office.services]
            session.execute(
                delete(OfficeService).where(
                    OfficeService.office_id == office.id, OfficeService.service_id.not_in(offered)
                )
            )
            for spec in office.services:
                session.merge(
                    OfficeService(
                        office_id=office.id,
                        service_id=spec.service,
                        minutes=spec.minutes,
                        capacity=spec.capacity,
                        hours=hours_to_json(spec.hours) if spec.hours is not None else None,
                    )
                )
            bar.update()
        session.execute(update(Office).where(Office.id.not_in(office_ids)).values(active=False))
        article_ids = [article.id for article in content.articles]
        for article in content.articles:
            session.merge(
                Article(
                    id=article.id,
                    topic=article.topic,
                    regions=list(article.regions),
                    audiences=list(article.audiences),
                    source_title=article.source_title,
                    source_url=article.source_url,
                    reviewed=article.reviewed,
                    active=True,
                )
            )
            session.flush()
            session.execute(delete(ArticleText).where(ArticleText.article_id == article.id))
            for lang, (title, body) in article.texts.items():
                session.add(ArticleText(article_id=article.id, lang=lang, title=title, body=body))
            bar.update()
        session.execute(update(Article).where(Article.id.not_in(article_ids)).values(active=False))
        session.execute(update(Article).values(revision=Article.revision + 1))
        counts = PublishedCounts(
            len(session.scalars(select(Region.id)).all()),
            len(session.scalars(select(Audience.id)).all()),
            len(session.scalars(select(BookableService.id)).all()),
            len(office_ids),
            len(article_ids),
        )
    bar.close()
    return counts
