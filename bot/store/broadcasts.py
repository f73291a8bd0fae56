"""Broadcasts: drafts, their schedule, their counts, cancelling, and who may receive
them. Sending is :mod:`bot.store.broadcast_delivery`. Every method is one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from bot.store.models import (
    Appointment,
    Broadcast,
    BroadcastRecipient,
    Conversation,
    OutboxItem,
    Slot,
    User,
)
from bot.store.repository import Store

__all__ = ["FINAL", "BroadcastBook", "BroadcastRecord", "Candidate", "record_of"]

#: Recipient statuses that are over (counted on the broadcast's page).
FINAL = ("delivered", "blocked", "failed", "skipped", "cancelled")


@dataclass(frozen=True)
class BroadcastRecord:
    id: int
    status: str
    texts: Mapping[str, str]
    msgid: str | None
    audience: Mapping[str, Any]
    note: str
    created_by: str
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    recipients: int | None
    #: Recipients by status (pending, queued, delivered, blocked, failed, …).
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """A person who may receive announcements: consented to the current notice, has not
    opted out, has not blocked the bot; with their conversation state."""

    user_id: int
    language: str | None
    state: Mapping[str, Any]


def record_of(row: Broadcast, counts: Mapping[str, int]) -> BroadcastRecord:
    return BroadcastRecord(
        row.id,
        row.status,
        dict(row.texts or {}),
        row.msgid,
        dict(row.audience or {}),
        row.note,
        row.created_by,
        row.created_at,
        row.scheduled_at,
        row.started_at,
        row.finished_at,
        row.recipients,
        dict(counts),
    )


class BroadcastBook:
    """Broadcasts and their recipients in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- drafts and their schedule -------------------------------------------------------
    def create(
        self,
        texts: Mapping[str, str],
        msgid: str | None,
        audience: Mapping[str, Any],
        note: str,
        by: str,
        now: datetime,
    ) -> int:
        with self.store.session() as session, session.begin():
            row = Broadcast(
                status="draft",
                texts=dict(texts),
                msgid=msgid,
                audience=dict(audience),
                note=note,
                created_by=by[:64],
                created_at=now,
            )
            session.add(row)
            session.flush()
            return row.id

    def update_draft(
        self,
        broadcast_id: int,
        texts: Mapping[str, str],
        msgid: str | None,
        audience: Mapping[str, Any],
        note: str,
    ) -> bool:
        """Change a draft; False when it is no longer one."""
        with self.store.session() as session, session.begin():
            changed: int = session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.status == "draft")
                .values(texts=dict(texts), msgid=msgid, audience=dict(audience), note=note)
            ).rowcount  # type: ignore[attr-defined]
            return changed == 1

    def get(self, broadcast_id: int) -> BroadcastRecord | None:
        with self.store.session() as session:
            row = session.get(Broadcast, broadcast_id)
            return (
                record_of(row, self._counts(session, [broadcast_id]).get(row.id, {}))
                if row
                else None
            )

    def latest(self, limit: int = 50) -> list[BroadcastRecord]:
        with self.store.session() as session:
            rows = list(
                session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
            )
            counts = self._counts(session, [r.id for r in rows])
            return [record_of(r, counts.get(r.id, {})) for r in rows]

    @staticmethod
    def _counts(session: Any, ids: Sequence[int]) -> dict[int, dict[str, int]]:
        result: dict[int, dict[str, int]] = {}
        if not ids:
            return result
        for broadcast_id, status, count in session.execute(
            select(BroadcastRecipient.broadcast_id, BroadcastRecipient.status, func.count())
            .where(BroadcastRecipient.broadcast_id.in_(ids))
            .group_by(BroadcastRecipient.broadcast_id, BroadcastRecipient.status)
        ):
            result.setdefault(broadcast_id, {})[status] = int(count)
        return result

    def schedule(self, broadcast_id: int, at: datetime) -> bool:
        """A draft (or a scheduled broadcast, moved) goes out at ``at``."""
        with self.store.session() as session, session.begin():
            changed: int = session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.status.in_(("draft", "scheduled")))
                .values(status="scheduled", scheduled_at=at)
            ).rowcount  # type: ignore[attr-defined]
            return changed == 1

    def cancel(self, broadcast_id: int, now: datetime) -> bool:
        """Stop a draft, a scheduled or a sending broadcast: messages still in the outbox
        are taken out, and recipients not reached yet are marked cancelled."""
        with self.store.session() as session, session.begin():
            changed: int = session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    Broadcast.status.in_(("draft", "scheduled", "sending")),
                )
                .values(status="cancelled", finished_at=now, claimed_by=None)
            ).rowcount  # type: ignore[attr-defined]
            if changed != 1:
                return False
            waiting = BroadcastRecipient.status.in_(("pending", "queued"))
            session.execute(
                delete(OutboxItem).where(
                    OutboxItem.id.in_(
                        select(BroadcastRecipient.outbox_id).where(
                            BroadcastRecipient.broadcast_id == broadcast_id,
                            BroadcastRecipient.status == "queued",
                        )
                    )
                )
            )
            session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.broadcast_id == broadcast_id, waiting)
                .values(status="cancelled", outbox_id=None, updated_at=now)
            )
            return True

    # -- the audience --------------------------------------------------------------------
    def candidates(
        self,
        consent_version: str,
        office: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Candidate]:
        """Everyone who may receive announcements, with their conversation state; with
        ``office``, only those with a booked appointment there between ``start`` and
        ``end``."""
        with self.store.session() as session:
            query = (
                select(User.id, User.language, Conversation.state)
                .join(Conversation, Conversation.user_id == User.id)
                .where(
                    User.consent_at.is_not(None),
                    User.consent_version == consent_version,
                    User.consent_declined_at.is_(None),
                    User.blocked_at.is_(None),
                    User.broadcasts_off_at.is_(None),
                )
                .order_by(User.id)
            )
            if office:
                booked = (
                    select(Appointment.user_id)
                    .join(Slot, Slot.id == Appointment.slot_id)
                    .where(Appointment.status == "booked", Slot.office_id == office)
                )
                if start is not None:
                    booked = booked.where(Slot.starts_at >= start)
                if end is not None:
                    booked = booked.where(Slot.starts_at < end)
                query = query.where(User.id.in_(booked))
            return [
                Candidate(row.id, row.language, dict(row.state or {}))
                for row in session.execute(query)
            ]

    # -- the person's choice -------------------------------------------------------------
    def receiving(self, channel: str, external_id: str) -> bool | None:
        """Whether the person gets announcements (None: no such person)."""
        with self.store.session() as session:
            row = session.execute(
                select(User.broadcasts_off_at).where(
                    User.channel == channel, User.external_id == external_id
                )
            ).first()
            return None if row is None else row[0] is None
