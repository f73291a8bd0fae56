"""The local web chat: a Telegram-like page on 127.0.0.1 for trying Orienta.

Each browser gets a chat id in an HttpOnly cookie; the page posts text and
button presses as JSON (with a double-submit CSRF token) and shows the replies
as bubbles with inline buttons, right-to-left for Arabic. Messages sent later wait in
the channel's :class:`~bot.channels.webchat.WebChatMailbox` until the page fetches them.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from bot.channels.webchat import WebChatChannel, WebChatMailbox
from bot.i18n import N_, language_of
from bot.messages import Incoming, Outgoing
from bot.runner import Runner
from bot.settings import SERVED_LANGUAGES

__all__ = ["CHAT_COOKIE", "CSRF_COOKIE", "chat_routes"]

CHAT_COOKIE = "orienta_chat"
CSRF_COOKIE = "orienta_csrf"
_MAX_BODY = 200_000
PAGE_TEXTS = (
    N_("web.title"),
    N_("web.intro"),
    N_("web.placeholder"),
    N_("web.send"),
    N_("web.new_chat"),
)


def _as_json(message: Outgoing) -> dict[str, Any]:
    return {
        "text": message.text,
        "lang": message.lang,
        "dir": message.direction,
        "buttons": [[{"text": b.text, "data": b.data} for b in row] for row in message.buttons],
    }


def _page_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in SERVED_LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "")
    for part in accept.split(","):
        lang = language_of(part.split(";")[0])
        if lang in SERVED_LANGUAGES:
            return lang
    return "en"


def chat_routes(
    runner: Runner, templates: Jinja2Templates, mailbox: WebChatMailbox | None = None
) -> list[Route]:
    """Routes of the web chat: the page, and the JSON endpoints it calls."""

    async def page(request: Request) -> Response:
        lang = _page_language(request)
        translator = runner.catalogs.translator(lang)
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request,
            "chat.html",
            {
                "_": translator.gettext,
                "lang": translator.lang,
                "dir": translator.direction,
                "csrf": csrf,
                "languages": SERVED_LANGUAGES,
            },
        )
        if CHAT_COOKIE not in request.cookies:
            response.set_cookie(
                CHAT_COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="strict"
            )
        response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict")
        return response

    async def post(request: Request) -> Response:
        chat_id = request.cookies.get(CHAT_COOKIE)
        token = request.cookies.get(CSRF_COOKIE)
        if not chat_id or not token or request.headers.get("x-csrf-token") != token:
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > _MAX_BODY:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            payload = await request.json()
        except ValueError:
            return JSONResponse({"error": "bad json"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"error": "bad json"}, status_code=400)
        # The page's language plays the part of Telegram's language_code.
        hint = payload.get("hint") if isinstance(payload.get("hint"), str) else None
        if isinstance(payload.get("data"), str):
            incoming = Incoming("web", chat_id, "button", data=payload["data"], language_code=hint)
        else:
            text = payload.get("text")
            incoming = Incoming(
                "web",
                chat_id,
                "text",
                text=text if isinstance(text, str) else "",
                language_code=hint,
            )
        channel = WebChatChannel()
        await runner.handle(incoming, channel)
        return _reply(channel.sent)

    def _reply(sent: list[Outgoing]) -> JSONResponse:
        lang = sent[-1].lang if sent else None
        translator = runner.catalogs.translator(lang)
        ui = {
            "lang": translator.lang,
            "dir": translator.direction,
            "placeholder": translator.gettext("web.placeholder"),
            "send": translator.gettext("web.send"),
            "new_chat": translator.gettext("web.new_chat"),
            "intro": translator.gettext("web.intro"),
        }
        return JSONResponse({"messages": [_as_json(m) for m in sent], "ui": ui if sent else None})

    async def updates(request: Request) -> Response:
        chat_id = request.cookies.get(CHAT_COOKIE)
        if not chat_id:
            return JSONResponse({"error": "forbidden"}, status_code=403)
        return _reply(mailbox.take(chat_id) if mailbox is not None else [])

    async def new_chat(request: Request) -> Response:
        response = RedirectResponse(request.url_for("chat_page"), status_code=303)
        response.set_cookie(
            CHAT_COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="strict"
        )
        return response

    return [
        Route("/", page, methods=["GET"], name="chat_page"),
        Route("/chat/messages", post, methods=["POST"], name="chat_post"),
        Route("/chat/updates", updates, methods=["GET"], name="chat_updates"),
        Route("/chat/new", new_chat, methods=["POST"], name="chat_new"),
    ]
