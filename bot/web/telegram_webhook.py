"""The Starlette route Telegram posts updates to. It checks the secret token and the
size, then hands the update to the Telegram channel (:mod:`bot.channels.telegram_webhook`),
which stores it, and only then answers 200; while the database cannot be reached it
answers 503, so Telegram posts the update again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.telegram_webhook import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    Received,
    receive,
    secret_matches,
)

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramAdapter

__all__ = ["webhook_route"]

_MAX_WEBHOOK_BODY = 1_000_000


def webhook_route(adapter: TelegramAdapter) -> Route:
    """The route for ``adapter``'s bot."""

    async def webhook(request: Request) -> Response:
        if not secret_matches(adapter, request.headers.get(SECRET_HEADER, "")):
            return JSONResponse({"ok": False}, status_code=403)
        body = await request.body()
        if len(body) > _MAX_WEBHOOK_BODY:
            return JSONResponse({"ok": False}, status_code=413)
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"ok": False}, status_code=400)
        if await receive(adapter, data) is Received.LATER:
            return JSONResponse({"ok": False}, status_code=503)
        return JSONResponse({"ok": True})

    return Route(WEBHOOK_PATH, webhook, methods=["POST"])
