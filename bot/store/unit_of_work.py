"""One turn's unit of work: everything a turn reads and writes, in one transaction.

:meth:`bot.store.repository.Store.unit` opens it on one connection (on SQLite under the
store's writer lock). The hot statements are SQLAlchemy Core, built once: renewing the
chat's lease, taking the update (marking it processed), loading or creating the person
and their conversation, saving the new state (checked against its version), the
messages, and the replies into the outbox. The services the turn calls join the same
transaction: while a unit is open, ``Store.session()`` in its thread hands out sessions
bound to the unit's connection (see :meth:`TurnUnit.joined`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    RootTransaction,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.messages import Outgoing
from bot.store.models import Base, ChatLease, Conversation, InboxItem, Message, OutboxItem, User

__all__ = [
    "SENT",
    "AlreadyProcessed",
    "ConcurrentUpdate",
    "ConversationRecord",
    "LeaseLost",
    "MessageRecord",
    "TurnUnit",
    "UserRecord",
    "sent_up_to",
    "table",
]


class AlreadyProcessed(Exception):
    """The stored update was handled by another worker: this turn is dropped unsent."""


class ConcurrentUpdate(Exception):
    """Another worker saved the conversation first; load it again and replay."""


class LeaseLost(Exception):
    """Another worker holds the chat now (this worker's lease ran out or was freed):
    the turn is dropped unsaved and the chat left to it."""


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
    #: Created by this turn (the person's first contact).
    created: bool = False


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


def table(model: type[Base]) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, model.__table__)


_users, _conversations, _messages = table(User), table(Conversation), table(Message)
_outbox, _inbox, _leases = table(OutboxItem), table(InboxItem), table(ChatLease)

_RENEW = (
    update(_leases)
    .where(
        _leases.c.channel == bindparam("b_channel"),
        _leases.c.chat_id == bindparam("b_chat"),
        _leases.c.holder == bindparam("b_worker"),
    )
    .values(until=bindparam("b_until"))
)
_TAKE = (
    update(_inbox)
    .where(_inbox.c.id == bindparam("b_id"), _inbox.c.processed_at.is_(None))
    .values(processed_at=bindparam("b_now"), text=None)
)
_LOAD = (
    select(
        _users.c.id,
        _users.c.language,
        _users.c.language_hint,
        _users.c.consent_at,
        _users.c.blocked_at,
        _conversations.c.id.label("conversation_id"),
        _conversations.c.state,
        _conversations.c.version,
        _conversations.c.owner,
    )
    .select_from(_users.outerjoin(_conversations, _conversations.c.user_id == _users.c.id))
    .where(_users.c.channel == bindparam("b_channel"), _users.c.external_id == bindparam("b_chat"))
)
_NEW_USER = insert(_users).returning(_users.c.id)
_NEW_CONVERSATION = insert(_conversations).returning(_conversations.c.id)
_TOUCH_USER = (
    update(_users)
    .where(_users.c.id == bindparam("b_id"))
    .values(language_hint=bindparam("b_hint"), blocked_at=None)
)
_SAVE = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("b_id"), _conversations.c.version == bindparam("b_v"))
    .values(state=bindparam("b_state"), updated_at=bindparam("b_now"), version=bindparam("b_next"))
)
_ADD_MESSAGES = insert(_messages)
_ADD_REPLIES = insert(_outbox)
_UNSENT_IDS = (
    select(_outbox.c.id)
    .where(_outbox.c.channel == bindparam("b_channel"), _outbox.c.chat_id == bindparam("b_chat"))
    .order_by(_outbox.c.id)
)
#: Replies of a chat are sent oldest first: those sent are the chat's oldest, up to one.
SENT = delete(_outbox).where(
    _outbox.c.channel == bindparam("b_channel"),
    _outbox.c.chat_id == bindparam("b_chat"),
    _outbox.c.id <= bindparam("b_upto"),
)
_RECENT = (
    select(_messages.c.detected_language)
    .where(
        _messages.c.conversation_id == bindparam("b_id"),
        _messages.c.direction == "in",
        _messages.c.detected_language.is_not(None),
    )
    .order_by(_messages.c.id.desc())
    .limit(bindparam("b_limit"))
)


def sent_up_to(channel: str, chat_id: str, outbox_ids: Sequence[int]) -> dict[str, Any]:
    """The parameters of :data:`SENT` for replies of a chat sent (oldest first)."""
    return {"b_channel": channel, "b_chat": chat_id, "b_upto": max(outbox_ids)}


class TurnUnit:
    """The statements of one turn, on one connection in one transaction."""

    def __init__(self, connection: Connection, transaction: RootTransaction) -> None:
        self.connection = connection
        self.transaction = transaction
        self._session: Session | None = None

    # -- the services' sessions ----------------------------------------------------------
    def joined(self) -> Session:
        """A session in this unit's transaction (for the stores the services use): its
        commits stay within the transaction; a rollback ends the whole unit (which then
        refuses to commit, see :meth:`check`)."""
        return Session(
            bind=self.connection, join_transaction_mode="rollback_only", expire_on_commit=False
        )

    @property
    def session(self) -> Session:
        """The unit's own ORM session (the case copy, forgetting), flushed at the end."""
        if self._session is None:
            self._session = self.joined()
        return self._session

    def finish(self) -> None:
        """Flush the unit's own session; raise :class:`ConcurrentUpdate` when something in
        the turn rolled the transaction back (a store caught a conflict and retried)."""
        if self._session is not None:
            self._session.flush()
            self._session.close()
        if not self.transaction.is_active:
            raise ConcurrentUpdate("the turn's transaction was rolled back on the way")

    # -- the chat and its update ---------------------------------------------------------
    def renew_lease(self, channel: str, chat_id: str, worker: str, until: datetime) -> bool:
        """Extend this worker's lease on the chat; False when it does not hold it."""
        done = self.connection.execute(
            _RENEW, {"b_channel": channel, "b_chat": chat_id, "b_worker": worker, "b_until": until}
        )
        return bool(done.rowcount)

    def take_update(self, inbox_id: int, now: datetime) -> None:
        """Mark the stored update processed (its text goes), or raise
        :class:`AlreadyProcessed` when another worker did."""
        if self.connection.execute(_TAKE, {"b_id": inbox_id, "b_now": now}).rowcount != 1:
            raise AlreadyProcessed(f"update {inbox_id} was handled already")

    # -- the person and their conversation -----------------------------------------------
    def conversation(
        self, channel: str, external_id: str, hint: str | None, now: datetime
    ) -> ConversationRecord:
        """The person's conversation, creating person and conversation on first contact
        (writing again also means they no longer block the bot)."""
        row = self.connection.execute(_LOAD, {"b_channel": channel, "b_chat": external_id}).first()
        if row is None:
            try:
                user_id: int = self.connection.execute(
                    _NEW_USER,
                    {
                        "channel": channel,
                        "external_id": external_id,
                        "language_hint": hint,
                        "created_at": now,
                    },
                ).scalar_one()
            except IntegrityError as exc:  # created at the same moment by another worker
                raise ConcurrentUpdate(f"{channel} user created meanwhile") from exc
            user = UserRecord(user_id, channel, external_id, None, hint, None)
            return self._new_conversation(user, now)
        user = UserRecord(
            row.id, channel, external_id, row.language, row.language_hint, row.consent_at
        )
        if (hint and row.language_hint != hint) or row.blocked_at is not None:
            self.connection.execute(
                _TOUCH_USER, {"b_id": row.id, "b_hint": hint or row.language_hint}
            )
            user = UserRecord(
                row.id,
                channel,
                external_id,
                row.language,
                hint or row.language_hint,
                row.consent_at,
            )
        if row.conversation_id is None:
            return self._new_conversation(user, now)
        return ConversationRecord(
            row.conversation_id, user, dict(row.state or {}), row.version, row.owner
        )

    def _new_conversation(self, user: UserRecord, now: datetime) -> ConversationRecord:
        conversation_id: int = self.connection.execute(
            _NEW_CONVERSATION,
            {"user_id": user.id, "state": {}, "owner": "bot", "version": 1, "updated_at": now},
        ).scalar_one()
        return ConversationRecord(conversation_id, user, {}, 1, "bot", created=True)

    def recent_languages(self, conversation_id: int, limit: int = 3) -> list[str]:
        """Languages detected in the conversation's last inbound messages, newest first."""
        rows = self.connection.execute(_RECENT, {"b_id": conversation_id, "b_limit": limit})
        return [str(lang) for (lang,) in rows if lang]

    def save(
        self,
        record: ConversationRecord,
        state: dict[str, Any],
        messages: Sequence[MessageRecord],
        now: datetime,
        *,
        keep_bodies: bool,
        user_changes: dict[str, Any] | None = None,
    ) -> int:
        """Save the new state (or raise :class:`ConcurrentUpdate` when the conversation
        changed since it was loaded), the turn's messages and the person's changed
        language or consent; return the conversation's new version."""
        if user_changes:
            self.connection.execute(
                update(_users).where(_users.c.id == record.user.id).values(**user_changes)
            )
        saved = self.connection.execute(
            _SAVE,
            {
                "b_id": record.id,
                "b_v": record.version,
                "b_state": state,
                "b_now": now,
                "b_next": record.version + 1,
            },
        )
        if saved.rowcount != 1:
            raise ConcurrentUpdate(f"conversation {record.id} changed")
        if messages:
            self.connection.execute(
                _ADD_MESSAGES,
                [
                    {
                        "conversation_id": record.id,
                        "direction": m.direction,
                        "kind": m.kind,
                        "body": m.body if keep_bodies else None,
                        "detected_language": m.detected_language,
                        "language_confidence": m.language_confidence,
                        "intent": m.intent,
                        "intent_confidence": m.intent_confidence,
                        "nlu_backend": m.nlu_backend,
                        "created_at": now,
                    }
                    for m in messages
                ],
            )
        return record.version + 1

    # -- the outbox ----------------------------------------------------------------------
    def sent(self, channel: str, chat_id: str, outbox_ids: Sequence[int]) -> None:
        """Replies of the chat the channel has: they leave the outbox (and their bodies
        with them). The chat's replies go out oldest first, so they are its oldest."""
        if outbox_ids:
            self.connection.execute(SENT, sent_up_to(channel, chat_id, outbox_ids))

    def outbox(
        self, channel: str, chat_id: str, replies: Sequence[Outgoing], now: datetime
    ) -> list[tuple[int, Outgoing]]:
        """Put the turn's replies in the outbox; return every reply of the chat waiting
        there, oldest first (an earlier turn's the channel did not take come first)."""
        if replies:
            self.connection.execute(
                _ADD_REPLIES,
                [
                    {
                        "channel": channel,
                        "chat_id": chat_id,
                        "message": reply.to_dict(),
                        "created_at": now,
                    }
                    for reply in replies
                ],
            )
        ids: list[int] = list(
            self.connection.scalars(_UNSENT_IDS, {"b_channel": channel, "b_chat": chat_id})
        )
        earlier = ids[: len(ids) - len(replies)]
        waiting = list(zip(ids[len(earlier) :], replies, strict=True))
        if not earlier:
            return waiting
        rows = self.connection.execute(
            select(_outbox.c.id, _outbox.c.message)
            .where(_outbox.c.id.in_(earlier))
            .order_by(_outbox.c.id)
        )
        return [(row.id, Outgoing.from_dict(chat_id, row.message)) for row in rows] + waiting
