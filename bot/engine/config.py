"""The engine's settings and the names it shares between its modules: the slash
commands, the state variables it keeps, the intents that leave any step, and what a
turn returns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.engine.actions import (
    Action,
    Button,
)
from bot.engine.events import Event, Text
from bot.engine.state import State
from bot.engine.texts import TEXTS

__all__ = [
    "CASE_VAR",
    "COMMANDS",
    "HELD_VARS",
    "SERVICE_PREFIXES",
    "EngineConfig",
    "Outcome",
    "emergency_buttons",
    "home_buttons",
    "is_emergency",
]

ServiceName = Literal["knowledge", "booking", "escalation"]

#: Slash commands and the flow each one opens (``cancel`` is handled apart).
COMMANDS: Mapping[str, str] = {
    "start": "welcome",
    "help": "help",
    "language": "language",
    "menu": "menu",
    "mediator": "mediator",
    "forget": "forget",
}
#: Intents that leave whatever step the user is in (emergency is handled before them).
ANYWHERE = frozenset({"human_mediator", "change_language"})
#: Button payloads ``<prefix>:<data>`` belong to a service: its step gets the data.
SERVICE_PREFIXES: Mapping[str, ServiceName] = {"k": "knowledge", "b": "booking", "e": "escalation"}
MAX_STEPS_PER_TURN = 64
DATA_VAR = "_data"
PENDING_INTENT, PENDING_TEXT = "_intent", "_text"
#: A message kept until a step is answered (consent, the danger check, a language).
HELD_TEXT, HELD_INTENT = "_held", "_held_intent"
#: The variables that hold such a message (erased when unanswered: see bot.store.retention).
HELD_VARS = (HELD_TEXT, HELD_INTENT)
#: Share of the intent threshold at which a held question is still answered.
HELD_CONFIDENCE = 0.6
#: Intents not worth holding: they need no answer once the step is done.
NOT_HELD = frozenset({"", "greet", "thanks", "goodbye", "affirm", "deny", "change_language"})
#: The flow that asks "Are you in danger right now?" on a weak crisis signal.
DANGER_CHECK = "danger_check"
HUMAN = "human_mediator"
#: While a request waits for a mediator: the flow that says where it stands, the state
#: variable the runner sets, and the intents that get that answer rather than their route.
CASE_WAITING, CASE_VAR = "case_waiting", "_case"
TO_PERSON = frozenset({"greet", "human_mediator", "out_of_scope", "affirm", "deny"})
BUTTON_REF = re.compile(r"^(\d+)\.(\d+)$")


@dataclass(frozen=True)
class EngineConfig:
    """Engine tuning; built from the settings by the runner."""

    served: tuple[str, ...]
    fallback_lang: str = "en"
    intent_threshold: float = 0.5
    #: At this emergency probability the bot asks "Are you in danger right now?" ...
    emergency_threshold: float = 0.3
    #: ... and at this one it takes the emergency path at once.
    emergency_strong: float = 0.6
    misunderstood_limit: int = 2
    #: The intent that means "I am in danger" (``nlu.intents.EMERGENCY``, handed in by the
    #: wiring: the engine imports no NLU).
    emergency_intent: str = "emergency"
    #: The intent asking for another language (``nlu.intents.CHANGE_LANGUAGE``).
    language_intent: str = "change_language"
    #: Languages Orienta does not serve, and the served language its speakers are first
    #: answered in (they choose theirs at once).
    foreign_notes: Mapping[str, str] = field(default_factory=lambda: {"ru": "uk"})
    #: The flow that hosts each service: a service button pressed outside its step
    #: (a reminder, an older message) starts this flow with the button's data.
    service_flows: Mapping[str, str] = field(
        default_factory=lambda: {
            "knowledge": "rights",
            "booking": "appointments",
            "escalation": "mediator",
        }
    )


@dataclass(frozen=True)
class Outcome:
    """The engine's answer to one event."""

    state: State
    actions: tuple[Action, ...] = ()


def alarm_of(config: EngineConfig, event: Event) -> Literal["", "strong", "weak"]:
    """How strongly a message says someone is in danger: ``strong`` (a crisis phrase, a
    high emergency probability: act at once), ``weak`` (ask first) or empty."""
    if not isinstance(event, Text):
        return ""
    emergency = event.confidence if event.intent == config.emergency_intent else 0.0
    if event.crisis or event.alarm == "strong" or emergency >= config.emergency_strong:
        return "strong"
    if event.alarm == "weak" or emergency >= config.emergency_threshold:
        return "weak"
    return ""


def is_emergency(config: EngineConfig, event: Event) -> bool:
    """Whether a message says, beyond doubt, that someone is in danger."""
    return alarm_of(config, event) == "strong"


def home_buttons() -> tuple[tuple[Button, ...], ...]:
    """The two ways on offered after every answer: the menu and a person."""
    return ((Button(TEXTS["menu"], "menu", "↩️"), Button(TEXTS["human"], "human", "🙋")),)


def emergency_buttons() -> tuple[tuple[Button, ...], ...]:
    """🆘 on its own row, then the home buttons (after a crisis)."""
    return ((Button(TEXTS["emergency"], "sos", "🆘"),), *home_buttons())
