"""The inbox, the chat leases and the outbox: updates stored before they are processed
(each once, by channel and update id), which worker works on which chat, and the
replies saved with their turn until the channel has them.

:class:`Inbox` is a part of :class:`~bot.store.repository.Store`; every method is one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.messages import Incoming, Outgoing
from bot.store.models import ChatLease, InboxItem, OutboxItem

__all__ = ["Inbox", "InboxRecord"]


@dataclass(frozen=True)
class InboxRecord:
    """A stored, not yet processed update."""

    id: int
    update_id: int
    incoming: Incoming


def _row(incoming: Incoming, update_id: int, now: datetime) -> dict[str, Any]:
    return {
        "channel": incoming.channel,
        "update_id": update_id,
        "chat_id": incoming.chat_id,
        "kind": incoming.kind,
        "text": incoming.text or None,
        "data": incoming.data or None,
        "language_code": incoming.language_code,
        "sender": incoming.sender or None,
        "ref": incoming.ref or None,
        "received_at": now,
    }


def _insert_for(dialect: str) -> Callable[..., Any]:
    """The dialect's INSERT that can skip rows already there (ON CONFLICT DO NOTHING)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class Inbox:
    """The store's inbox, chat leases and outbox (mixed into the Store)."""

    if TYPE_CHECKING:

        def session(self) -> AbstractContextManager[Session]: ...

    def enqueue(self, incoming: Incoming, update_id: int, now: datetime) -> bool:
        """Store an update; False when this (channel, update_id) was already stored."""
        return self.enqueue_many([(incoming, update_id)], now) == [True]

    def enqueue_many(self, updates: Sequence[tuple[Incoming, int]], now: datetime) -> list[bool]:
        """Store a batch of updates in one transaction, each once: for each, whether it
        is new (False when its (channel, update_id) was stored before, also by another
        worker at the same moment)."""
        if not updates:
            return []
        rows = [_row(incoming, update_id, now) for incoming, update_id in updates]
        with self.session() as session, session.begin():
            insert = _insert_for(session.get_bind().dialect.name)
            stored = session.execute(
                insert(InboxItem)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["channel", "update_id"])
                .returning(InboxItem.channel, InboxItem.update_id)
            ).all()
        fresh = {(row.channel, row.update_id) for row in stored}
        seen: set[tuple[str, int]] = set()
        result = []
        for incoming, update_id in updates:  # the same update twice in one batch: once
            key = (incoming.channel, update_id)
            result.append(key in fresh and key not in seen)
            seen.add(key)
        return result

    def pending(self, channel: str, chat_id: str, limit: int = 50) -> list[InboxRecord]:
        """Unprocessed updates of one chat, oldest update first."""
        with self.session() as session:
            rows = session.scalars(
                select(InboxItem)
                .where(
                    InboxItem.channel == channel,
                    InboxItem.chat_id == chat_id,
                    InboxItem.processed_at.is_(None),
                )
                .order_by(InboxItem.update_id)
                .limit(limit)
            )
            return [
                InboxRecord(
                    row.id,
                    row.update_id,
                    Incoming(
                        row.channel,
                        row.chat_id,
                        row.kind,  # type: ignore[arg-type]
                        text=row.text or "",
                        data=row.data or "",
                        language_code=row.language_code,
                        ref=row.ref or "",
                        sender=row.sender or "",
                    ),
                )
                for row in rows
            ]

    def claim_chat(
        self, channel: str, chat_id: str, worker: str, now: datetime, lease: timedelta
    ) -> bool:
        """Take (or extend) the lease on a chat's updates; False while another worker
        holds a lease that has not run out."""
        for _ in range(2):
            try:
                with self.session() as session, session.begin():
                    taken = session.execute(
                        update(ChatLease)
                        .where(
                            ChatLease.channel == channel,
                            ChatLease.chat_id == chat_id,
                            or_(ChatLease.holder == worker, ChatLease.until < now),
                        )
                        .values(holder=worker, until=now + lease)
                    ).rowcount  # type: ignore[attr-defined]
                    if taken:
                        return True
                    if session.get(ChatLease, (channel, chat_id)) is not None:
                        return False
                    session.add(
                        ChatLease(
                            channel=channel, chat_id=chat_id, holder=worker, until=now + lease
                        )
                    )
                return True
            except IntegrityError:  # another worker created it at the same moment
                continue
        return False

    def release_chat(self, channel: str, chat_id: str, worker: str) -> None:
        with self.session() as session, session.begin():
            session.execute(
                delete(ChatLease).where(
                    ChatLease.channel == channel,
                    ChatLease.chat_id == chat_id,
                    ChatLease.holder == worker,
                )
            )

    def pending_chats(self, channel: str) -> list[str]:
        """Chats with unprocessed updates or unsent replies (to resume after a restart)."""
        with self.session() as session:
            updates = select(InboxItem.chat_id).where(
                InboxItem.channel == channel, InboxItem.processed_at.is_(None)
            )
            replies = select(OutboxItem.chat_id).where(OutboxItem.channel == channel)
            return sorted(set(session.scalars(updates.union(replies))))

    # -- outbox: replies saved with their turn, deleted once sent ----------------------
    def unsent(self, channel: str, chat_id: str, limit: int = 50) -> list[tuple[int, Outgoing]]:
        """The chat's replies not yet sent, oldest first, with their outbox ids."""
        with self.session() as session:
            rows = session.execute(
                select(OutboxItem.id, OutboxItem.message)
                .where(OutboxItem.channel == channel, OutboxItem.chat_id == chat_id)
                .order_by(OutboxItem.id)
                .limit(limit)
            ).all()
            return [(row.id, Outgoing.from_dict(chat_id, row.message)) for row in rows]

    def sent(self, outbox_id: int) -> None:
        """The channel has the reply: it leaves the outbox (and its body with it)."""
        with self.session() as session, session.begin():
            session.execute(delete(OutboxItem).where(OutboxItem.id == outbox_id))

    def mark_processed(self, inbox_id: int, now: datetime) -> None:
        with self.session() as session, session.begin():
            session.execute(
                update(InboxItem)
                .where(InboxItem.id == inbox_id, InboxItem.processed_at.is_(None))
                .values(processed_at=now, text=None)
            )
