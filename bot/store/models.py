"""SQLAlchemy models: users, conversations and their messages; offices, slots and
appointments; the rights articles.

Message bodies are personal data: they are stored only after consent and are
erased by ``/forget`` (and, later, by the retention job) while the anonymous
columns (direction, language, intent) stay countable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Appointment",
    "Article",
    "ArticleFeedback",
    "ArticleText",
    "Audience",
    "AuditEntry",
    "Base",
    "BookableService",
    "Case",
    "CaseEvent",
    "CaseMessage",
    "ChatLease",
    "Conversation",
    "Draft",
    "InboxItem",
    "LoginFailure",
    "Mediator",
    "Message",
    "Office",
    "OfficeService",
    "OutboxItem",
    "QuestionGap",
    "Region",
    "Release",
    "Reminder",
    "Slot",
    "StaffSession",
    "StaffUser",
    "UTCDateTime",
    "User",
    "WorkerBeat",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in UTC: aware datetimes in, aware UTC datetimes out, on every database
    (SQLite keeps no zone, so values are stored as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}  # noqa: RUF012


class User(Base):
    """A person writing to Orienta on one channel."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    language_hint: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_declined_at: Mapped[datetime | None]
    blocked_at: Mapped[datetime | None]  # the user blocked the bot: stop sending
    created_at: Mapped[datetime]

    conversation: Mapped[Conversation | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class Conversation(Base):
    """A user's conversation with the bot: the engine state and who owns it."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    owner: Mapped[str] = mapped_column(String(64), default="bot")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="conversation")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's API


class Message(Base):
    """One message in or out, with what the NLU made of it."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    kind: Mapped[str] = mapped_column(String(16))  # text | button | command | media
    body: Mapped[str | None] = mapped_column(Text)
    detected_language: Mapped[str | None] = mapped_column(String(8))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    nlu_backend: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


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


class Region(Base):
    """Where a user lives: chooses the articles and offices that apply."""

    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Emergency numbers: a list of {"kind": "general" | "police" | …, "number": "112"}.
    emergency: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class Audience(Base):
    """A user's situation (temporary protection, care leaver, …): scopes articles."""

    __tablename__ = "audiences"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)


class BookableService(Base):
    """Something a person can book: an orientation interview, legal advice, …"""

    __tablename__ = "services"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Office(Base):
    """A place people go to, with its opening hours in its own time zone."""

    __tablename__ = "offices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[dict[str, Any]] = mapped_column(JSON)
    region_id: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(JSON)
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    closed: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OfficeService(Base):
    """A service offered at an office: its slot length, capacity and hours."""

    __tablename__ = "office_services"

    office_id: Mapped[str] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Slot(Base):
    """A bookable time at an office for a service. ``booked`` never exceeds
    ``capacity``: the check constraint holds it on every database, and booking
    raises ``booked`` with one conditional UPDATE."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("office_id", "service_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        Index("ix_slots_free", "office_id", "service_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[str] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(16), default="calendar")  # calendar | manual


class Appointment(Base):
    """A person's booking of a slot. One active booking per user and slot."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "uq_appointments_active_user_slot",
            "slot_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
        Index("ix_appointments_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked | cancelled
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(16))  # user | staff


class Reminder(Base):
    """A reminder due before an appointment. A worker claims it (``claimed_at`` and
    ``claimed_by``) before sending, so several workers never send it twice."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("appointment_id", "kind"),
        Index("ix_reminders_due", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # day_before | two_hours
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Article(Base):
    """A rights article: topic, scope, source and the date a person last reviewed it."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), index=True)
    regions: Mapped[list[str]] = mapped_column(JSON)
    audiences: Mapped[list[str]] = mapped_column(JSON)
    source_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500))
    reviewed: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Raised by every change (console or content files): the bot's index follows it.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ArticleText(Base):
    """An article in one language."""

    __tablename__ = "article_texts"

    article_id: Mapped[str] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)


class ArticleFeedback(Base):
    """ "Did this help?": anonymous, one row per answer."""

    __tablename__ = "article_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(String(80), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- escalation: mediators and their cases ---------------------------------------------


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


class StaffUser(Base):
    """An administrator or mediator who signs in to the web console. A mediator account
    is linked to its :class:`Mediator` (languages, hours, name shown)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # admin | mediator
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediators.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(8))  # the console's language
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffSession(Base):
    """A signed-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """A failed sign-in, counted per account name and per address to slow guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))  # "user:<name>" | "ip:<address>"
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who read or changed what, and when. Kept when the account is removed."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Release(Base):
    """A published version of what the console edits: flow files and catalog messages
    that replace the shipped ones. The newest release is the one in force; a rollback
    publishes a copy of an older one, so history only grows."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(300), default="")
    flows: Mapped[dict[str, Any]] = mapped_column(JSON)  # file name -> YAML text
    messages: Mapped[dict[str, Any]] = mapped_column(JSON)  # lang -> msgid -> text
    restored_from: Mapped[int | None] = mapped_column(Integer)


class Draft(Base):
    """An unpublished edit: a flow file's text or one catalog message."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("kind", "lang", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # flow | message
    lang: Mapped[str] = mapped_column(String(8))  # "" for a flow
    key: Mapped[str] = mapped_column(String(200))  # file name or message id
    text: Mapped[str] = mapped_column(Text)
    #: For a translation: the hash of the English text it was made from (staleness).
    source: Mapped[str | None] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QuestionGap(Base):
    """A rights question the knowledge base could not answer: anonymous daily counts."""

    __tablename__ = "question_gaps"
    __table_args__ = (UniqueConstraint("day", "lang", "topic", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(40))  # "" when unknown
    count: Mapped[int] = mapped_column(Integer, default=0)
