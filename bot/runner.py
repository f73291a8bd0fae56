"""The runner: the asynchronous shell around the pure engine.

For each incoming message it loads the conversation, understands the text
(language, intent, crisis phrases), steps the engine, carries out the actions
(services, language, consent, forgetting), saves state, messages and the rendered
replies (the outbox) in one transaction, then sends the replies through the channel,
each leaving the outbox once the channel has it. Nothing is lost: a failure anywhere
still answers the user, in their language; when the database cannot be reached, a
stored update is left for the dispatcher to try again (and someone in danger gets
the emergency numbers at once); a reply the channel could not take stays in the
outbox and goes out, in order, before the chat's next turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.base import Channel
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
from bot.engine.events import Command, Event, Press, Text, Unreadable
from bot.engine.model import FlowSet
from bot.engine.state import State
from bot.engine.texts import EMERGENCY_NUMBERS, TEXTS
from bot.i18n import Catalogs, language_of
from bot.messages import Incoming, Outgoing
from bot.metrics import Metrics
from bot.render import render
from bot.services.escalation import CASE_TEXTS
from bot.services.interfaces import ServiceContext, Services
from bot.store.cases import CaseBook, owner_case
from bot.store.repository import (
    AlreadyProcessed,
    ConcurrentUpdate,
    ConversationRecord,
    MessageRecord,
    Store,
    unreachable,
)
from nlu.pipeline import Understanding, Understood
from nlu.text import clean_user_text

__all__ = ["MAX_TEXT", "Runner", "TryLater", "utc_now"]

log = logging.getLogger(__name__)

#: Longest text the bot reads; longer messages are cut (and the user told).
MAX_TEXT = 4000
_MAX_SERVICE_ROUNDS = 8
_MAX_REPLAYS = 3


def utc_now() -> datetime:
    return datetime.now(UTC)


class TryLater(Exception):
    """A stored update could not be finished now (the database is unreachable, or the
    channel did not take a reply): it stays stored, its replies stay in the outbox, and
    the dispatcher tries the chat again later."""


@dataclass
class _Turn:
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


@dataclass
class _ChatLock:
    """Serialises one chat's messages in this process; dropped when nobody waits."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


def _command(text: str) -> Command | None:
    if not text.startswith("/") or len(text) < 2 or not text[1].isalpha():
        return None
    head, _, args = text[1:].partition(" ")
    return Command(head.split("@", 1)[0].lower()[:32], args.strip())


