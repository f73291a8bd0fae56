"""The store's interface for the runner: users, conversation state, messages.

A turn runs in one unit of work (:meth:`Store.unit`, :mod:`bot.store.unit_of_work`):
one transaction on one connection, which the stores the services use join while it
is open. The other methods are one transaction each. Conversation rows carry a
version column, so two workers saving the same conversation cannot silently
overwrite each other: the second gets :class:`ConcurrentUpdate` and replays its turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Outgoing
from bot.store.inbox import Inbox, InboxRecord
from bot.store.models import (
    Appointment,
    Conversation,
    InboxItem,
    Message,
    OutboxItem,
    Slot,
    User,
)
from bot.store.tallies import archive_person
from bot.store.unit_of_work import (
    AlreadyProcessed,
    ConcurrentUpdate,
    ConversationRecord,
    LeaseLost,
    MessageRecord,
    TurnUnit,
    UserRecord,
)

__all__ = [
    "AlreadyProcessed",
    "ConcurrentUpdate",
    "ConversationRecord",
    "InboxRecord",
    "LeaseLost",
    "MessageRecord",
    "Store",
    "TurnUnit",
    "UserRecord",
    "forget",
    "unreachable",
]


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or answered (a restart, a
    cut connection, a lock held too long, no free connection in the pool under load):
    worth trying again later, unlike a bug."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _user_record(user: User) -> UserRecord:
    return UserRecord(
        user.id, user.channel, user.external_id, user.language, user.language_hint, user.consent_at
    )


class Store(Inbox):
    """Repository over one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler sleeps up to 100 ms between
        # tries: threads of this process take turns here instead. PostgreSQL needs no lock.
        self._turns: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        #: The unit of work open in this thread, if any (its sessions join it).
        self._open = threading.local()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session (for one transaction or a few reads); see ``_turns`` for SQLite.
        Within a unit of work (in its thread), a session in the unit's transaction."""
        unit: TurnUnit | None = getattr(self._open, "unit", None)
        if unit is not None:
            with unit.joined() as session:
                yield session
            return
        with self._turns, self._sessions() as session:
            yield session

    @contextmanager
    def unit(self) -> Iterator[TurnUnit]:
        """One turn's unit of work: one transaction, committed when the block ends
        (rolled back when it raises). Stores used in the block, in this thread, join it."""
        with self._turns, self.engine.connect() as connection:
            transaction = connection.begin()
            unit = TurnUnit(connection, transaction)
            self._open.unit = unit
            try:
                yield unit
                unit.finish()
                transaction.commit()
            finally:
                self._open.unit = None
                if transaction.is_active:
                    transaction.rollback()

    def conversation(
        self, channel: str, external_id: str, hint: str | None, now: datetime
    ) -> ConversationRecord:
        """The user's conversation, creating user and conversation on first contact."""
        for _ in range(3):
            try:
                with self.unit() as unit:
                    return unit.conversation(channel, external_id, hint, now)
            except ConcurrentUpdate:
                continue  # created concurrently by another worker: read it
        raise ConcurrentUpdate(f"could not create conversation for {channel}:{external_id}")

    def save_turn(
        self,
        record: ConversationRecord,
        state: dict[str, Any],
        messages: Sequence[MessageRecord],
        now: datetime,
        *,
        keep_bodies: bool,
        inbox_id: int | None = None,
        user_changes: dict[str, Any] | None = None,
        also: Callable[[Session], None] | None = None,
        replies: Sequence[Outgoing] = (),
    ) -> None:
        """Save the new state, the turn's messages and the user's changed language or
        consent, mark the inbox item that caused them processed, put the ``replies`` in
        the outbox and run ``also`` (with a session in the same transaction) — all in
        one transaction — or raise :class:`ConcurrentUpdate`."""
        with self.unit() as unit:
            if inbox_id is not None:
                unit.take_update(inbox_id, now)
            unit.save(
                record, state, messages, now, keep_bodies=keep_bodies, user_changes=user_changes
            )
            if replies:
                unit.outbox(record.user.channel, record.user.external_id, replies, now)
            if also is not None:
                also(unit.session)

    @staticmethod
    def consent_changes(given: bool, version: str, now: datetime) -> dict[str, Any]:
        """The user columns that record a consent given or declined."""
        if given:
            return {"consent_at": now, "consent_version": version, "consent_declined_at": None}
        return {"consent_at": None, "consent_version": None, "consent_declined_at": now}

    def forget_user(self, user_id: int) -> None:
        """Delete the user and everything of theirs (see :func:`forget`)."""
        with self.session() as session, session.begin():
            forget(session, user_id)

    def recent_languages(self, conversation_id: int, limit: int = 3) -> list[str]:
        """Languages detected in the conversation's last inbound messages, newest first."""
        with self.session() as session:
            rows = session.scalars(
                select(Message.detected_language)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.direction == "in",
                    Message.detected_language.is_not(None),
                )
                .order_by(Message.id.desc())
                .limit(limit)
            )
            return [row for row in rows if row]

    def messages(self, conversation_id: int) -> list[Message]:
        """Every message of a conversation, oldest first (for transcripts and tests)."""
        with self.session() as session:
            return list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.id)
                )
            )

    def user(self, channel: str, external_id: str) -> UserRecord | None:
        with self.session() as session:
            user = session.scalar(
                select(User).where(User.channel == channel, User.external_id == external_id)
            )
            return _user_record(user) if user else None

    def mark_blocked(self, channel: str, external_id: str, now: datetime) -> None:
        """The user blocked the bot: remember it so nothing more is sent."""
        with self.session() as session, session.begin():
            session.execute(
                update(User)
                .where(User.channel == channel, User.external_id == external_id)
                .values(blocked_at=now)
            )

    def is_blocked(self, channel: str, external_id: str) -> bool:
        with self.session() as session:
            blocked = session.scalar(
                select(User.blocked_at).where(
                    User.channel == channel, User.external_id == external_id
                )
            )
            return blocked is not None


def forget(session: Session, user_id: int) -> None:
    """Delete the user, the conversation, every message, the user's stored updates and
    appointments (their places are freed for others); their cases go with the user.
    What the dashboard counted from them is archived first, in the same transaction
    (:func:`bot.store.tallies.archive_person`), so its history does not go down."""
    archive_person(session, user_id)
    for slot_id in session.scalars(
        select(Appointment.slot_id).where(
            Appointment.user_id == user_id, Appointment.status == "booked"
        )
    ).all():
        session.execute(update(Slot).where(Slot.id == slot_id).values(booked=Slot.booked - 1))
    session.execute(delete(Appointment).where(Appointment.user_id == user_id))
    user = session.get(User, user_id)
    if user is not None:
        session.execute(
            delete(InboxItem).where(
                InboxItem.channel == user.channel, InboxItem.chat_id == user.external_id
            )
        )
        session.execute(
            delete(OutboxItem).where(
                OutboxItem.channel == user.channel, OutboxItem.chat_id == user.external_id
            )
        )
    session.execute(
        delete(Message).where(
            Message.conversation_id.in_(
                select(Conversation.id).where(Conversation.user_id == user_id)
            )
        )
    )
    session.execute(delete(Conversation).where(Conversation.user_id == user_id))
    session.execute(delete(User).where(User.id == user_id))
