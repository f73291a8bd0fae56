"""SQLAlchemy models, one module per noun; everything is re-exported here."""

from bot.store.models.appointments import Appointment, Reminder, Slot
from bot.store.models.articles import Article, ArticleFeedback, ArticleText
from bot.store.models.authoring import Draft, QuestionGap, Release
from bot.store.models.base import Base, UTCDateTime
from bot.store.models.broadcasts import Broadcast, BroadcastRecipient
from bot.store.models.cases import Case, CaseEvent, CaseMessage, Mediator
from bot.store.models.counts import DailyCount
from bot.store.models.delivery import ChatLease, InboxItem, OutboxItem, WorkerBeat
from bot.store.models.people import Conversation, Message, User
from bot.store.models.places import Audience, BookableService, Office, OfficeService, Region
from bot.store.models.sign_in_links import SignInLink
from bot.store.models.staff import AuditEntry, LoginFailure, StaffSession, StaffUser

__all__ = [
    "Appointment",
    "Article",
    "ArticleFeedback",
    "ArticleText",
    "Audience",
    "AuditEntry",
    "Base",
    "BookableService",
    "Broadcast",
    "BroadcastRecipient",
    "Case",
    "CaseEvent",
    "CaseMessage",
    "ChatLease",
    "Conversation",
    "DailyCount",
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
    "SignInLink",
    "Slot",
    "StaffSession",
    "StaffUser",
    "UTCDateTime",
    "User",
    "WorkerBeat",
]
