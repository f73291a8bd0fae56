"""Try a draft before publishing it: a conversation with the draft's flows and texts
that reaches no user and writes nothing to the real database.

The simulated conversation runs through the real runner and NLU, on a private SQLite
store in a temporary folder. Rights answers are read from the real knowledge base
(without recording feedback or unanswered questions); booking and mediators are not
called: the simulator says so, in the simulated language, and the flow takes its
failure branch. Conversations are kept in this process's memory per staff member and
language.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.channels.memory import MemoryChannel
from bot.engine.actions import Say
from bot.engine.core import EngineConfig
from bot.engine.events import ServiceResult
from bot.engine.state import State
from bot.i18n import N_
from bot.messages import Incoming, Outgoing
from bot.publishing import Checked
from bot.runner import Runner
from bot.services.interfaces import ServiceContext, Services
from bot.services.knowledge import KnowledgeService
from bot.store.database import make_engine, migrate
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import Store
from nlu.pipeline import Understanding

__all__ = ["SIMULATOR_TEXTS", "SimLine", "Simulator", "TurnInfo"]

SIMULATOR_TEXTS = {
    "booking": N_("simulator.booking"),
    "escalation": N_("simulator.escalation"),
}
_CHANNEL = "simulator"
_KEEP = 200


@dataclass(frozen=True)
class SimLine:
    """One line of a simulated conversation."""

    author: str  # person | bot
    text: str
    lang: str = ""
    direction: str = "ltr"
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    #: For the first bot line of a turn: where the conversation is now and how the
    #: person's message was understood (empty for a button or a command).
    turn: TurnInfo | None = None


@dataclass(frozen=True)
class TurnInfo:
    """What a bot turn was: the flow and step it rests at, and the intent (with its
    confidence) recognised in the person's text."""

    flow: str = ""
    step: str = ""
    intent: str = ""
    confidence: float | None = None


class _ReadOnlyKnowledge(KnowledgeStore):
    """The real articles; nothing written back."""

    def record_feedback(self, *args: object, **kwargs: object) -> None:
        return None

    def record_gap(self, *args: object, **kwargs: object) -> None:
        return None


class _NotInSimulator:
    """A service the simulator does not call: it says so, and the step fails."""

    def __init__(self, text: str) -> None:
        self.text = text

    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=False, says=(Say(self.text),))

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=False, says=(Say(self.text),))


@dataclass
class _Conversation:
    lines: list[SimLine] = field(default_factory=list)


class Simulator:
    """Simulated conversations for the console, on a private store."""

    def __init__(
        self, real_store: Store, understanding: Understanding, config: EngineConfig
    ) -> None:
        self.real_store = real_store
        self.understanding = understanding
        self.config = config
        self._store: Store | None = None
        self._removal: weakref.finalize[..., Simulator] | None = None
        self._lock = threading.Lock()
        self._conversations: dict[str, _Conversation] = {}

    def _private_store(self) -> Store:
        with self._lock:
            if self._store is None:
                folder = Path(tempfile.mkdtemp(prefix="orienta-simulator-"))
                # Removed at close(), or when the simulator is collected or the process
                # exits if nobody closed it (an app served without its lifespan).
                self._removal = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
                url = f"sqlite:///{folder / 'simulator.sqlite3'}"
                migrate(url)
                self._store = Store(make_engine(url))
            return self._store

    def lines(self, key: str) -> list[SimLine]:
        return list(self._conversations.get(key, _Conversation()).lines)

    def reset(self, key: str) -> None:
        self._conversations.pop(key, None)
        if self._store is not None:
            user = self._store.user(_CHANNEL, key)
            if user is not None:
                self._store.forget_user(user.id)

    async def say(
        self,
        key: str,
        checked: Checked,
        lang: str,
        *,
        text: str = "",
        data: str = "",
        label: str = "",
    ) -> list[Outgoing]:
        """One turn of the simulated person: a text, or a press on a button (``data``,
        shown as ``label``)."""
        if checked.flowset is None:
            raise ValueError("the draft does not pass the checks")
        store = await asyncio.to_thread(self._private_store)
        conversation = self._conversations.setdefault(key, _Conversation())
        services = Services(
            knowledge=KnowledgeService(_ReadOnlyKnowledge(self.real_store)),
            booking=_NotInSimulator(SIMULATOR_TEXTS["booking"]),
            escalation=_NotInSimulator(SIMULATOR_TEXTS["escalation"]),
        )
        runner = Runner(
            checked.flowset, self.config, checked.catalogs, store, self.understanding, services
        )
        channel = MemoryChannel(_CHANNEL)
        incoming = (
            Incoming(_CHANNEL, key, kind="button", data=data, language_code=lang)
            if data
            else Incoming(_CHANNEL, key, text=text, language_code=lang)
        )
        conversation.lines.append(SimLine("person", label or text or data))
        replies = await runner.handle(incoming, channel)
        info = await asyncio.to_thread(self._turn_info, store, key)
        for index, reply in enumerate(replies):
            conversation.lines.append(
                SimLine(
                    "bot",
                    reply.text,
                    reply.lang,
                    reply.direction,
                    tuple(tuple((b.text, b.data) for b in row) for row in reply.buttons),
                    info if index == 0 else None,
                )
            )
        del conversation.lines[:-_KEEP]
        return replies

    @staticmethod
    def _turn_info(store: Store, key: str) -> TurnInfo:
        record = store.conversation(_CHANNEL, key, None, datetime.now(UTC))
        frame = State.from_dict(record.state).frame
        inbound = [m for m in store.messages(record.id) if m.direction == "in"]
        last = inbound[-1] if inbound else None
        return TurnInfo(
            frame.flow if frame else "",
            frame.step if frame else "",
            (last.intent or "") if last is not None else "",
            last.intent_confidence if last is not None else None,
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.engine.dispose()
        if self._removal is not None:
            self._removal()
