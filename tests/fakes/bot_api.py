"""A fake Telegram Bot API server speaking the real HTTP protocol on 127.0.0.1.

python-telegram-bot runs unmodified against it (``base_url`` pointed here). It
implements the methods Orienta uses — getMe, getUpdates with long polling,
sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
sendChatAction, setMyCommands, setWebhook, deleteWebhook, getWebhookInfo —
and a control API for tests: inject user updates, read what the bot sent and
called, make methods fail (429 with retry_after, 403 blocked, 5xx), and stall a
method's next call for a chat, or hold every call of a method (the request hangs and
is never carried out, as when the caller dies before Telegram has it).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["FakeBotApi", "RunningFakeBotApi"]

BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Orienta",
    "username": "orienta_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "scope",
    "entities",
    "link_preview_options",
    "reply_parameters",
}
#: The HTML tags the Bot API accepts.
_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r'<(/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>')


def html_error(text: str) -> str | None:
    """Why Telegram would refuse ``text`` with parse_mode HTML, or None."""
    stack: list[str] = []
    position = 0
    while (start := text.find("<", position)) >= 0:
        match = _TAG.match(text, start)
        if match is None or match.group(2) not in _HTML_TAGS:
            return f"Bad Request: can't parse entities: unsupported start tag at {start}"
        if match.group(1):
            if not stack or stack.pop() != match.group(2):
                return f"Bad Request: can't parse entities: unexpected end tag at {start}"
        else:
            stack.append(match.group(2))
        position = match.end()
    if stack:
        return "Bad Request: can't parse entities: can't find end tag"
    return None


def _strip_tags(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeBotApi:
    """The server's state; its Starlette app is :attr:`app`."""

    token: str = "123456:TEST-token"
    updates: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=lambda: defaultdict(list))
    blocked: set[int] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    last_update_id: int = 1000
    injected_at: dict[int, float] = field(default_factory=dict)  # update_id -> monotonic
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)  # thread id -> topic
    stalls: set[tuple[str, str]] = field(default_factory=set)  # (method, chat id) to stall
    stalled: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    outages: dict[str, tuple[float, int]] = field(default_factory=dict)  # method -> until, status
    held: set[str] = field(default_factory=set)  # methods whose every call hangs, not carried out
    _new: asyncio.Event | None = None

    # -- Bot API --------------------------------------------------------------------
    async def bot_method(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        method = request.path_params["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        stall = (method, str(params.get("chat_id", "")))
        if stall in self.stalls:
            self.stalls.discard(stall)
            self.stalled.append((method, params))
            return await self._stall(request)
        if method in self.held:
            self.stalled.append((method, params))
            return await self._hold(request, method)
        outage = self.outages.get(method)
        if outage is not None and time.monotonic() < outage[0]:
            return JSONResponse(
                {"ok": False, "error_code": outage[1], "description": "Service Unavailable"},
                status_code=outage[1],
            )
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return JSONResponse(body, status_code=failure.status)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return JSONResponse(
                {"ok": False, "error_code": 404, "description": f"Not Found: method {method}"},
                status_code=404,
            )
        result = await handler(params)
        if isinstance(result, Response):
            return result
        return JSONResponse({"ok": True, "result": result})

    @staticmethod
    async def _stall(request: Request) -> Response:
        """Hang until the caller goes away (a minute at most); nothing is carried out."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not await request.is_disconnected():
            await asyncio.sleep(0.05)
        return JSONResponse(
            {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status_code=502
        )

    async def _hold(self, request: Request, method: str) -> Response:
        """Hang while ``method`` is held and the caller waits; nothing is carried out."""
        while method in self.held and not await request.is_disconnected():
            await asyncio.sleep(0.05)
        return JSONResponse(
            {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status_code=502
        )

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            raw = await request.json()
            return dict(raw) if isinstance(raw, dict) else {}
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            if key in _JSON_FIELDS:
                try:
                    params[key] = json.loads(text)
                    continue
                except ValueError:
                    pass
            params[key] = text
        return params

    async def _getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        if offset:
            self.confirmed = max(self.confirmed, offset - 1)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(timeout, 2.0)
        while not self.updates and time.monotonic() < deadline:
            if self._new is None:
                self._new = asyncio.Event()
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        limit = int(params.get("limit", 100) or 100)
        return self.updates[:limit]

    async def _sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status_code=403,
            )
        text = str(params.get("text", ""))
        if len(text) > 4096:
            return _bad_request("Bad Request: message is too long")
        if params.get("parse_mode") == "HTML" and (error := html_error(text)):
            return _bad_request(error)
        thread = params.get("message_thread_id")
        if thread is not None and int(thread) not in self.topics:
            return _bad_request("Bad Request: message thread not found")
        message = self._record(
            chat_id,
            thread,
            text=_strip_tags(text) if params.get("parse_mode") == "HTML" else text,
            raw_text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
        )
        return _public(message)

    def _record(self, chat_id: int, thread: Any, **fields: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        chat = (
            {"id": chat_id, "type": "supergroup", "title": "Staff", "is_forum": True}
            if chat_id < 0
            else {"id": chat_id, "type": "private", "first_name": "User"}
        )
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "at": time.monotonic(),
        }
        if thread is not None:
            message["message_thread_id"] = int(thread)
            message["is_topic_message"] = True
        message.update({k: v for k, v in fields.items() if v is not None})
        self.messages[message_id] = message
        return message

    async def _copyMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status_code=403,
            )
        source = (int(params["from_chat_id"]), int(params["message_id"]))
        message = self._record(chat_id, params.get("message_thread_id"), copied_from=source)
        return {"message_id": message["message_id"]}

    async def _createForumTopic(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id >= 0:
            return _bad_request("Bad Request: the chat is not a forum")
        name = str(params["name"])
        if not 1 <= len(name) <= 128:
            return _bad_request("Bad Request: TOPIC_TITLE_EMPTY or too long")
        thread = next(self._ids)
        topic = {
            "message_thread_id": thread,
            "name": name,
            "icon_color": int(params.get("icon_color") or 0x6FB9F0),
        }
        self.topics[thread] = {**topic, "chat_id": chat_id, "closed": False, "at": time.monotonic()}
        return topic

    async def _editForumTopic(self, params: dict[str, Any]) -> Any:
        topic = self.topics.get(int(params["message_thread_id"]))
        if topic is None:
            return _bad_request("Bad Request: TOPIC_ID_INVALID")
        if params.get("name"):
            topic["name"] = str(params["name"])
        return True

    async def _closeForumTopic(self, params: dict[str, Any]) -> Any:
        topic = self.topics.get(int(params["message_thread_id"]))
        if topic is None:
            return _bad_request("Bad Request: TOPIC_ID_INVALID")
        topic["closed"] = True
        return True

    async def _editMessageText(self, params: dict[str, Any]) -> Any:
        message = self.messages[int(params["message_id"])]
        message["text"] = _unescape(str(params["text"]))
        message["raw_text"] = str(params["text"])
        message["edited"] = True
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return _public(message)

    async def _editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self.messages[int(params["message_id"])]
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return _public(message)

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    # -- control API ------------------------------------------------------------------
    async def inject(self, request: Request) -> Response:
        update = await request.json()
        if "update_id" not in update:
            update["update_id"] = self.last_update_id + 1
        self.last_update_id = max(self.last_update_id, int(update["update_id"]))
        # An explicit id may repeat one: Telegram re-delivers what was not confirmed.
        self.updates.append(update)
        self.injected_at.setdefault(int(update["update_id"]), time.monotonic())
        if self._new is not None:
            self._new.set()
        return JSONResponse({"update_id": update["update_id"]})

    async def fail(self, request: Request) -> Response:
        spec = await request.json()
        for _ in range(int(spec.get("times", 1))):
            self.failures[spec["method"]].append(
                Failure(
                    int(spec["status"]), spec.get("description", "error"), spec.get("retry_after")
                )
            )
        return JSONResponse({"ok": True})

    async def block(self, request: Request) -> Response:
        spec = await request.json()
        (self.blocked.add if spec.get("blocked", True) else self.blocked.discard)(
            int(spec["chat_id"])
        )
        return JSONResponse({"ok": True})

    async def reset(self, request: Request) -> Response:
        """Forget every message, call, failure, outage and stall (a new test)."""
        for kept in (self.calls, self.stalled):
            kept.clear()
        for table in (self.messages, self.failures, self.outages, self.topics):
            table.clear()
        self.stalls.clear()
        self.held.clear()
        return JSONResponse({"ok": True})

    async def outage(self, request: Request) -> Response:
        spec = await request.json()
        self.outages[str(spec["method"])] = (
            time.monotonic() + float(spec["seconds"]),
            int(spec.get("status", 503)),
        )
        return JSONResponse({"ok": True})

    async def hold(self, request: Request) -> Response:
        spec = await request.json()
        self.held = set(spec["methods"])
        return JSONResponse({"ok": True})

    async def stall(self, request: Request) -> Response:
        spec = await request.json()
        self.stalls.add((str(spec["method"]), str(spec["chat_id"])))
        return JSONResponse({"ok": True})

    async def sent_messages(self, request: Request) -> Response:
        """The messages sent to private chats, by chat, oldest first (text and buttons)."""
        chats: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in self.messages.values():
            if message["chat"]["type"] == "private":
                chats[str(message["chat"]["id"])].append(
                    {
                        "text": message.get("text", ""),
                        "at": message["at"],
                        "reply_markup": message.get("reply_markup"),
                    }
                )
        return JSONResponse({"chats": chats, "stalled": [m for m, _ in self.stalled]})

    async def state(self, request: Request) -> Response:
        return JSONResponse(
            {
                "calls": self.calls,
                "messages": list(self.messages.values()),
                "pending": len(self.updates),
                "confirmed": self.confirmed,
                "injected_at": self.injected_at,
                "topics": self.topics,
            }
        )

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self.bot_method, methods=["GET", "POST"]),
                Route("/control/updates", self.inject, methods=["POST"]),
                Route("/control/fail", self.fail, methods=["POST"]),
                Route("/control/block", self.block, methods=["POST"]),
                Route("/control/state", self.state, methods=["GET"]),
                Route("/control/stall", self.stall, methods=["POST"]),
                Route("/control/hold", self.hold, methods=["POST"]),
                Route("/control/outage", self.outage, methods=["POST"]),
                Route("/control/reset", self.reset, methods=["POST"]),
                Route("/control/sent", self.sent_messages, methods=["GET"]),
            ]
        )


def _bad_request(description: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error_code": 400, "description": description}, status_code=400
    )


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A recorded message as the Bot API returns it (without the fake's bookkeeping)."""
    return {
        k: v
        for k, v in message.items()
        if k not in ("raw_text", "parse_mode", "edited", "at", "copied_from")
    }


def _unescape(text: str) -> str:
    return html.unescape(text)


class RunningFakeBotApi:
    """The fake server on a free 127.0.0.1 port in its own thread, with a client for the
    control API. Use as a context manager."""

    def __init__(self) -> None:
        self.fake = FakeBotApi()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(self.fake.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.control = httpx.Client(base_url=self.url, timeout=10)

    def __enter__(self) -> RunningFakeBotApi:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Bot API server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.control.close()
        self._server.should_exit = True
        self._thread.join(timeout=10)

    # -- helpers for tests ---------------------------------------------------------
    def inject(self, update: dict[str, Any]) -> int:
        return int(self.control.post("/control/updates", json=update).json()["update_id"])

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        description: str = "error",
    ) -> None:
        self.control.post(
            "/control/fail",
            json={
                "method": method,
                "status": status,
                "times": times,
                "retry_after": retry_after,
                "description": description,
            },
        )

    def block(self, chat_id: int, blocked: bool = True) -> None:
        self.control.post("/control/block", json={"chat_id": chat_id, "blocked": blocked})

    def state(self) -> dict[str, Any]:
        return dict(self.control.get("/control/state").json())

    def reset(self) -> None:
        self.control.post("/control/reset")

    def outage(self, method: str, seconds: float, status: int = 503) -> None:
        """Every ``method`` call fails with ``status`` for the next ``seconds``."""
        self.control.post(
            "/control/outage", json={"method": method, "seconds": seconds, "status": status}
        )

    def stall(self, method: str, chat_id: int) -> None:
        """The next ``method`` call for ``chat_id`` hangs and is never carried out."""
        self.control.post("/control/stall", json={"method": method, "chat_id": chat_id})

    def hold(self, *methods: str) -> None:
        """Every call of ``methods`` hangs and is never carried out, until held no more
        (``hold()`` with none: every held call then fails with 502)."""
        self.control.post("/control/hold", json={"methods": list(methods)})

    def stalled(self) -> list[str]:
        """The methods whose calls were stalled so far."""
        return list(self.control.get("/control/sent").json()["stalled"])

    def sent_by_chat(self) -> dict[int, list[dict[str, Any]]]:
        """Every private chat's messages, oldest first: text, buttons, when (monotonic)."""
        chats = self.control.get("/control/sent", timeout=60).json()["chats"]
        return {int(chat): messages for chat, messages in chats.items()}

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to ``chat_id``, oldest first (with their current text)."""
        return [m for m in self.state()["messages"] if m["chat"]["id"] == chat_id]

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.state()["calls"] if name == method]

    def in_topic(self, chat_id: int, thread: int) -> list[dict[str, Any]]:
        """Messages the bot posted (or copied) into a forum topic, oldest first."""
        return [
            m
            for m in self.state()["messages"]
            if m["chat"]["id"] == chat_id and m.get("message_thread_id") == thread
        ]

    def topics(self) -> dict[int, dict[str, Any]]:
        return {int(k): v for k, v in self.state()["topics"].items()}