def _looks_binary(text: str) -> bool:
    odd = sum(1 for c in text if c == "\ufffd" or (not c.isprintable() and not c.isspace()))
    return odd > max(2, len(text) // 10)


class Runner:
    """Handles incoming messages for one flow set, store and NLU; channel-agnostic."""

    def __init__(
        self,
        flows: FlowSet,
        config: EngineConfig,
        catalogs: Catalogs,
        store: Store,
        understanding: Understanding,
        services: Services | None = None,
        consent_version: str = "1",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.flows = flows
        self.config = config
        self.catalogs = catalogs
        self.store = store
        self.understanding = understanding
        self.services = services or Services()
        self.consent_version = consent_version
        self.clock = clock
        self.cases = CaseBook(store)
        #: Called after a turn that wrote case events (wakes the case relay).
        self.after_case_change: Callable[[], None] | None = None
        #: Counts updates, their latency and the NLU backend used (``bot.metrics``).
        self.metrics: Metrics | None = None
        self._locks: dict[tuple[str, str], _ChatLock] = {}
        #: Outbox ids the channel took whose deletion has not been saved yet.
        self._delivered: set[int] = set()
        #: Messages whose sender got the emergency numbers while the store was down.
        self._warned: dict[Hashable, None] = {}

    def publish(self, flows: FlowSet) -> None:
        """Swap in a new flow set; the next message uses it (no restart)."""
        self.flows = flows

    async def handle(
        self, incoming: Incoming, channel: Channel, inbox_id: int | None = None
    ) -> list[Outgoing]:
        """Process one incoming message and send the replies; return what was sent.

        ``inbox_id`` names the stored update this message came from: it is marked
        processed in the same transaction as the conversation's new state and replies.
        Without it this never raises. With it, :class:`TryLater` means the update or
        its replies wait in the database for the dispatcher's next try."""
        async with self._chat(incoming.channel, incoming.chat_id):
            known: list[str] = []  # the conversation's language, once it is read
            started = time.perf_counter()
            outcome = "ok"
            try:
                outgoing, saved = await self._handle(incoming, inbox_id, known)
            except Exception as exc:
                if inbox_id is not None and unreachable(exc):
                    log.warning(
                        "database unreachable; update %s on %s waits for the next try",
                        inbox_id,
                        incoming.channel,
                    )
                    await self.warn_if_in_danger(
                        incoming, ("inbox", inbox_id), channel, known[-1] if known else None
                    )
                    self._count(incoming, "postponed", started)
                    raise TryLater("the database cannot be reached") from exc
                outcome = "failed"
                log.exception("failed to handle a message on %s", incoming.channel)
                if inbox_id is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(self.store.mark_processed, inbox_id, self.clock())
                outgoing, saved = self._apologies(incoming, known), False
            self._warned.pop(("inbox", inbox_id), None)
            try:
                if saved:
                    outgoing = await self._deliver(incoming.channel, incoming.chat_id, channel)
                else:
                    for message in outgoing:
                        await channel.send(message)
            except Exception as exc:
                self._count(incoming, "postponed", started)
                if inbox_id is None:
                    log.warning(
                        "replies on %s not delivered (%s); they wait in the outbox",
                        incoming.channel,
                        type(exc).__name__,
                    )
                    return []
                raise TryLater("replies not delivered") from exc
            self._count(incoming, outcome, started)
            return outgoing

    @contextlib.asynccontextmanager
    async def _chat(self, channel_name: str, chat_id: str) -> AsyncIterator[None]:
        """One chat's turns and deliveries one at a time in this process (across
        processes, the dispatcher's lease does it)."""
        key = (channel_name, chat_id)
        entry = self._locks.setdefault(key, _ChatLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._locks.pop(key, None)

    async def flush(self, channel_name: str, chat_id: str, channel: Channel) -> list[Outgoing]:
        """Send a chat's replies left in the outbox (by a worker that died, or when the
        channel failed), in order, before the chat's next update is handled. Raises
        :class:`TryLater` when they cannot go out yet."""
        async with self._chat(channel_name, chat_id):
            try:
                return await self._deliver(channel_name, chat_id, channel)
            except Exception as exc:
                raise TryLater("replies not delivered") from exc

    async def _deliver(self, channel_name: str, chat_id: str, channel: Channel) -> list[Outgoing]:
        """Send the chat's outbox, oldest first, deleting each reply once sent. A reply
        sent whose deletion failed (the database went away) is not sent again by this
        process when the deletion is retried."""
        sent: list[Outgoing] = []
        while batch := await asyncio.to_thread(self.store.unsent, channel_name, chat_id):
            for outbox_id, message in batch:
                if outbox_id not in self._delivered:
                    await channel.send(message)
                    self._delivered.add(outbox_id)
                    sent.append(message)
                await asyncio.to_thread(self.store.sent, outbox_id)
                self._delivered.discard(outbox_id)
        return sent

    async def warn_if_in_danger(
        self, incoming: Incoming, key: Hashable, channel: Channel, lang: str | None = None
    ) -> None:
        """``incoming`` cannot be handled now (the database is unreachable): if its words
        say someone is in danger, send the emergency numbers at once, in their language,
        once per ``key`` however often the message is tried again."""
        if key in self._warned or not self._in_danger(incoming):
            return
        lang = lang or self._guess_language(incoming)
        try:
            await channel.send(
                render(Say(EMERGENCY_NUMBERS), incoming.chat_id, lang, self.catalogs)
            )
        except Exception:
            log.exception("the emergency numbers could not be sent while the store is away")
            return
        self._warned[key] = None
        while len(self._warned) > 10_000:
            self._warned.pop(next(iter(self._warned)))

    def _count(self, incoming: Incoming, outcome: str, started: float) -> None:
        if self.metrics is not None:
            self.metrics.updates.labels(incoming.channel, outcome).inc()
            self.metrics.latency.labels(incoming.channel).observe(time.perf_counter() - started)

    def _apologies(self, incoming: Incoming, known: list[str]) -> list[Outgoing]:
        lang = known[-1] if known else self._guess_language(incoming)
        return [
            render(say, incoming.chat_id, lang, self.catalogs)
            for say in self._when_broken(incoming)
        ]

    def _guess_language(self, incoming: Incoming) -> str | None:
        """The language to apologise in when the conversation could not be read: the
        text's, else the client's."""
        hint = language_of(incoming.language_code)
        if incoming.kind == "text" and incoming.text.strip():
            with contextlib.suppress(Exception):
                decided = self.understanding.langid.decide(
                    clean_user_text(incoming.text[:MAX_TEXT]), None, hint, ()
                )
                if decided.lang in self.config.served:
                    return decided.lang
        return hint

    def _when_broken(self, incoming: Incoming) -> list[Say]:
        """What to say when handling failed (the store is down, a bug): sorry, and the
        emergency numbers at once when the words say someone is in danger."""
        says = [Say(TEXTS["internal"])]
        if self._in_danger(incoming):
            says.insert(0, Say(EMERGENCY_NUMBERS))
        return says

    def _in_danger(self, incoming: Incoming) -> bool:
        return incoming.kind == "text" and bool(
            self.understanding.crisis.match(clean_user_text(incoming.text[:MAX_TEXT]))
        )

    async def _handle(
        self, incoming: Incoming, inbox_id: int | None, known: list[str]
    ) -> tuple[list[Outgoing], bool]:
        """The turn's rendered replies, and whether they were saved to the outbox (all
        but a ``/forget`` turn's, which leave nothing behind)."""
        hint = language_of(incoming.language_code)
        for _ in range(_MAX_REPLAYS):
            now = self.clock()
            record = await asyncio.to_thread(
                self.store.conversation, incoming.channel, incoming.chat_id, hint, now
            )
            state = State.from_dict(record.state)
            if state.lang:
                known.append(state.lang)
            event, inbound, truncated = await self._event(incoming, record, state, hint)
            if state.lang is None and hint in self.config.served and not isinstance(event, Text):
                # First contact by a command or a button: the client's language is the best
                # guess (for text, the language identifier weighs it against the text).
                state = replace(state, lang=hint)
            turn = await self._turn(incoming, record, state, event, inbound)
            if truncated:
                turn.replies.insert(0, Say(TEXTS["too_long"]))
            lang = turn.state.lang or hint
            rendered = [render(say, incoming.chat_id, lang, self.catalogs) for say in turn.replies]
            try:
                await asyncio.to_thread(self._save, record, turn, inbound, now, inbox_id, rendered)
            except AlreadyProcessed:
                log.info(
                    "update %s of conversation %s was handled by another worker",
                    inbox_id,
                    record.id,
                )
                return [], False
            except ConcurrentUpdate:
                log.info("conversation %s changed meanwhile; replaying the turn", record.id)
                continue
            if (turn.relay is not None or turn.escalated) and self.after_case_change:
                self.after_case_change()
            # What the turn was, never what was written: no text, no chat id.
            log.debug(
                "turn: conversation %s, %s in %s, intent %s (%s), %d replies",
                record.id,
                inbound.kind if inbound else "-",
                inbound.detected_language if inbound else "-",
                inbound.intent if inbound else "-",
                inbound.nlu_backend if inbound else "-",
                len(turn.replies),
            )
            return rendered, not turn.forget
        raise ConcurrentUpdate(f"gave up replaying a turn for {incoming.channel}")

    async def _turn(
        self,
        incoming: Incoming,
        record: ConversationRecord,
        state: State,
        event: Event,
        inbound: MessageRecord | None,
    ) -> _Turn:
        """Run the engine, unless a mediator owns the conversation: then the bot stays
        silent (except in an emergency) and the message goes to the mediator. While a case
        waits, the bot answers as usual and copies what the person writes to the case."""
        case = owner_case(record.owner)
        choice = announcement_choice(event)
        if case is not None and choice is not None:  # only the confirmation, nothing relayed
            return _Turn(state, [announcement_reply(choice)[1]], broadcasts=choice)
        waiting = case is not None and case[0] == "queue"
        if waiting or CASE_VAR in state.vars:
            state = state.with_vars(**{CASE_VAR: "waiting" if waiting else ""})
        if case is None:
            return await self._run_engine(record, state, event, inbound)
        status, case_id = case
        kind = "command" if inbound is not None and inbound.kind == "command" else incoming.kind
        body = inbound.body if inbound is not None and kind in ("text", "command") else None
        relay: tuple[int, str, str | None, str] | None = (case_id, kind, body, incoming.ref)
        if isinstance(event, Command) and event.name == "start":
            # The client reopening the chat sends /start by itself: not the person's words.
            relay = None
            if status == "case":
                return _Turn(state, [Say(CASE_TEXTS["with_mediator"])])
        if status == "case" and not is_emergency(self.config, event):
            return _Turn(state, relay=relay)  # the mediator answers, not the bot
        if incoming.kind in ("media", "voice"):
            return _Turn(state, [Say(CASE_TEXTS["passed_on"])], relay=relay)
        turn = await self._run_engine(record, state, event, inbound)
        if incoming.kind != "button" and relay is not None:  # bot buttons mean nothing to staff
            turn.relay = relay
        return turn

    async def _event(
        self, incoming: Incoming, record: ConversationRecord, state: State, hint: str | None
    ) -> tuple[Event, MessageRecord | None, bool]:
        """The engine event for a message, the record to store, and whether it was cut."""
        if incoming.kind == "button":
            data = incoming.data[:64]
            return Press(data), MessageRecord("in", "button", data), False
        if incoming.kind in ("media", "voice", "edited"):
            event = Unreadable(incoming.kind)
            return event, MessageRecord("in", incoming.kind, None), False
        raw = incoming.text
        text = clean_user_text(raw[: MAX_TEXT * 4])
        truncated = len(text) > MAX_TEXT
        text = text[:MAX_TEXT]
        if not text:
            return Unreadable("empty"), MessageRecord("in", "text", None), False
        if _looks_binary(text):
            return Unreadable("binary"), MessageRecord("in", "text", None), False
        command = _command(text)
        if command is not None:
            return command, MessageRecord("in", "command", text[:200]), False
        recent = await asyncio.to_thread(self.store.recent_languages, record.id)
        understood = await self.understanding.understand(text, state.lang, hint, recent)
        if self.metrics is not None:
            self.metrics.nlu.labels(
                understood.nlu.backend, "yes" if understood.nlu.fallback else "no"
            ).inc()
        detection = understood.language.detected
        return (
            _text_event(text, understood),
            MessageRecord(
                "in",
                "text",
                text,
                detection.lang,
                detection.confidence,
                understood.nlu.intent,
                understood.nlu.confidence,
                understood.nlu.backend,
            ),
            truncated,
        )

    async def _run_engine(
        self,
        record: ConversationRecord,
        state: State,
        event: Event,
        inbound: MessageRecord | None = None,
    ) -> _Turn:
        turn = _Turn(state)
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
                        pending = await asyncio.to_thread(self.services.call, action, ctx)
        return turn

    def _save(
        self,
        record: ConversationRecord,
        turn: _Turn,
        inbound: MessageRecord | None,
        now: datetime,
        inbox_id: int | None,
        rendered: Sequence[Outgoing],
    ) -> None:
        if turn.forget:
            self.store.forget_user(record.user.id)
            if inbox_id is not None:
                self.store.mark_processed(inbox_id, now)
            return
        outbound = [MessageRecord("out", "text", reply.text) for reply in rendered]
        messages: Sequence[MessageRecord] = ([inbound] if inbound else []) + outbound
        changes: dict[str, Any] = {}
        if turn.languages:
            changes["language"] = turn.languages[-1]
        if turn.consent is not None:
            changes.update(Store.consent_changes(turn.consent, self.consent_version, now))
        if turn.broadcasts is not None:
            changes["broadcasts_off_at"] = None if turn.broadcasts else now
        relay = turn.relay
        also = None
        if relay is not None:

            def also(session: Session) -> None:
                self.cases.person_message(session, relay[0], relay[1], relay[2], relay[3], now)

        self.store.save_turn(
            record,
            turn.state.to_dict(),
            messages,
            now,
            keep_bodies=turn.state.consent == "given",
            inbox_id=inbox_id,
            user_changes=changes,
            also=also,
            replies=rendered,
        )


def _text_event(text: str, understood: Understood) -> Text:
    decision = understood.language
    return Text(
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
