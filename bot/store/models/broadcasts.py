"""Announcements sent by administrators to the people who consented, and each person
who gets one.

A broadcast's audience is written down once, when sending starts: one recipient row
per (broadcast, user), unique, before anything is put in the outbox. A recipient goes
``pending`` → ``queued`` (its message saved in the outbox in the same transaction) →
``delivered`` | ``blocked`` | ``failed``; or ``skipped`` (opted out or blocked since)
and ``cancelled``. A restarted job carries on from these rows and sends nobody twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, UTCDateTime

__all__ = ["Broadcast", "BroadcastRecipient"]


class Broadcast(Base):
    """An announcement: its text per language (or a catalog message), who it is for,
    and where its sending stands (draft, scheduled, sending, done, cancelled)."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_due", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: The text written per served language ({"ar": "...", "fr": "..."}).
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Or a message of the catalogs, in every language that has it.
    msgid: Mapped[str | None] = mapped_column(String(128))
    #: Who: {"regions": [...], "languages": [...], "situations": [...], "office": "",
    #: "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} (empty means anyone).
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: How many recipients were written down when sending started (None before).
    recipients: Mapped[int | None] = mapped_column(Integer)
    #: The worker sending it, until when (another takes over once it runs out).
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BroadcastRecipient(Base):
    """One person a broadcast goes to, in their language, and how it went."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id"),
        Index("ix_broadcast_recipients_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: The outbox row holding the message while it is ``queued``.
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
