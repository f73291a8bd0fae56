"""The webhook: the Starlette route Telegram posts updates to. It checks the secret
token, stores the update (:meth:`TelegramAdapter.handle_update`) and only then answers
200; while the database cannot be reached it answers 503, so Telegram posts the update
again (a person whose words say they are in danger gets the emergency numbers at once).
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, TypeAlias

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.dispatch import unreachable

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramAdapter

__all__ = ["SECRET_HEADER", "WEBHOOK_PATH", "WebhookRoute", "webhook_route"]

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_MAX_WEBHOOK_BODY = 1_000_000
#: The route's type, for the adapter (which imports no Starlette).
WebhookRoute: TypeAlias = Route


def webhook_route(adapter: TelegramAdapter) -> WebhookRoute:
    """The route for ``adapter``'s bot."""

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not adapter.webhook_secret or not hmac.compare_digest(given, adapter.webhook_secret):
            return JSONResponse({"ok": False}, status_code=403)
        body = await request.body()
        if len(body) > _MAX_WEBHOOK_BODY:
            return JSONResponse({"ok": False}, status_code=413)
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"ok": False}, status_code=400)
        try:
            update = Update.de_json(data, adapter.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            # From Telegram, but of a shape this library cannot read: refusing it would
            # make Telegram send it again for ever. It carries nothing the bot handles.
            log.warning(
                "webhook: update %s could not be read; skipped",
                data.get("update_id") if isinstance(data, dict) else "?",
            )
            return JSONResponse({"ok": True})
        try:
            await adapter.handle_update(update)
        except Exception as exc:
            if not unreachable(exc):
                raise
            # Not stored: Telegram sends the update again when it is not acknowledged.
            log.warning(
                "database unreachable; update %s refused for a later delivery", update.update_id
            )
            await adapter.warn_if_in_danger(update)
            return JSONResponse({"ok": False}, status_code=503)
        return JSONResponse({"ok": True})

    return Route(WEBHOOK_PATH, webhook, methods=["POST"])
