"""Neutral message types: what channels translate to and from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Incoming", "OutButton", "Outgoing"]

IncomingKind = Literal["text", "button", "media", "voice", "edited"]


@dataclass(frozen=True)
class Incoming:
    """A user's message or button press, from any channel."""

    channel: str
    chat_id: str
    kind: IncomingKind = "text"
    text: str = ""
    data: str = ""
    language_code: str | None = None
    #: The channel's id of the message (to copy photos and voice notes to a mediator).
    ref: str = ""
    #: Who wrote it, when that is not the chat itself (a mediator in the staff group).
    sender: str = ""


@dataclass(frozen=True)
class OutButton:
    """A rendered inline button."""

    text: str
    data: str


@dataclass(frozen=True)
class Outgoing:
    """A rendered message in the user's language, ready for a channel."""

    chat_id: str
    text: str
    lang: str
    direction: Literal["ltr", "rtl"] = "ltr"
    buttons: tuple[tuple[OutButton, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The message as JSON-ready data (stored in the outbox until it is sent)."""
        return {
            "text": self.text,
            "lang": self.lang,
            "direction": self.direction,
            "buttons": [[[b.text, b.data] for b in row] for row in self.buttons],
        }

    @classmethod
    def from_dict(cls, chat_id: str, data: dict[str, Any]) -> Outgoing:
        return cls(
            chat_id,
            str(data["text"]),
            str(data["lang"]),
            "rtl" if data.get("direction") == "rtl" else "ltr",
            tuple(
                tuple(OutButton(str(text), str(value)) for text, value in row)
                for row in data.get("buttons", ())
            ),
        )
