"""``orienta run``: the web server, and Telegram when a token is configured.

Without ``ORIENTA_TELEGRAM_TOKEN`` the web server carries the local web chat.
With it, the bot receives Telegram updates by long polling, or by webhook when
``ORIENTA_WEBHOOK_URL`` is set (the web server then also serves the webhook).
"""

from __future__ import annotations

import hashlib
import logging

import uvicorn

from bot.app import build
from bot.settings import SERVED_LANGUAGES, Settings
from bot.web.app import create_app

__all__ = ["serve", "webhook_secret"]

log = logging.getLogger(__name__)


def webhook_secret(settings: Settings) -> str | None:
    """The configured webhook secret, or one derived from the bot token."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.telegram_token is None:
        return None
    token = settings.telegram_token.get_secret_value()
    return hashlib.sha256(f"orienta-webhook:{token}".encode()).hexdigest()[:48]


async def serve(settings: Settings) -> None:
    """Run until interrupted."""
    orienta = build(settings)
    orienta.runner.understanding.warm_up()
    config = uvicorn.Config(None, host=settings.host, port=settings.port,  # type: ignore[arg-type]
                            log_level=settings.log_level.lower())
    if settings.telegram_token is None:
        config.app = create_app(orienta)
        log.info("no Telegram token: local web chat on http://%s:%s/", settings.host,
                 settings.port)
        await uvicorn.Server(config).serve()
        return
    from bot.channels.telegram import TelegramAdapter

    polling = settings.webhook_url is None
    telegram = TelegramAdapter.create(
        settings.telegram_token.get_secret_value(), settings.telegram_api_url, orienta.runner,
        orienta.catalogs, SERVED_LANGUAGES, webhook_secret=webhook_secret(settings),
        polling=polling)
    config.app = create_app(orienta, [] if polling else [telegram.webhook_route()])
    await telegram.start(settings.webhook_url)
    log.info("Telegram bot running (%s)", "polling" if polling else "webhook")
    try:
        await uvicorn.Server(config).serve()
    finally:
        await telegram.stop()
