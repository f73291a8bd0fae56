"""The service interfaces the engine's steps call, and their stand-ins.

The knowledge base, booking and escalation arrive in later work; until then
the stand-ins answer honestly that the service is not available, so every
flow that uses them already runs end to end and says where to go instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.engine.actions import CallService
from bot.engine.events import ServiceResult
from bot.engine.texts import TEXTS

__all__ = [
    "Booking",
    "Escalation",
    "KnowledgeBase",
    "NoBooking",
    "NoEscalation",
    "NoKnowledgeBase",
    "ServiceContext",
    "Services",
]


@dataclass(frozen=True)
class ServiceContext:
    """Who is asking: the stored user and conversation, their language and vars."""

    user_id: int
    conversation_id: int
    lang: str
    vars: Mapping[str, str] = field(default_factory=dict)


class KnowledgeBase(Protocol):
    def answer(self, ctx: ServiceContext, topic: str) -> ServiceResult:
        """The best article on ``topic`` for the user's language, region and audience."""
        ...


class Booking(Protocol):
    def start(self, ctx: ServiceContext, service: str) -> ServiceResult:
        """Begin booking (or listing, cancelling) an appointment."""
        ...


class Escalation(Protocol):
    def open(self, ctx: ServiceContext, reason: str, urgency: str) -> ServiceResult:
        """Open (or join) a case for a human mediator."""
        ...


class NoKnowledgeBase:
    def answer(self, ctx: ServiceContext, topic: str) -> ServiceResult:
        return ServiceResult(ok=False)


class NoBooking:
    def start(self, ctx: ServiceContext, service: str) -> ServiceResult:
        return ServiceResult(ok=False)


class NoEscalation:
    def open(self, ctx: ServiceContext, reason: str, urgency: str) -> ServiceResult:
        return ServiceResult(ok=False, text=TEXTS["escalation_unavailable"])


@dataclass
class Services:
    """The services a runner dispatches ``CallService`` actions to."""

    knowledge: KnowledgeBase = field(default_factory=NoKnowledgeBase)
    booking: Booking = field(default_factory=NoBooking)
    escalation: Escalation = field(default_factory=NoEscalation)

    def call(self, action: CallService, ctx: ServiceContext) -> ServiceResult:
        args = action.args
        if action.service == "knowledge":
            return self.knowledge.answer(ctx, args.get("topic", ""))
        if action.service == "booking":
            return self.booking.start(ctx, args.get("service", ""))
        return self.escalation.open(ctx, args.get("reason", "asked"),
                                    args.get("urgency", "normal"))
