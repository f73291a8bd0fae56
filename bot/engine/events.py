"""What happens to a conversation: the engine's input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Command", "Event", "Press", "ServiceResult", "Text", "Unreadable"]


@dataclass(frozen=True)
class Text:
    """A text message, already understood by the NLU and the language identifier.

    ``switch_to`` is set when the language identifier decided the conversation
    language should change; ``foreign`` names a confidently detected language
    Orienta does not serve (e.g. ``ru``).
    """

    text: str
    intent: str | None = None
    confidence: float = 0.0
    lang: str | None = None
    switch_to: str | None = None
    foreign: str | None = None
    crisis: bool = False


@dataclass(frozen=True)
class Press:
    """A button press carrying the button's payload."""

    data: str


@dataclass(frozen=True)
class Command:
    """A slash command such as ``/start`` or ``/help`` (name without the slash)."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Unreadable:
    """A message the bot cannot read: a sticker, a photo, a voice note, binary junk."""

    kind: Literal["empty", "binary", "media", "voice", "edited"] = "media"


@dataclass(frozen=True)
class ServiceResult:
    """The answer of a service the engine asked for (knowledge base, booking, escalation).

    ``text`` is a message id the engine shows with ``params``.
    """

    ok: bool
    text: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


Event = Text | Press | Command | Unreadable | ServiceResult
