"""Receiving and sending: the inbox, chat leases, worker heartbeats and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base, UTCDateTime

__all__ = ["ChatLease", "InboxItem", "OutboxItem", "WorkerBeat"]


class InboxItem(Base):
    """An update received from a channel, stored before it is processed.

    The unique (channel, update_id) makes every update count once, also when
    Telegram delivers it again after a restart; ``processed_at`` is set in the
    same transaction as the conversation state the update produced. Updates of
    one chat are processed in ``update_id`` order.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        Index("ix_inbox_pending", "channel", "chat_id", "processed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(64))  # who wrote (staff group)
    ref: Mapped[str | None] = mapped_column(String(64))  # the channel's message id
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class ChatLease(Base):
    """Which worker is working on a chat's stored updates, until when. One worker per
    chat at a time, across processes and machines: the chat's updates are handled in
    order and each once. A lease that ran out (its worker died) is taken over."""

    __tablename__ = "chat_leases"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkerBeat(Base):
    """A running worker (one start of one process) and its heartbeat. Its ``id`` holds
    its chat leases; ``name`` stays the same when the process is restarted (its host and
    port), so a restarted worker recognises its previous start as dead. A worker whose
    heartbeat stopped is removed with its leases by any live worker."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxItem(Base):
    """A reply saved with the turn that produced it, waiting to be sent.

    The turn's state, the processed update and its replies are written in one
    transaction; each reply is deleted once the channel has it. A worker that dies
    after saving a turn leaves its replies here, and the worker that takes the chat
    over sends them (in ``id`` order) before it handles the chat's next update: a
    saved turn is never left unanswered. Bodies live only until they are sent.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_chat", "channel", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    #: The rendered message: text, language, direction and buttons.
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- content: regions, offices, services, articles -------------------------------------
# Loaded from the YAML under content/ by ``orienta content load``; names are maps of
# language code to text.
