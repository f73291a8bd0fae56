"""Published versions of the console's edits, and the shared draft.

A release holds the flow files and catalog messages that replace the shipped ones
(``flows``: file name -> YAML; ``messages``: language -> message id -> {"text",
"source"}, where ``source`` is the hash of the English text a translation was made
from). The newest release is in force. Publishing checks that nobody published since
the draft was reviewed; a rollback publishes a copy of an older release, so the
history only grows and says who did what and when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.store.models import Draft, Release
from bot.store.repository import Store

__all__ = ["DraftView", "ReleaseBook", "ReleaseView", "StalePublish"]


class StalePublish(Exception):
    """Someone published since the draft was checked: check it again."""


@dataclass(frozen=True)
class ReleaseView:
    id: int
    created_at: datetime
    author: str
    note: str
    flows: Mapping[str, str]
    messages: Mapping[str, Mapping[str, Mapping[str, str]]]
    restored_from: int | None


@dataclass(frozen=True)
class DraftView:
    kind: str  # flow | message
    lang: str
    key: str
    text: str
    source: str | None
    author: str
    updated_at: datetime


def _view(row: Release) -> ReleaseView:
    return ReleaseView(
        row.id,
        row.created_at,
        row.author,
        row.note,
        dict(row.flows),
        dict(row.messages),
        row.restored_from,
    )


class ReleaseBook:
    """Releases and the draft over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def latest_id(self) -> int | None:
        """The number of the release in force (cheap: polled by every worker)."""
        with self.store.session() as session:
            return session.scalar(select(func.max(Release.id)))

    def latest(self) -> ReleaseView | None:
        with self.store.session() as session:
            row = session.scalar(select(Release).order_by(Release.id.desc()).limit(1))
            return _view(row) if row else None

    def release(self, release_id: int) -> ReleaseView | None:
        with self.store.session() as session:
            row = session.get(Release, release_id)
            return _view(row) if row else None

    def releases(self, limit: int = 100) -> list[ReleaseView]:
        with self.store.session() as session:
            return [
                _view(row)
                for row in session.scalars(select(Release).order_by(Release.id.desc()).limit(limit))
            ]

    def publish(
        self,
        author: str,
        note: str,
        flows: Mapping[str, str],
        messages: Mapping[str, Mapping[str, Mapping[str, str]]],
        now: datetime,
        *,
        expected: int | None,
        restored_from: int | None = None,
        published: Sequence[DraftView] = (),
    ) -> ReleaseView:
        """A new release, in force at once. ``expected`` is the release the draft was
        checked against: when another is in force now, :class:`StalePublish`. The
        ``published`` draft edits leave the draft (not one saved again meanwhile)."""
        with self.store.session() as session, session.begin():
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                session.execute(select(func.pg_advisory_xact_lock(0x0E1E_A5E)))
            current = session.scalar(select(func.max(Release.id)))
            if current != expected:
                raise StalePublish(f"release {current} is in force, not {expected}")
            row = Release(
                created_at=now,
                author=author,
                note=note[:300],
                flows=dict(flows),
                messages={
                    lang: {k: dict(v) for k, v in texts.items()} for lang, texts in messages.items()
                },
                restored_from=restored_from,
            )
            session.add(row)
            for draft in published:
                session.execute(
                    delete(Draft).where(
                        Draft.kind == draft.kind,
                        Draft.lang == draft.lang,
                        Draft.key == draft.key,
                        Draft.updated_at == draft.updated_at,
                    )
                )
            session.flush()
            return _view(row)

    # -- the draft ---------------------------------------------------------------------

    def drafts(self) -> list[DraftView]:
        with self.store.session() as session:
            return [
                DraftView(d.kind, d.lang, d.key, d.text, d.source, d.author, d.updated_at)
                for d in session.scalars(select(Draft).order_by(Draft.kind, Draft.lang, Draft.key))
            ]

    def save_draft(
        self,
        kind: str,
        lang: str,
        key: str,
        text: str,
        author: str,
        now: datetime,
        source: str | None = None,
    ) -> None:
        """Create or replace one draft edit (a flow file, or a message in a language)."""
        for attempt in range(3):
            try:
                with self.store.session() as session, session.begin():
                    row = session.scalar(
                        select(Draft)
                        .where(Draft.kind == kind, Draft.lang == lang, Draft.key == key)
                        .with_for_update()
                    )
                    if row is None:
                        session.add(
                            Draft(
                                kind=kind,
                                lang=lang,
                                key=key,
                                text=text,
                                source=source,
                                author=author,
                                updated_at=now,
                            )
                        )
                    else:
                        row.text, row.source, row.author = text, source, author
                        row.updated_at = now
                return
            except IntegrityError:  # another admin created the same edit at that moment
                if attempt == 2:
                    raise

    def discard_draft(
        self, kind: str | None = None, lang: str | None = None, key: str | None = None
    ) -> int:
        """Drop draft edits (all of them, or those matching); how many."""
        query = delete(Draft)
        for column, value in ((Draft.kind, kind), (Draft.lang, lang), (Draft.key, key)):
            if value is not None:
                query = query.where(column == value)
        with self.store.session() as session, session.begin():
            return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def release_messages(view: ReleaseView | None) -> dict[str, dict[str, dict[str, Any]]]:
    """A release's messages, copied (empty without a release)."""
    if view is None:
        return {}
    return {lang: {k: dict(v) for k, v in texts.items()} for lang, texts in view.messages.items()}
