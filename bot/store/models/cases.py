"""Mediators and the cases handed to them, with their messages and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, UTCDateTime

__all__ = ["Case", "CaseEvent", "CaseMessage", "Mediator"]


class Mediator(Base):
    """A person who takes escalated conversations: the languages they speak, their
    weekly hours, and how they are known on Telegram."""

    __tablename__ = "mediators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    languages: Mapped[list[str]] = mapped_column(JSON)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)  # weekday -> ["09:00-17:00", …]
    timezone: Mapped[str] = mapped_column(String(64))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)  # to the people helped
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Their own "away" switch: not on duty whatever their hours say, until back.
    away: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    away_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Case(Base):
    """An escalated conversation. One open case (queued or claimed) per user: the
    partial unique index holds it on every database. ``summary`` and the case's
    messages are personal data, deleted with the user."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "uq_cases_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'claimed')"),
            postgresql_where=text("status IN ('queued', 'claimed')"),
        ),
        Index("ix_cases_status", "status", "language", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)  # the case number staff see
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))  # asked | emergency | misunderstood | flow
    urgency: Mapped[str] = mapped_column(String(16))  # normal | high | emergency
    status: Mapped[str] = mapped_column(String(16))  # queued | claimed | closed | returned
    region: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediators.id", ondelete="SET NULL"))
    staff_thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(Integer)
    relay_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # delivery lease
    relay_by: Mapped[str | None] = mapped_column(String(64))


class CaseMessage(Base):
    """The case's transcript: what the person and the mediators wrote while it was open."""

    __tablename__ = "case_messages"
    __table_args__ = (Index("ix_case_messages_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(16))  # person | mediator | note
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediators.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # text | media | voice | button
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseEvent(Base):
    """Something to deliver about a case: to the staff group, to the person, or both.
    Written in the same transaction as the change it reports, delivered in ``id`` order
    per case by whichever worker holds the case's delivery lease."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_pending", "delivered_at", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)


# -- the web console: staff accounts, sessions, audit log, published versions ---------
