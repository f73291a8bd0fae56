"""The store's interface for the runner: users, conversation state, messages.

Every method is one transaction. Conversation rows carry a version column, so
two workers saving the same conversation cannot silently overwrite each other:
the second gets :class:`ConcurrentUpdate` and replays its turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

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

__all__ = [
    "AlreadyProcessed",
    "ConcurrentUpdate",
    "ConversationRecord",
    "InboxRecord",
    "MessageRecord",
    "Store",
    "UserRecord",
    "unreachable",
]


class AlreadyProcessed(Exception):
    """The stored update was handled by another worker: this turn is dropped unsent."""


class ConcurrentUpdate(Exception):
    """Another worker saved the conversation first; load it again and replay."""


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or answered (a restart, a
    cut connection, a lock held too long, no free connection in the pool under load):
    worth trying again later, unlike a bug."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@dataclass(frozen=True)
class UserRecord:
    id: int
    channel: str
    external_id: str
    language: str | None
    language_hint: str | None
    consent_at: datetime | None


@dataclass(frozen=True)
class ConversationRecord:
    id: int
    user: UserRecord
    state: dict[str, Any]
    version: int
    owner: str


@dataclass(frozen=True)
class MessageRecord:
    """A message to store. ``body`` is dropped unless the user consented."""

    direction: str
    kind: str
    body: str | None
    detected_language: str | None = None
    language_confidence: float | None = None
    intent: str | None = None
    intent_confidence: float | None = None
    nlu_backend: str | None = None


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

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session (for one transaction or a few reads); see ``_turns`` for SQLite."""
        with self._turns, self._sessions() as session:
            yield session

    def conversation(
        self, channel: str, external_id: str, hint: str | None, now: datetime
    ) -> ConversationRecord:
        """The user's conversation, creating user and conversation on first contact."""
        for _ in range(3):
            try:
                with self.session() as session, session.begin():
                    user = session.scalar(
                        select(User).where(User.channel == channel, User.external_id == external_id)
                    )
                    if user is None:
                        user = User(
                            channel=channel,
                            external_id=external_id,
                            language_hint=hint,
                            created_at=now,
                        )
                        session.add(user)
                        session.flush()
                    else:
                        if hint and user.language_hint != hint:
                            user.language_hint = hint
                        user.blocked_at = None  # writing again means not blocked
                    conv = session.scalar(
                        select(Conversation).where(Conversation.user_id == user.id)
                    )
                    if conv is None:
                        conv = Conversation(user_id=user.id, state={}, owner="bot", updated_at=now)
                        session.add(conv)
                        session.flush()
                    return ConversationRecord(
                        conv.id, _user_record(user), dict(conv.state), conv.version, conv.owner
                    )
            except IntegrityError:
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
        the outbox and run ``also`` (the copy of the message to an open case) — all in
        one transaction — or raise :class:`ConcurrentUpdate`."""
        try:
            with self.session() as session, session.begin():
                if user_changes:
                    session.execute(
                        update(User).where(User.id == record.user.id).values(**user_changes)
                    )
                if inbox_id is not None:
                    marked = session.execute(
                        update(InboxItem)
                        .where(InboxItem.id == inbox_id, InboxItem.processed_at.is_(None))
                        .values(processed_at=now, text=None)
                    ).rowcount  # type: ignore[attr-defined]
                    if marked != 1:  # another worker handled this update meanwhile
                        raise AlreadyProcessed(f"update {inbox_id} was handled already")
                result = session.execute(
                    update(Conversation)
                    .where(Conversation.id == record.id, Conversation.version == record.version)
                    .values(state=state, updated_at=now, version=record.version + 1)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise ConcurrentUpdate(f"conversation {record.id} changed")
                for message in messages:
                    session.add(
                        Message(
                            conversation_id=record.id,
                            direction=message.direction,
                            kind=message.kind,
                            body=message.body if keep_bodies else None,
                            detected_language=message.detected_language,
                            language_confidence=message.language_confidence,
                            intent=message.intent,
                            intent_confidence=message.intent_confidence,
                            nlu_backend=message.nlu_backend,
                            created_at=now,
                        )
                    )
                for reply in replies:
                    session.add(
                        OutboxItem(
                            channel=record.user.channel,
                            chat_id=record.user.external_id,
                            message=reply.to_dict(),
                            created_at=now,
                        )
                    )
                if also is not None:
                    also(session)
        except StaleDataError as exc:
            raise ConcurrentUpdate(str(exc)) from exc

    @staticmethod
    def consent_changes(given: bool, version: str, now: datetime) -> dict[str, Any]:
        """The user columns that record a consent given or declined."""
        if given:
            return {"consent_at": now, "consent_version": version, "consent_declined_at": None}
        return {"consent_at": None, "consent_version": None, "consent_declined_at": now}

    def forget_user(self, user_id: int) -> None:
        """Delete the user, the conversation, every message, the user's stored updates and
        appointments (their places are freed for others); their cases go with the user.
        What the dashboard counted from them is archived first, in the same transaction
        (:func:`bot.store.tallies.archive_person`), so its history does not go down."""
        with self.session() as session, session.begin():
            archive_person(session, user_id)
            for slot_id in session.scalars(
                select(Appointment.slot_id).where(
                    Appointment.user_id == user_id, Appointment.status == "booked"
                )
            ).all():
                session.execute(
                    update(Slot).where(Slot.id == slot_id).values(booked=Slot.booked - 1)
                )
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
