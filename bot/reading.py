"""Reading a message before it is understood: a button's data, a command, a text cut to
:data:`MAX_TEXT` and cleaned, or something the bot cannot read."""

from __future__ import annotations

from bot.engine.events import Command, Event, Press, Unreadable
from bot.messages import Incoming
from bot.store.repository import MessageRecord
from nlu.text import clean_user_text

__all__ = ["MAX_TEXT", "read"]

#: Longest text the bot reads; longer messages are cut (and the user told).
MAX_TEXT = 4000


def _command(text: str) -> Command | None:
    if not text.startswith("/") or len(text) < 2 or not text[1].isalpha():
        return None
    head, _, args = text[1:].partition(" ")
    return Command(head.split("@", 1)[0].lower()[:32], args.strip())


def _looks_binary(text: str) -> bool:
    odd = sum(1 for c in text if c == "\ufffd" or (not c.isprintable() and not c.isspace()))
    return odd > max(2, len(text) // 10)


def read(incoming: Incoming) -> tuple[Event, MessageRecord | None, bool, str]:
    """The engine event for a message that needs no understanding, the record to store
    and whether it was cut; or, for a text the NLU must read, that text (cleaned, cut)
    with a stand-in event."""
    if incoming.kind == "button":
        data = incoming.data[:64]
        return Press(data), MessageRecord("in", "button", data), False, ""
    if incoming.kind in ("media", "voice", "edited"):
        return Unreadable(incoming.kind), MessageRecord("in", incoming.kind, None), False, ""
    text = clean_user_text(incoming.text[: MAX_TEXT * 4])
    truncated = len(text) > MAX_TEXT
    text = text[:MAX_TEXT]
    if not text:
        return Unreadable("empty"), MessageRecord("in", "text", None), False, ""
    if _looks_binary(text):
        return Unreadable("binary"), MessageRecord("in", "text", None), False, ""
    command = _command(text)
    if command is not None:
        return command, MessageRecord("in", "command", text[:200]), False, ""
    return Unreadable("empty"), None, truncated, text
