"""Published flow releases, drafts, and the questions nobody could answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, UTCDateTime

__all__ = ["Draft", "QuestionGap", "Release"]


class Release(Base):
    """A published version of what the console edits: flow files and catalog messages
    that replace the shipped ones. The newest release is the one in force; a rollback
    publishes a copy of an older one, so history only grows."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(300), default="")
    flows: Mapped[dict[str, Any]] = mapped_column(JSON)  # file name -> YAML text
    messages: Mapped[dict[str, Any]] = mapped_column(JSON)  # lang -> msgid -> text
    restored_from: Mapped[int | None] = mapped_column(Integer)


class Draft(Base):
    """An unpublished edit: a flow file's text or one catalog message."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("kind", "lang", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # flow | message
    lang: Mapped[str] = mapped_column(String(8))  # "" for a flow
    key: Mapped[str] = mapped_column(String(200))  # file name or message id
    text: Mapped[str] = mapped_column(Text)
    #: For a translation: the hash of the English text it was made from (staleness).
    source: Mapped[str | None] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuestionGap(Base):
    """A rights question the knowledge base could not answer: anonymous daily counts."""

    __tablename__ = "question_gaps"
    __table_args__ = (UniqueConstraint("day", "lang", "topic", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(40))  # "" when unknown
    count: Mapped[int] = mapped_column(Integer, default=0)
