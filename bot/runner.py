"""The runner: the asynchronous shell around the pure engine.

For each incoming message it understands the text (language, intent, crisis phrases)
against what it last knew of the conversation, then runs the turn in one unit of work
on one thread (:mod:`bot.turn`: the chat's lease, the update taken, state loaded, the
engine stepped, the services' work, state, messages, outbox and case copy saved — one
transaction), then sends the replies through the channel. The replies sent leave the
outbox in the chat's next transaction (the next turn's, or the dispatcher letting the
chat go). Nothing is lost: a failure anywhere still answers the user, in their language;
when the database cannot be reached, a stored update is left for the dispatcher to try
again (and someone in danger gets the emergency numbers at once); a reply the channel
could not take stays in the outbox and goes out, in order, before the chat's next turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.channels.base import Channel
from bot.engine.actions import Say
from bot.engine.config import EngineConfig
from bot.engine.events import Event
from bot.engine.model import FlowSet
from bot.engine.texts import EMERGENCY_NUMBERS, TEXTS
from bot.i18n import Catalogs, language_of
from bot.messages import Incoming, Outgoing
from bot.metrics import Metrics
from bot.reading import MAX_TEXT, read
from bot.render import render
from bot.services.interfaces import Services
from bot.store.cases import CaseBook
from bot.store.inbox import Context
from bot.store.repository import (
    AlreadyProcessed,
    ConcurrentUpdate,
    LeaseLost,
    MessageRecord,
    Store,
    unreachable,
)
from bot.turn import Job, Lease, Outcome, Replay, TurnSteps
from nlu.pipeline import Understanding
from nlu.text import clean_user_text

__all__ = ["MAX_TEXT", "Lease", "Runner", "TryLater", "utc_now"]

log = logging.getLogger(__name__)

_MAX_REPLAYS = 3
#: Conversations whose context the runner remembers (the most recent ones).
_CONTEXTS = 10_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class TryLater(Exception):
    """A stored update could not be finished now (the database is unreachable, or the
    channel did not take a reply): it stays stored, its replies stay in the outbox, and
    the dispatcher tries the chat again later."""


@dataclass
class _ChatLock:
    """Serialises one chat's messages in this process; dropped when nobody waits."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Runner(TurnSteps):
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
        #: Per chat, outbox ids the channel took whose deletion is not saved yet (they
        #: leave the outbox in the chat's next transaction, and are never sent again).
        self._delivered: dict[tuple[str, str], list[int]] = {}
        #: What the language identification last knew of each recent conversation.
        self._contexts: dict[tuple[str, str], Context] = {}
        #: Messages whose sender got the emergency numbers while the store was down.
        self._warned: dict[Hashable, None] = {}

    def publish(self, flows: FlowSet) -> None:
        """Swap in a new flow set; the next message uses it (no restart)."""
        self.flows = flows

    async def handle(
        self,
        incoming: Incoming,
        channel: Channel,
        inbox_id: int | None = None,
        lease: Lease | None = None,
    ) -> list[Outgoing]:
        """Process one incoming message and send the replies; return what was sent.

        ``inbox_id`` names the stored update this message came from: it is marked
        processed in the same transaction as the conversation's new state and replies;
        the dispatcher that passes its ``lease`` lets the replies sent leave the outbox
        when it lets the chat go. Without ``inbox_id`` this never raises. With it,
        :class:`TryLater` means the update or its replies wait in the database for the
        dispatcher's next try, and ``LeaseLost`` that another worker holds the chat."""
        async with self._chat(incoming.channel, incoming.chat_id):
            known: list[str] = []  # the conversation's language, once it is read
            started = time.perf_counter()
            outcome = "ok"
            try:
                done = await self._handle(incoming, inbox_id, lease, known)
            except LeaseLost:
                self._count(incoming, "postponed", started)
                raise
            except AlreadyProcessed:
                log.info(
                    "update %s on %s was handled by another worker", inbox_id, incoming.channel
                )
                self._count(incoming, outcome, started)
                return []
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
                done = Outcome(self._apologies(incoming, known), [], False, None, False, None)
            self._warned.pop(("inbox", inbox_id), None)
            key = (incoming.channel, incoming.chat_id)
            try:
                if done.saved:
                    outgoing = await self._send(key, done.waiting, channel)
                    if lease is None:  # no dispatcher lets the chat go: they leave now
                        await self._settle_now(key)
                else:
                    outgoing = done.rendered
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

    async def deliver(
        self,
        channel_name: str,
        chat_id: str,
        channel: Channel,
        waiting: Sequence[tuple[int, Outgoing]],
    ) -> list[Outgoing]:
        """Send replies left in the outbox (by a worker that died, or when the channel
        failed), in order, before the chat's next update is handled. Raises
        :class:`TryLater` when they cannot go out yet."""
        async with self._chat(channel_name, chat_id):
            try:
                return await self._send((channel_name, chat_id), waiting, channel)
            except Exception as exc:
                raise TryLater("replies not delivered") from exc

    async def flush(self, channel_name: str, chat_id: str, channel: Channel) -> list[Outgoing]:
        """Send everything in the chat's outbox (an announcement, replies left over), in
        order; what was sent leaves the outbox at once. Raises :class:`TryLater` when it
        cannot go out yet."""
        key = (channel_name, chat_id)
        sent: list[Outgoing] = []
        async with self._chat(channel_name, chat_id):
            try:
                while waiting := await asyncio.to_thread(self.store.unsent, *key):
                    sent += await self._send(key, waiting, channel)
                    await self._settle_now(key)
            except Exception as exc:
                raise TryLater("replies not delivered") from exc
        return sent

    def delivered(self, channel_name: str, chat_id: str) -> tuple[int, ...]:
        """The chat's replies sent whose leaving the outbox is not saved yet."""
        return tuple(self._delivered.get((channel_name, chat_id), ()))

    def settled(self, channel_name: str, chat_id: str, outbox_ids: Sequence[int]) -> None:
        """``outbox_ids`` left the outbox (their transaction committed)."""
        key = (channel_name, chat_id)
        left = [i for i in self._delivered.get(key, ()) if i not in outbox_ids]
        if left:
            self._delivered[key] = left
        else:
            self._delivered.pop(key, None)

    def remember(self, channel_name: str, chat_id: str, context: Context) -> None:
        """What the language identification needs to know of the conversation now (read
        with the chat's backlog)."""
        key = (channel_name, chat_id)
        self._contexts.pop(key, None)
        self._contexts[key] = context
        while len(self._contexts) > _CONTEXTS:
            self._contexts.pop(next(iter(self._contexts)))

    async def _send(
        self, key: tuple[str, str], waiting: Sequence[tuple[int, Outgoing]], channel: Channel
    ) -> list[Outgoing]:
        """Send the outbox replies, oldest first, each once however often this is tried
        (a reply sent is remembered until its leaving the outbox is saved). When the
        channel fails, the replies it took leave the outbox at once, the rest wait."""
        sent: list[Outgoing] = []
        done = self._delivered.setdefault(key, [])
        try:
            for outbox_id, message in waiting:
                if outbox_id not in done:
                    await channel.send(message)
                    done.append(outbox_id)
                    sent.append(message)
        except Exception:
            with contextlib.suppress(Exception):
                await self._settle_now(key)
            raise
        return sent

    async def _settle_now(self, key: tuple[str, str]) -> None:
        ids = self.delivered(*key)
        if ids:
            await asyncio.to_thread(self.store.sent, *ids)
            self.settled(*key, ids)

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
        self, incoming: Incoming, inbox_id: int | None, lease: Lease | None, known: list[str]
    ) -> Outcome:
        """Run the turn on one thread: understand the message (a local NLU there, a remote
        one first, here), then its unit of work; again when another worker changed the
        conversation meanwhile."""
        hint = language_of(incoming.language_code)
        key = (incoming.channel, incoming.chat_id)
        event, inbound, truncated, text = read(incoming)
        local = bool(text) and self.understanding.local
        context = self._contexts.get(key)
        read_with: Context | None = None
        for _ in range(_MAX_REPLAYS):
            if text and not local:
                if context is None:
                    context = await asyncio.to_thread(self.store.context, *key)
                if context.lang:
                    known.append(context.lang)
                if context != read_with:
                    event, inbound = await self._understand(text, context, hint)
                    read_with = context
            job = Job(
                incoming,
                hint,
                event,
                inbound,
                truncated,
                inbox_id,
                lease,
                context,
                understood=bool(text) and not local,
                sent=self.delivered(*key),
                text=text if local else "",
            )
            try:
                done = await asyncio.to_thread(self.run_turn, job, known)
            except Replay as replay:
                context = replay.context
                continue
            except ConcurrentUpdate:
                log.info("a conversation on %s changed meanwhile; replaying the turn", key[0])
                continue
            self.settled(*key, job.sent)
            if done.context is None:
                self._contexts.pop(key, None)
            else:
                self.remember(*key, done.context)
            if done.case_changed and self.after_case_change:
                self.after_case_change()
            return done
        raise ConcurrentUpdate(f"gave up replaying a turn for {incoming.channel}")

    async def _understand(
        self, text: str, context: Context, hint: str | None
    ) -> tuple[Event, MessageRecord]:
        """Understand a text with a remote NLU (Rasa), against what the conversation was
        (its language and its last messages' languages)."""
        understood = await self.understanding.understand(
            text, context.lang, hint, list(context.recent)
        )
        return self.understood(text, understood)
