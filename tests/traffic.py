"""Conversations for the scale-out and fault tests and the load benchmark, with the
transcript each one must produce.

A script is what a person does (commands, button presses by their icon or name, typed
text in their language). :func:`reference` plays every script once through the runner
in this process (the memory channel, a private SQLite store, the same trained NLU model
and content as the workers): that fixes the exact updates (a button press carries the
data of the button the person saw) and the replies a correct deployment must send, each
once and in this order. Updates get increasing ``update_id``\\ s interleaved across chats,
as Telegram numbers them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import build, prepare_content
from bot.messages import Outgoing
from bot.settings import SERVED_LANGUAGES, Settings
from tests.builders import text_update, user
from tests.dialog import NAMES, Dialog

__all__ = ["Chat", "Reply", "reference", "script_for"]

THANKS = {
    "ar": "شكرا جزيلا على المساعدة",
    "fr": "merci beaucoup pour votre aide",
    "it": "grazie mille per l'aiuto",
    "fi": "kiitos paljon avusta",
    "uk": "дуже дякую за допомогу",
}
QUESTION = {
    "ar": "أين أجد طبيبا لابني؟",
    "fr": "où trouver un médecin pour mon fils ?",
    "it": "dove trovo un medico per mio figlio?",
    "fi": "mistä löydän lääkärin pojalleni?",
    "uk": "де знайти лікаря для мого сина?",
}
#: The first chat id; chats are numbered from here.
FIRST_CHAT = 700_000


@dataclass(frozen=True)
class Reply:
    """A message as the person sees it: its text and its buttons' data, row by row."""

    text: str
    buttons: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, message: Outgoing) -> Reply:
        return cls(message.text, tuple(tuple(b.data for b in row) for row in message.buttons))

    @classmethod
    def sent(cls, message: dict[str, Any]) -> Reply:
        """From a message the fake Bot API recorded."""
        markup = message.get("reply_markup") or {}
        return cls(
            str(message.get("text", "")),
            tuple(
                tuple(str(b["callback_data"]) for b in row)
                for row in markup.get("inline_keyboard", ())
            ),
        )


@dataclass
class Chat:
    """One person's updates (Telegram JSON, update ids set) and the replies they must get."""

    chat_id: int
    lang: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    expected: list[Reply] = field(default_factory=list)
    #: How many replies the chat has once its first n + 1 updates are answered.
    marks: list[int] = field(default_factory=list)


def script_for(lang: str, rounds: int = 1) -> list[tuple[str, str]]:
    """A conversation in ``lang``: welcome, language, consent, a first topic (with the
    region and situation it asks once), then ``rounds`` of topics by button with typed
    questions and thanks (what the NLU must read)."""
    steps = [
        ("say", "/start"),
        ("press", NAMES[lang]),
        ("press", "✅"),
        ("press", "🏠"),
        ("press", "k:r:anderlecht"),
        ("press", "k:a:families"),
        ("say", THANKS[lang]),
    ]
    for _ in range(rounds):
        steps += [
            ("say", "/menu"),
            ("press", "🩺"),
            ("say", QUESTION[lang]),
            ("say", "/menu"),
            ("press", "📄"),
            ("say", THANKS[lang]),
        ]
    return steps


async def reference(
    var_dir: Path, chats: int, rounds: int = 1, first_update: int = 1
) -> list[Chat]:
    """Play ``chats`` scripts (languages in turn) through the runner; number their
    updates across chats as Telegram would deliver them interleaved."""
    database = var_dir / "reference.sqlite3"
    database.unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite:///{database}", var_dir=var_dir)
    orienta = build(settings)
    prepare_content(settings, orienta.store, datetime.now(UTC).date())
    try:
        played = await _play(orienta, chats, rounds)
    finally:
        orienta.store.engine.dispose()
    ids = itertools.count(first_update)
    longest = max(len(chat.updates) for chat in played)
    for turn in range(longest):  # update ids interleave across chats, increasing per chat
        for chat in played:
            if turn < len(chat.updates):
                chat.updates[turn]["update_id"] = next(ids)
    return played


async def _play(orienta: Any, chats: int, rounds: int) -> list[Chat]:
    played = []
    for index in range(chats):
        lang = SERVED_LANGUAGES[index % len(SERVED_LANGUAGES)]
        chat = Chat(FIRST_CHAT + index, lang)
        dialog = Dialog(orienta, str(chat.chat_id), channel="telegram")
        for kind, value in script_for(lang, rounds):
            if kind == "say":
                replies = await dialog.say(value)
                chat.updates.append(text_update(chat.chat_id, value))
            else:
                data = next((b.data for b in dialog.buttons() if b.data == value), None)
                data = data or dialog.button(value).data
                replies = await dialog.press_data(data)
                chat.updates.append(_press(chat.chat_id, data))
            assert replies, f"no reply to {kind} {value!r} in {lang}"
            chat.expected += [Reply.of(message) for message in replies]
            chat.marks.append(len(chat.expected))
        played.append(chat)
    return played


def _press(chat_id: int, data: str) -> dict[str, Any]:
    """A button press (the message it belonged to is not needed by the bot)."""
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": 4242, "is_bot": True, "first_name": "Orienta"},
        "text": "…",
    }
    return {
        "callback_query": {
            "id": f"q-{chat_id}-{data}",
            "from": user(chat_id),
            "chat_instance": f"ci-{chat_id}",
            "data": data,
            "message": message,
        }
    }
