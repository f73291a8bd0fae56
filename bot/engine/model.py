"""The flow model: frozen dataclasses built from the YAML under ``flows/``.

A flow is a named graph of steps. Every text is a message id (msgid) looked up
in the gettext catalogs; the model never holds prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "STEP_KINDS",
    "ActionStep",
    "AnswerStep",
    "AskStep",
    "BookStep",
    "BranchStep",
    "CallStep",
    "Condition",
    "EndStep",
    "EscalateStep",
    "Flow",
    "FlowSet",
    "MenuOption",
    "MenuStep",
    "MessageStep",
    "Route",
    "Step",
    "Validation",
]

STEP_KINDS = (
    "message",
    "menu",
    "ask",
    "answer",
    "book",
    "escalate",
    "branch",
    "call",
    "action",
    "end",
)


@dataclass(frozen=True)
class MessageStep:
    """Send one message, then go on to ``next``."""

    id: str
    text: str
    next: str
    kind: Literal["message"] = "message"


@dataclass(frozen=True)
class MenuOption:
    """One button of a menu. ``intents`` let free text pick it too."""

    label: str
    icon: str = ""
    next: str | None = None
    flow: str | None = None
    set: Mapping[str, str] = field(default_factory=dict)
    intents: tuple[str, ...] = ()


@dataclass(frozen=True)
class MenuStep:
    """Offer buttons and wait for a press (or text matching an option's intents)."""

    id: str
    text: str
    options: tuple[MenuOption, ...]
    columns: int = 1
    kind: Literal["menu"] = "menu"


@dataclass(frozen=True)
class Validation:
    """How an ``ask`` step checks free text."""

    type: Literal["text", "number", "phone", "regex"] = "text"
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int = 500


@dataclass(frozen=True)
class AskStep:
    """Ask for free text, validate it, store it in ``var``; retry, then ``on_fail``."""

    id: str
    text: str
    var: str
    next: str
    error: str
    on_fail: str
    validate: Validation = field(default_factory=Validation)
    retries: int = 2
    kind: Literal["ask"] = "ask"


@dataclass(frozen=True)
class AnswerStep:
    """Answer from the rights knowledge base on ``topic`` (or the topic held in a var)."""

    id: str
    next: str
    on_missing: str
    topic: str | None = None
    topic_var: str | None = None
    kind: Literal["answer"] = "answer"


@dataclass(frozen=True)
class BookStep:
    """Pick and book an appointment slot for ``service`` through the booking service."""

    id: str
    next: str
    on_fail: str
    service: str | None = None
    kind: Literal["book"] = "book"


@dataclass(frozen=True)
class EscalateStep:
    """Open a case for a human mediator."""

    id: str
    reason: str
    next: str
    urgency: Literal["normal", "high", "emergency"] = "normal"
    kind: Literal["escalate"] = "escalate"


@dataclass(frozen=True)
class Condition:
    """``var`` (or the special names ``language`` and ``consent``) compared with a value."""

    var: str
    equals: str | None = None
    is_set: bool | None = None


@dataclass(frozen=True)
class BranchStep:
    """Go to the first case whose condition holds, else to ``otherwise``."""

    id: str
    cases: tuple[tuple[Condition, str], ...]
    otherwise: str
    kind: Literal["branch"] = "branch"


@dataclass(frozen=True)
class CallStep:
    """Run another flow; come back to ``next`` when it ends (no ``next``: jump)."""

    id: str
    flow: str
    next: str | None = None
    kind: Literal["call"] = "call"


@dataclass(frozen=True)
class ActionStep:
    """A named side effect handled by the runner (set language, record consent, …)."""

    id: str
    action: str
    next: str
    kind: Literal["action"] = "action"


@dataclass(frozen=True)
class EndStep:
    """End the flow; return to the caller or rest at home with menu buttons."""

    id: str
    text: str | None = None
    kind: Literal["end"] = "end"


Step = (
    MessageStep
    | MenuStep
    | AskStep
    | AnswerStep
    | BookStep
    | EscalateStep
    | BranchStep
    | CallStep
    | ActionStep
    | EndStep
)


@dataclass(frozen=True)
class Flow:
    """A named graph of steps, entered at ``start``."""

    id: str
    start: str
    steps: Mapping[str, Step]
    source: str = ""
    description: str = ""


@dataclass(frozen=True)
class Route:
    """Where an intent recognised outside any menu leads, with vars to set."""

    intent: str
    flow: str
    set: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FlowSet:
    """All flows plus the global intent routes: what the engine runs on."""

    flows: Mapping[str, Flow]
    routes: Mapping[str, Route]
    version: str = ""

    def step(self, flow_id: str, step_id: str) -> Step:
        return self.flows[flow_id].steps[step_id]
