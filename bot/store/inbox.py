"""The inbox, the chat leases and the outbox: updates stored before they are processed
(each once, by channel and update id), which worker works on which chat, and the
replies saved with their turn until the channel has them.

:class:`Inbox` is a part of :class:`~bot.store.repository.Store`; every method is one
transaction. A worker takes a chat with :meth:`Inbox.backlog` (the lease, the replies
left unsent, the updates waiting and what the NLU needs to know of the conversation, in
one go), works its updates off one turn (one unit of work) each, and lets it go with
:meth:`Inbox.settle` (the replies it sent leave the outbox in the same transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.messages import Incoming, Outgoing
from bot.store.models import ChatLease, Conversation, InboxItem, Message, OutboxItem, User
from bot.store.unit_of_work import SENT, sent_up_to, table

__all__ = ["NO_CONTEXT", "Backlog", "Context", "Inbox", "InboxRecord"]


@dataclass(frozen=True)
class Context:
    """What the language identification needs to know of a conversation: its language
    and the languages of its last inbound messages (newest first), as of ``version``
    (0: no conversation yet)."""

    version: int
    lang: str | None
    recent: tuple[str, ...]


#: A chat nobody wrote to yet.
NO_CONTEXT = Context(0, None, ())


@dataclass(frozen=True)
class Backlog:
    """A chat just taken: the replies left in its outbox (oldest first), its stored
    updates waiting (oldest first) and its conversation's :class:`Context`."""

    unsent: list[tuple[int, Outgoing]]
    pending: list[InboxRecord]
    context: Context


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
            # One statement for the batch, built once per dialect (and compiled once).
            dialect = session.get_bind().dialect.name
            statement = _ENQUEUE.get(dialect)
            if statement is None:
                statement = _ENQUEUE[dialect] = (
                    _insert_for(dialect)(_inbox)
                    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
                    .returning(_inbox.c.channel, _inbox.c.update_id)
                )
            stored = session.execute(statement, rows).all()
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
            return _pending(session.connection(), channel, chat_id, limit)

    def backlog(
        self, channel: str, chat_id: str, worker: str, now: datetime, lease: timedelta
    ) -> Backlog | None:
        """Take the chat (see :meth:`claim_chat`) and, in the same transaction, read its
        replies left unsent, its updates waiting and its conversation's context; None
        while another worker holds the chat."""
        with self.session() as session, session.begin():
            connection = session.connection()
            if not _claim(connection, channel, chat_id, worker, now, lease):
                return None
            return Backlog(
                _unsent(connection, channel, chat_id, 50),
                _pending(connection, channel, chat_id, 50),
                _context(connection, channel, chat_id),
            )

    def context(self, channel: str, chat_id: str) -> Context:
        """What the language identification needs to know of the chat's conversation."""
        with self.session() as session:
            return _context(session.connection(), channel, chat_id)

    def settle(self, channel: str, chat_id: str, worker: str, sent: Sequence[int] = ()) -> bool:
        """Let the chat go: the replies ``sent`` leave the outbox and this worker's lease
        goes, in one transaction. True when updates or replies of the chat still wait
        (stored meanwhile, maybe by another worker that left them to this one): take
        the chat again."""
        chat = {"b_channel": channel, "b_chat": chat_id}
        with self.session() as session, session.begin():
            connection = session.connection()
            if sent:
                connection.execute(SENT, sent_up_to(channel, chat_id, sent))
            connection.execute(_RELEASE, {**chat, "b_worker": worker})
            return bool(connection.scalar(_WAITING, chat))

    def claim_chat(
        self, channel: str, chat_id: str, worker: str, now: datetime, lease: timedelta
    ) -> bool:
        """Take (or extend) the lease on a chat's updates; False while another worker
        holds a lease that has not run out."""
        with self.session() as session, session.begin():
            return _claim(session.connection(), channel, chat_id, worker, now, lease)

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
            return _unsent(session.connection(), channel, chat_id, limit)

    def sent(self, *outbox_ids: int) -> None:
        """The channel has the replies: they leave the outbox (and their bodies with them)."""
        if outbox_ids:
            with self.session() as session, session.begin():
                session.execute(_SENT, {"b_ids": list(outbox_ids)})

    def mark_processed(self, inbox_id: int, now: datetime) -> None:
        with self.session() as session, session.begin():
            session.execute(
                update(InboxItem)
                .where(InboxItem.id == inbox_id, InboxItem.processed_at.is_(None))
                .values(processed_at=now, text=None)
            )


