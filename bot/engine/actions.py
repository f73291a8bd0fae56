"""What the engine asks the outside world to do: the engine's output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Action",
    "Button",
    "CallService",
    "Forget",
    "Msg",
    "RecordConsent",
    "Say",
    "SetBroadcasts",
    "SetLanguage",
]


@dataclass(frozen=True)
class Msg:
    """A message id used as a parameter, translated before it is put in place."""

    msgid: str


@dataclass(frozen=True)
class Button:
    """An inline button: a translated label, an optional icon, and its payload."""

    label: str
    payload: str
    icon: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Say:
    """Send a message: msgid, parameters, rows of buttons; ``lang`` overrides the
    conversation language (used when the user's language is not known yet)."""

    text: str
    params: Mapping[str, str | Msg] = field(default_factory=dict)
    buttons: tuple[tuple[Button, ...], ...] = ()
    lang: str | None = None


@dataclass(frozen=True)
class SetLanguage:
    """The user chose this language: remember it."""

    lang: str


@dataclass(frozen=True)
class RecordConsent:
    """The user agreed (or declined) to the privacy notice."""

    given: bool


@dataclass(frozen=True)
class SetBroadcasts:
    """The person wants announcements (broadcasts) again, or no more of them."""

    on: bool


@dataclass(frozen=True)
class Forget:
    """Delete everything stored about the user."""


@dataclass(frozen=True)
class CallService:
    """Ask a service for something; the runner answers with a ``ServiceResult`` event.

    ``op`` is ``start`` when a step begins (``args`` hold the step's arguments and,
    when a service button was pressed outside the step, its ``data``) or ``input``
    for the user's answer while the step waits (``data`` of a pressed button, or
    ``text`` with the ``intent`` the NLU found in it).
    """

    service: Literal["knowledge", "booking", "escalation"]
    op: str
    args: Mapping[str, str] = field(default_factory=dict)


Action = Say | SetLanguage | RecordConsent | SetBroadcasts | Forget | CallService
