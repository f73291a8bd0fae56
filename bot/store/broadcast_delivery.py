"""Sending broadcasts: claiming the due ones, the recipients written down once when
sending starts, and each recipient's way through the outbox.

Every method is one transaction. The unique (broadcast, user) recipient row is written
before a message is put in the outbox, and a recipient moves from ``pending`` to
``queued`` in the same transaction that saves its message in the outbox: a job that
stops anywhere and starts again never queues anyone twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.broadcasts import BroadcastRecord, record_of
from bot.store.models import Broadcast, BroadcastRecipient, OutboxItem, User
from bot.store.repository import Store

__all__ = ["BroadcastDelivery", "Queued", "Waiting"]


@dataclass(frozen=True)
class Waiting:
    """A recipient whose message is not in the outbox yet."""

    id: int
    user_id: int
    channel: str
    chat_id: str
    language: str


@dataclass(frozen=True)
class Queued:
    """A recipient whose message waits in the outbox."""

    id: int
    channel: str
    chat_id: str
    outbox_id: int | None


class BroadcastDelivery:
    """The sending side of broadcasts in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int = 5
    ) -> list[BroadcastRecord]:
        """Broadcasts to work on now, claimed for ``worker`` until ``now + lease``: those
        whose time has come (they start sending) and those sending whose worker stopped
        (its claim ran out) or is this one."""
        with self.store.session() as session, session.begin():
            free = or_(
                Broadcast.claimed_by.is_(None),
                Broadcast.claimed_by == worker,
                Broadcast.claimed_until < now,
            )
            due = or_(
                (Broadcast.status == "scheduled") & (Broadcast.scheduled_at <= now),
                Broadcast.status == "sending",
            )
            ids = list(
                session.scalars(
                    select(Broadcast.id)
                    .where(due, free)
                    .order_by(Broadcast.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            if not ids:
                return []
            session.execute(
                update(Broadcast)
                .where(Broadcast.id.in_(ids), Broadcast.status == "scheduled")
                .values(status="sending", started_at=now)
            )
            session.execute(
                update(Broadcast)
                .where(Broadcast.id.in_(ids))
                .values(claimed_by=worker, claimed_until=now + lease)
            )
            rows = session.scalars(select(Broadcast).where(Broadcast.id.in_(ids)))
            return [record_of(r, {}) for r in rows]

    def renew(self, broadcast_id: int, worker: str, now: datetime, lease: timedelta) -> str:
        """Keep the claim; the broadcast's status ("" when another worker took it over)."""
        with self.store.session() as session, session.begin():
            session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.claimed_by == worker)
                .values(claimed_until=now + lease)
            )
            row = session.get(Broadcast, broadcast_id)
            if row is None or row.claimed_by != worker:
                return "" if row is None or row.status == "sending" else row.status
            return row.status

    def release(self, broadcast_id: int, worker: str) -> None:
        with self.store.session() as session, session.begin():
            session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.claimed_by == worker)
                .values(claimed_by=None, claimed_until=None)
            )

    def write_recipients(
        self, broadcast_id: int, people: Sequence[tuple[int, str]], now: datetime
    ) -> int:
        """Write the audience down once: a row per (user, language), each user once
        however often this is called; returns how many recipients the broadcast has."""
        with self.store.session() as session, session.begin():
            row = session.get(Broadcast, broadcast_id)
            if row is None or row.recipients is not None:
                return row.recipients or 0 if row else 0
            if people:
                insert = (
                    postgresql.insert
                    if session.get_bind().dialect.name == "postgresql"
                    else sqlite.insert
                )
                for start in range(0, len(people), 500):
                    session.execute(
                        insert(BroadcastRecipient)
                        .values(
                            [
                                {
                                    "broadcast_id": broadcast_id,
                                    "user_id": user_id,
                                    "language": lang,
                                    "status": "pending",
                                    "attempts": 0,
                                    "updated_at": now,
                                }
                                for user_id, lang in people[start : start + 500]
                            ]
                        )
                        .on_conflict_do_nothing(index_elements=["broadcast_id", "user_id"])
                    )
            total = (
                session.scalar(
                    select(func.count())
                    .select_from(BroadcastRecipient)
                    .where(BroadcastRecipient.broadcast_id == broadcast_id)
                )
                or 0
            )
            row.recipients = int(total)
            return int(total)

    def waiting(self, broadcast_id: int, limit: int = 50) -> list[Waiting]:
        """Recipients whose message is not in the outbox yet, in order."""
        with self.store.session() as session:
            rows = session.execute(
                select(
                    BroadcastRecipient.id,
                    BroadcastRecipient.user_id,
                    User.channel,
                    User.external_id,
                    BroadcastRecipient.language,
                )
                .join(User, User.id == BroadcastRecipient.user_id)
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.status == "pending",
                )
                .order_by(BroadcastRecipient.id)
                .limit(limit)
            )
            return [Waiting(*row) for row in rows]

    def enqueue(
        self,
        broadcast_id: int,
        messages: Sequence[tuple[int, dict[str, Any] | None]],
        now: datetime,
    ) -> int:
        """Put each pending recipient's message in the outbox and mark it queued, in one
        transaction; one who opted out or blocked the bot since is skipped (or counted
        blocked), and so is one without a message. Returns how many were handled."""
        queued = 0
        with self.store.session() as session, session.begin():
            if session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id)) != (
                "sending"
            ):
                return 0
            for recipient_id, message in messages:
                recipient = session.get(BroadcastRecipient, recipient_id)
                if recipient is None or recipient.status != "pending":
                    continue
                user = session.get(User, recipient.user_id)
                recipient.updated_at = now
                if user is None or user.blocked_at is not None:
                    recipient.status = "blocked"
                    queued += 1
                    continue
                if message is None or user.broadcasts_off_at is not None or user.consent_at is None:
                    recipient.status = "skipped"
                    queued += 1
                    continue
                item = OutboxItem(
                    channel=user.channel,
                    chat_id=user.external_id,
                    message=message,
                    created_at=now,
                )
                session.add(item)
                session.flush()
                recipient.status, recipient.outbox_id = "queued", item.id
                queued += 1
        return queued

    def queued(self, broadcast_id: int, limit: int = 50) -> list[Queued]:
        with self.store.session() as session:
            rows = session.execute(
                select(
                    BroadcastRecipient.id,
                    User.channel,
                    User.external_id,
                    BroadcastRecipient.outbox_id,
                )
                .join(User, User.id == BroadcastRecipient.user_id)
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.status == "queued",
                )
                .order_by(BroadcastRecipient.id)
                .limit(limit)
            )
            return [Queued(*row) for row in rows]

    def settle(self, recipient_id: int, now: datetime, *, sent: bool = False) -> str:
        """After the chat's outbox was sent: ``delivered`` (or ``blocked`` when the channel
        found the person had blocked the bot) once the message left the outbox; ``queued``
        while it is still there. ``sent``: an announcement went out in that delivery, so
        one cancelled while it was on its way counts as delivered."""
        with self.store.session() as session, session.begin():
            recipient = session.get(BroadcastRecipient, recipient_id)
            if recipient is None:
                return ""
            if recipient.status == "cancelled" and sent:
                recipient.status, recipient.updated_at = "delivered", now
                return recipient.status
            if recipient.status != "queued":
                return recipient.status
            if (
                recipient.outbox_id is not None
                and session.get(OutboxItem, recipient.outbox_id) is not None
            ):
                return "queued"
            user = session.get(User, recipient.user_id)
            blocked = user is None or user.blocked_at is not None
            recipient.status = "blocked" if blocked else "delivered"
            recipient.outbox_id, recipient.updated_at = None, now
            return recipient.status

    def failed(self, recipient_id: int, now: datetime, give_up_after: int) -> str:
        """The channel did not take the message: try again later, or after
        ``give_up_after`` tries take it out of the outbox and count it failed."""
        with self.store.session() as session, session.begin():
            recipient = session.get(BroadcastRecipient, recipient_id)
            if recipient is None or recipient.status != "queued":
                return recipient.status if recipient else ""
            recipient.attempts += 1
            recipient.updated_at = now
            if recipient.attempts >= give_up_after:
                if recipient.outbox_id is not None:
                    session.execute(delete(OutboxItem).where(OutboxItem.id == recipient.outbox_id))
                recipient.status, recipient.outbox_id = "failed", None
            return recipient.status

    def finish_if_done(self, broadcast_id: int, now: datetime) -> bool:
        """Mark a sending broadcast done once nobody is pending or queued."""
        with self.store.session() as session, session.begin():
            left = session.scalar(
                select(func.count())
                .select_from(BroadcastRecipient)
                .where(
                    BroadcastRecipient.broadcast_id == broadcast_id,
                    BroadcastRecipient.status.in_(("pending", "queued")),
                )
            )
            if left:
                return False
            changed: int = session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
                .values(status="done", finished_at=now, claimed_by=None, claimed_until=None)
            ).rowcount  # type: ignore[attr-defined]
            return changed == 1
