"""The service interfaces the engine's steps call, and their stand-ins.

A service step (``answer``, ``book``, ``escalate``) calls its service's
``start``; while the service waits for the user (``ServiceResult.wait``), their
presses on the service's buttons and their text go to ``input``. Escalation
arrives in later work; until then its stand-in answers honestly that no person
is available, so every flow that uses it already runs end to end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.engine.actions import CallService, Say
from bot.engine.events import ServiceResult
from bot.engine.texts import TEXTS

__all__ = [
    "NoService",
    "Service",
    "ServiceContext",
    "Services",
    "Unavailable",
]


@dataclass(frozen=True)
class ServiceContext:
    """Who is asking, and when: the stored user and conversation, their language and
    the conversation's variables."""

    user_id: int
    conversation_id: int
    lang: str
    vars: Mapping[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The message being answered (text or command), when it may be kept: the person
    #: consented to storage (it is not yet in the stored history).
    message: str = ""
    #: The person agreed to their messages being kept.
    consented: bool = False


class Service(Protocol):
    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        """A step begins: ``args`` are the step's (topic, service, reason, …) and, when
        one of the service's buttons led here, its ``data``."""
        ...

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        """The user answered while the service waited: ``data`` of a pressed button, or
        ``text`` with the ``intent`` the NLU is confident of (else empty)."""
        ...


class NoService:
    """A service that is not there: the step takes its failure branch."""

    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=False)

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=False)


class Unavailable(NoService):
    """Escalation until mediators arrive: says no person is available yet."""

    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=False, says=(Say(TEXTS["escalation_unavailable"]),))


@dataclass
class Services:
    """The services a runner dispatches ``CallService`` actions to."""

    knowledge: Service = field(default_factory=NoService)
    booking: Service = field(default_factory=NoService)
    escalation: Service = field(default_factory=Unavailable)

    def call(self, action: CallService, ctx: ServiceContext) -> ServiceResult:
        service: Service = getattr(self, action.service)
        if action.op == "input":
            return service.input(ctx, action.args)
        return service.start(ctx, action.args)