_inbox, _outbox, _users = table(InboxItem), table(OutboxItem), table(User)
_conversations, _messages = table(Conversation), table(Message)
_ENQUEUE: dict[str, Any] = {}
_SENT = delete(_outbox).where(_outbox.c.id.in_(bindparam("b_ids", expanding=True)))
_PENDING = (
    select(
        _inbox.c.id,
        _inbox.c.update_id,
        _inbox.c.kind,
        _inbox.c.text,
        _inbox.c.data,
        _inbox.c.language_code,
        _inbox.c.ref,
        _inbox.c.sender,
    )
    .where(
        _inbox.c.channel == bindparam("b_channel"),
        _inbox.c.chat_id == bindparam("b_chat"),
        _inbox.c.processed_at.is_(None),
    )
    .order_by(_inbox.c.update_id)
    .limit(bindparam("b_limit"))
)
_UNSENT = (
    select(_outbox.c.id, _outbox.c.message)
    .where(_outbox.c.channel == bindparam("b_channel"), _outbox.c.chat_id == bindparam("b_chat"))
    .order_by(_outbox.c.id)
    .limit(bindparam("b_limit"))
)
_CONVERSATION = (
    select(
        Conversation.__table__.c.id,
        Conversation.__table__.c.version,
        Conversation.__table__.c.state,
    )
    .join(User.__table__, User.__table__.c.id == Conversation.__table__.c.user_id)
    .where(
        User.__table__.c.channel == bindparam("b_channel"),
        User.__table__.c.external_id == bindparam("b_chat"),
    )
)
_RECENT = (
    select(Message.__table__.c.detected_language)
    .where(
        Message.__table__.c.conversation_id == bindparam("b_id"),
        Message.__table__.c.direction == "in",
        Message.__table__.c.detected_language.is_not(None),
    )
    .order_by(Message.__table__.c.id.desc())
    .limit(3)
)


_leases = table(ChatLease)
_RELEASE = delete(_leases).where(
    _leases.c.channel == bindparam("b_channel"),
    _leases.c.chat_id == bindparam("b_chat"),
    _leases.c.holder == bindparam("b_worker"),
)
_WAITING = select(
    exists(
        select(_inbox.c.id).where(
            _inbox.c.channel == bindparam("b_channel"),
            _inbox.c.chat_id == bindparam("b_chat"),
            _inbox.c.processed_at.is_(None),
        )
    )
    | exists(
        select(_outbox.c.id).where(
            _outbox.c.channel == bindparam("b_channel"), _outbox.c.chat_id == bindparam("b_chat")
        )
    )
)
_CLAIM: dict[str, Any] = {}


def _claim_statement(dialect: str) -> Any:
    """Take the chat's lease: create it, or take it over when it is this worker's or ran
    out — one atomic upsert (no two workers both take it), built once per dialect. It
    returns the lease when it was taken (psycopg's row count says 1 either way)."""
    statement = _CLAIM.get(dialect)
    if statement is None:
        insert = _insert_for(dialect)(_leases).values(
            channel=bindparam("b_channel"),
            chat_id=bindparam("b_chat"),
            holder=bindparam("b_worker"),
            until=bindparam("b_until"),
        )
        statement = _CLAIM[dialect] = insert.on_conflict_do_update(
            index_elements=["channel", "chat_id"],
            set_={"holder": insert.excluded.holder, "until": insert.excluded.until},
            where=or_(
                _leases.c.holder == insert.excluded.holder, _leases.c.until < bindparam("b_now")
            ),
        ).returning(_leases.c.holder)
    return statement


def _claim(
    connection: Connection, channel: str, chat_id: str, worker: str, now: datetime, lease: timedelta
) -> bool:
    """Take or extend the chat's lease in the connection's transaction."""
    taken = connection.execute(
        _claim_statement(connection.dialect.name),
        {
            "b_channel": channel,
            "b_chat": chat_id,
            "b_worker": worker,
            "b_until": now + lease,
            "b_now": now,
        },
    )
    return taken.first() is not None  # a row when inserted or taken over


def _pending(connection: Connection, channel: str, chat_id: str, limit: int) -> list[InboxRecord]:
    rows = connection.execute(_PENDING, {"b_channel": channel, "b_chat": chat_id, "b_limit": limit})
    return [
        InboxRecord(
            row.id,
            row.update_id,
            Incoming(
                channel,
                chat_id,
                row.kind,
                text=row.text or "",
                data=row.data or "",
                language_code=row.language_code,
                ref=row.ref or "",
                sender=row.sender or "",
            ),
        )
        for row in rows
    ]


def _unsent(
    connection: Connection, channel: str, chat_id: str, limit: int
) -> list[tuple[int, Outgoing]]:
    rows = connection.execute(_UNSENT, {"b_channel": channel, "b_chat": chat_id, "b_limit": limit})
    return [(row.id, Outgoing.from_dict(chat_id, row.message)) for row in rows]


def _context(connection: Connection, channel: str, chat_id: str) -> Context:
    row = connection.execute(_CONVERSATION, {"b_channel": channel, "b_chat": chat_id}).first()
    if row is None:
        return NO_CONTEXT
    rows = connection.execute(_RECENT, {"b_id": row.id})
    recent = tuple(str(found) for (found,) in rows if found)
    lang: object = (row.state or {}).get("lang")
    return Context(row.version, str(lang) if lang else None, recent)
