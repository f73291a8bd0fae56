"""The synchronous part of a turn: everything between understanding a message and
sending the replies, in one unit of work (one transaction, one thread hop).

In the unit: the replies sent since the chat's last transaction leave the outbox, the
chat's lease is renewed, the update is taken (marked processed), the conversation is
loaded (created on first contact), the engine steps and the services it calls do their
work (their stores join the unit), and the new state, the messages, the replies (into
the outbox), the person's language and consent and the copy to their open case are
saved. Any failure rolls all of it back.

The message was understood before the unit, with what the runner last knew of the
conversation (:class:`~bot.store.inbox.Context`); when the conversation turns out to
have changed in a way that matters to the language identification, the unit raises
:class:`Replay` with what it found and the runner understands the message again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.engine.actions import (
    CallService,
    Forget,
    RecordConsent,
    Say,
    SetBroadcasts,
    SetLanguage,
)
from bot.engine.announcements import announcement_choice, announcement_reply
from bot.engine.config import CASE_VAR, EngineConfig, is_emergency
from bot.engine.core import step
from bot.engine.events import Command, Event, Text
from bot.engine.model import FlowSet
from bot.engine.state import State
from bot.engine.texts import TEXTS
from bot.i18n import Catalogs
from bot.messages import Incoming, Outgoing
from bot.metrics import Metrics
from bot.render import render
from bot.services.escalation import CASE_TEXTS
from bot.services.interfaces import ServiceContext, Services
from bot.store.cases import CaseBook, owner_case
from bot.store.inbox import Context
from bot.store.repository import (
    ConversationRecord,
    LeaseLost,
    MessageRecord,
    Store,
    TurnUnit,
    forget,
)
from nlu.pipeline import Understanding, Understood

__all__ = ["Job", "Lease", "Outcome", "Replay", "TurnSteps"]

log = logging.getLogger(__name__)

_MAX_SERVICE_ROUNDS = 8


@dataclass(frozen=True)
class Lease:
    """The dispatcher's hold on the chat, renewed in each turn's transaction."""

    worker: str
    length: timedelta


class Replay(Exception):
    """The conversation is not what the message was understood against: understand it
    again with ``context``."""

    def __init__(self, context: Context) -> None:
        super().__init__("the conversation's language changed meanwhile")
        self.context = context


@dataclass(frozen=True)
class Job:
    """One turn to run: the message as the engine sees it, and what it was read with."""

    incoming: Incoming
    hint: str | None
    event: Event
    inbound: MessageRecord | None
    truncated: bool = False
    inbox_id: int | None = None
    lease: Lease | None = None
    #: What the runner last knew of the conversation (None: nothing).
    context: Context | None = None
    #: The event is a text the NLU read against ``context``.
    understood: bool = False
    #: Replies sent since the chat's last transaction (they leave the outbox now).
    sent: tuple[int, ...] = ()
    #: A text to understand on the turn's thread first (the NLU is local).
    text: str = ""


@dataclass(frozen=True)
class Outcome:
    """A turn saved: its replies, and what waits in the outbox to be sent."""

    rendered: list[Outgoing]
    #: The chat's replies in the outbox, oldest first (none after ``/forget``).
    waiting: list[tuple[int, Outgoing]]
    saved: bool
    #: The conversation as the language identification will know it next time.
    context: Context | None
    #: The turn wrote case events (the relay has something to deliver).
    case_changed: bool
    #: The conversation's language, for the log.
    lang: str | None


@dataclass
class Turn:
    """What one incoming message produced, before it is saved and sent."""

    state: State
    replies: list[Say] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    consent: bool | None = None
    #: The person turned announcements on (True) or off (False).
    broadcasts: bool | None = None
    forget: bool = False
    #: The person's message, copied to their open case: (case id, kind, body, ref).
    relay: tuple[int, str, str | None, str] | None = None
    #: The escalation service ran: a case may have been opened or changed.
    escalated: bool = False


class TurnSteps:
    """The runner's synchronous half (mixed into :class:`bot.runner.Runner`)."""

    flows: FlowSet
    config: EngineConfig
    catalogs: Catalogs
    store: Store
    services: Services
    consent_version: str
    clock: Callable[[], datetime]
    cases: CaseBook
    understanding: Understanding
    metrics: Metrics | None

    def run_turn(self, job: Job, known: list[str]) -> Outcome:
        """The whole turn on this thread: understand its text when the NLU is local
        (after reading the conversation's context when it is not known), then run it."""
        if job.text:
            context = job.context
            if context is None:
                context = self.store.context(job.incoming.channel, job.incoming.chat_id)
            if context.lang:
                known.append(context.lang)
            started = time.thread_time()
            understood = self.understanding.understand_now(
                job.text, context.lang, job.hint, context.recent
            )
            if self.metrics is not None:
                self.metrics.nlu_cpu.inc(time.thread_time() - started)
            event, inbound = self.understood(job.text, understood)
            job = replace(job, event=event, inbound=inbound, context=context, understood=True)
        return self.run_job(job)

    def understood(self, text: str, understood: Understood) -> tuple[Text, MessageRecord]:
        """The engine event for an understood text, and the record to store (counted by
        the backend that answered)."""
        if self.metrics is not None:
            self.metrics.nlu.labels(
                understood.nlu.backend, "yes" if understood.nlu.fallback else "no"
            ).inc()
        detection = understood.language.detected
        decision = understood.language
        event = Text(
            text=text,
            intent=understood.nlu.intent,
            confidence=understood.nlu.confidence,
            lang=decision.lang,
            switch_to=decision.switch_to,
            foreign=decision.foreign,
            named_lang=understood.named,
            crisis=understood.alarm == "strong",
            alarm=understood.alarm or "",
            crisis_kind=understood.crisis_kind or "",
        )
        record = MessageRecord(
            "in",
            "text",
            text,
            detection.lang,
            detection.confidence,
            understood.nlu.intent,
            understood.nlu.confidence,
            understood.nlu.backend,
        )
        return event, record

    def run_job(self, job: Job) -> Outcome:
        """Run one turn in one unit of work; raises :class:`Replay`,
        :class:`~bot.store.repository.LeaseLost`, ``AlreadyProcessed`` or
        ``ConcurrentUpdate`` with nothing saved."""
        incoming = job.incoming
        now = self.clock()
        with self.store.unit() as unit:
            unit.sent(incoming.channel, incoming.chat_id, job.sent)
            if job.lease is not None and not unit.renew_lease(
                incoming.channel, incoming.chat_id, job.lease.worker, now + job.lease.length
            ):
                raise LeaseLost(f"a chat on {incoming.channel} is held by another worker")
            if job.inbox_id is not None:
                unit.take_update(job.inbox_id, now)
            record = unit.conversation(incoming.channel, incoming.chat_id, job.hint, now)
            state = State.from_dict(record.state)
            known = self._check_context(unit, record, state, job)
            event = job.event
            if (
                state.lang is None
                and job.hint in self.config.served
                and not isinstance(event, Text)
            ):
                # First contact by a command or a button: the client's language is the best
                # guess (for text, the language identifier weighs it against the text).
                state = replace(state, lang=job.hint)
            turn = self._turn(incoming, record, state, event, job.inbound)
            if job.truncated:
                turn.replies.insert(0, Say(TEXTS["too_long"]))
            lang = turn.state.lang or job.hint
            rendered = [render(say, incoming.chat_id, lang, self.catalogs) for say in turn.replies]
            if turn.forget:
                forget(unit.session, record.user.id)
                return Outcome(rendered, [], False, None, False, lang)
            version = self._save(unit, record, turn, job.inbound, rendered, now)
            waiting = unit.outbox(incoming.channel, incoming.chat_id, rendered, now)
        inbound = job.inbound
        # What the turn was, never what was written: no text, no chat id.
        log.debug(
            "turn: conversation %s, %s in %s, intent %s (%s), %d replies",
            record.id,
            inbound.kind if inbound else "-",
            inbound.detected_language if inbound else "-",
            inbound.intent if inbound else "-",
            inbound.nlu_backend if inbound else "-",
            len(rendered),
        )
        return Outcome(
            rendered,
            waiting,
            True,
            _next_context(known, version, turn.state.lang, job.inbound),
            turn.relay is not None or turn.escalated,
            turn.state.lang,
        )

    @staticmethod
    def _check_context(
        unit: TurnUnit, record: ConversationRecord, state: State, job: Job
    ) -> Context | None:
        """The conversation's context as loaded (None when unknown and not needed); raise
        :class:`Replay` when the text was understood against another language or other
        recent languages than the conversation has now."""
        known = job.context
        if known is None or record.version == known.version:
            return known
        if not (job.understood or record.created):
            return None  # changed by another worker: read again when a text needs it
        recent = () if record.created else tuple(unit.recent_languages(record.id))
        actual = Context(record.version, state.lang, recent)
        if job.understood and (actual.lang, actual.recent) != (known.lang, known.recent):
            raise Replay(actual)
        return actual

    def _save(
        self,
        unit: TurnUnit,
        record: ConversationRecord,
        turn: Turn,
        inbound: MessageRecord | None,
        rendered: list[Outgoing],
        now: datetime,
    ) -> int:
        outbound = [MessageRecord("out", "text", reply.text) for reply in rendered]
        changes: dict[str, object] = {}
        if turn.languages:
            changes["language"] = turn.languages[-1]
        if turn.consent is not None:
            changes.update(Store.consent_changes(turn.consent, self.consent_version, now))
        if turn.broadcasts is not None:
            changes["broadcasts_off_at"] = None if turn.broadcasts else now
        version = unit.save(
            record,
            turn.state.to_dict(),
            ([inbound] if inbound else []) + outbound,
            now,
            keep_bodies=turn.state.consent == "given",
            user_changes=changes,
        )
        if turn.relay is not None:
            case_id, kind, body, ref = turn.relay
            self.cases.person_message(unit.session, case_id, kind, body, ref, now)
        return version

    def _turn(
        self,
        incoming: Incoming,
        record: ConversationRecord,
        state: State,
        event: Event,
        inbound: MessageRecord | None,
    ) -> Turn:
        """Run the engine, unless a mediator owns the conversation: then the bot stays
        silent (except in an emergency) and the message goes to the mediator. While a case
        waits, the bot answers as usual and copies what the person writes to the case."""
        case = owner_case(record.owner)
        choice = announcement_choice(event)
        if case is not None and choice is not None:  # only the confirmation, nothing relayed
            return Turn(state, [announcement_reply(choice)[1]], broadcasts=choice)
        waiting = case is not None and case[0] == "queue"
        if waiting or CASE_VAR in state.vars:
            state = state.with_vars(**{CASE_VAR: "waiting" if waiting else ""})
        if case is None:
            return self._run_engine(record, state, event, inbound)
        status, case_id = case
        kind = "command" if inbound is not None and inbound.kind == "command" else incoming.kind
        body = inbound.body if inbound is not None and kind in ("text", "command") else None
        relay: tuple[int, str, str | None, str] | None = (case_id, kind, body, incoming.ref)
        if isinstance(event, Command) and event.name == "start":
            # The client reopening the chat sends /start by itself: not the person's words.
            relay = None
            if status == "case":
                return Turn(state, [Say(CASE_TEXTS["with_mediator"])])
        if status == "case" and not is_emergency(self.config, event):
            return Turn(state, relay=relay)  # the mediator answers, not the bot
        if incoming.kind in ("media", "voice"):
            return Turn(state, [Say(CASE_TEXTS["passed_on"])], relay=relay)
        turn = self._run_engine(record, state, event, inbound)
        if incoming.kind != "button" and relay is not None:  # bot buttons mean nothing to staff
            turn.relay = relay
        return turn

    def _run_engine(
        self,
        record: ConversationRecord,
        state: State,
        event: Event,
        inbound: MessageRecord | None = None,
    ) -> Turn:
        turn = Turn(state)
        pending: Event | None = event
        rounds = 0
        while pending is not None:
            outcome = step(self.flows, self.config, turn.state, pending)
            turn.state = outcome.state
            pending = None
            for action in outcome.actions:
                match action:
                    case Say():
                        turn.replies.append(action)
                    case SetLanguage():
                        turn.languages.append(action.lang)
                    case RecordConsent():
                        turn.consent = action.given
                    case SetBroadcasts():
                        turn.broadcasts = action.on
                    case Forget():
                        turn.forget = True
                    case CallService():
                        rounds += 1
                        turn.escalated = turn.escalated or action.service == "escalation"
                        if rounds > _MAX_SERVICE_ROUNDS:
                            raise RuntimeError("too many service calls in one turn")
                        kept = (
                            inbound is not None
                            and inbound.kind in ("text", "command")
                            and turn.state.consent == "given"
                        )
                        ctx = ServiceContext(
                            record.user.id,
                            record.id,
                            turn.state.lang or self.config.fallback_lang,
                            dict(turn.state.vars),
                            self.clock(),
                            (inbound.body or "") if kept and inbound else "",
                            consented=turn.state.consent == "given",
                        )
                        pending = self.services.call(action, ctx)
        return turn


def _next_context(
    before: Context | None, version: int, lang: str | None, inbound: MessageRecord | None
) -> Context:
    """The conversation's context after a turn saved it at ``version``."""
    recent = before.recent if before is not None else ()
    if inbound is not None and inbound.detected_language:
        recent = (inbound.detected_language, *recent)[:3]
    return Context(version, lang, recent)
