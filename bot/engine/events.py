"""What happens to a conversation: the engine's input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.engine.actions import Say

__all__ = ["Command", "Event", "Press", "ServiceResult", "Text", "Unreadable"]


@dataclass(frozen=True)
class Text:
    """A text message, already understood by the NLU and the language identifier.

    ``switch_to`` is set when the language identifier decided the conversation
    language should change; ``foreign`` names a confidently detected language
    Orienta does not serve (e.g. ``ru``). ``crisis`` is a strong crisis signal (a
    curated crisis phrase, a high emergency probability); ``alarm`` grades the signal
    (``strong``, ``weak`` or empty) and ``crisis_kind`` names the kind of crisis
    (``shelter``, ``violence``, ``suicide``, ``illness``, ``child``, ``other``).
    """

    text: str
    intent: str | None = None
    confidence: float = 0.0
    lang: str | None = None
    switch_to: str | None = None
    foreign: str | None = None
    #: The served language a request to change language names ("en français svp").
    named_lang: str | None = None
    crisis: bool = False
    alarm: Literal["", "strong", "weak"] = ""
    crisis_kind: str = ""


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

    ``says`` are shown as they are; ``vars`` are merged into the conversation's
    variables (an empty value removes one). With ``wait`` the service asked the
    user something: the step stays current and the user's next press of one of
    the service's buttons (or their next text) goes back to the service.
    Otherwise ``ok`` chooses the step's ``next`` or its failure branch. With
    ``passed`` the user's text was not for the service (they asked for something
    else): the engine follows the text's intent instead.
    """

    ok: bool
    says: tuple[Say, ...] = ()
    vars: Mapping[str, str] = field(default_factory=dict)
    wait: bool = False
    passed: bool = False


Event = Text | Press | Command | Unreadable | ServiceResult
