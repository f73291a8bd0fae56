"""Builders of Telegram updates as the Bot API sends them (JSON-ready dicts)."""

from __future__ import annotations

import itertools
import time
from typing import Any

__all__ = [
    "callback_update",
    "edited_update",
    "media_update",
    "staff_callback",
    "staff_update",
    "text_update",
    "user",
]

_message_ids = itertools.count(900_000)
_query_ids = itertools.count(1)


def user(chat_id: int, language_code: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    if language_code:
        data["language_code"] = language_code
    return data


def _message(chat_id: int, language_code: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
        "from": user(chat_id, language_code),
        **fields,
    }


def text_update(
    chat_id: int, text: str, language_code: str | None = None, update_id: int | None = None
) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    update: dict[str, Any] = {"message": _message(chat_id, language_code, **fields)}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def callback_update(
    chat_id: int, message: dict[str, Any], data: str, language_code: str | None = None
) -> dict[str, Any]:
    """A press by user ``chat_id`` on a button of ``message`` (as the fake recorded it)."""
    bot_message = {
        k: v for k, v in message.items() if k not in ("raw_text", "parse_mode", "edited", "at")
    }
    return {
        "callback_query": {
            "id": str(next(_query_ids)),
            "from": user(chat_id, language_code),
            "chat_instance": f"ci-{chat_id}",
            "data": data,
            "message": bot_message,
        }
    }


def media_update(chat_id: int, kind: str) -> dict[str, Any]:
    payloads: dict[str, dict[str, Any]] = {
        "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
        "sticker": {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u2",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        "voice": {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        "document": {"document": {"file_id": "d1", "file_unique_id": "u4"}},
        "location": {"location": {"latitude": 60.17, "longitude": 24.94}},
    }
    return {"message": _message(chat_id, None, **payloads[kind])}


def edited_update(chat_id: int, text: str) -> dict[str, Any]:
    return {"edited_message": {**_message(chat_id, None, text=text), "edit_date": int(time.time())}}


def staff_update(
    group_id: int, thread_id: int, from_id: int, text: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A mediator's message in a forum topic of the staff supergroup."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": group_id, "type": "supergroup", "title": "Staff", "is_forum": True},
        "from": user(from_id),
        "message_thread_id": thread_id,
        "is_topic_message": True,
        **fields,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return {"message": message}


def staff_callback(from_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    """A mediator's press on a button of a message the bot posted in the staff group."""
    bot_message = {
        k: v
        for k, v in message.items()
        if k not in ("raw_text", "parse_mode", "edited", "at", "copied_from")
    }
    return {
        "callback_query": {
            "id": str(next(_query_ids)),
            "from": user(from_id),
            "chat_instance": "ci-staff",
            "data": data,
            "message": bot_message,
        }
    }
