"""``orienta run``: the web server, and Telegram when a token is configured.

Without ``ORIENTA_TELEGRAM_TOKEN`` the web server carries the local web chat.
With it, the bot receives Telegram updates by long polling, or by webhook when
``ORIENTA_WEBHOOK_URL`` is set (the web server then also serves the webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import uvicorn

from bot.app import Orienta, build, prepare_content
from bot.channels.base import Channel
from bot.channels.webchat import WebChatMailbox
from bot.engine.core import HELD_VARS
from bot.heartbeat import Heartbeat
from bot.relay import CaseRelay, StaffDesk
from bot.runtime.broadcasts import BroadcastJob
from bot.runtime.reminders import ReminderSender
from bot.services.broadcasts import Broadcasts
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.cases import CaseBook
from bot.store.reminders import ReminderBook
from bot.store.retention import erase_before, erase_held
from bot.store.staff import StaffBook
from bot.store.workers import WorkerBook
from bot.web.app import create_app
from bot.web.telegram_webhook import webhook_route

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from bot.channels.telegram import TelegramAdapter

__all__ = ["attach_staff_group", "background_jobs", "case_relay", "serve", "webhook_secret"]

log = logging.getLogger(__name__)


def webhook_secret(settings: Settings) -> str | None:
    """The configured webhook secret, or one derived from the bot token."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.telegram_token is None:
        return None
    token = settings.telegram_token.get_secret_value()
    return hashlib.sha256(f"orienta-webhook:{token}".encode()).hexdigest()[:48]


_SLOTS_EVERY = 6 * 3600.0
_REMINDERS_EVERY = 30.0
_RENOTIFY_EVERY = 30.0
_RELEASES_EVERY = 5.0  # seconds between checks for a release published elsewhere
_RETENTION_EVERY = 3600.0
_BROADCASTS_EVERY = 5.0  # seconds between looks for announcements due


async def _every(
    seconds: float, job: Callable[[], Awaitable[object]], name: str, *, first_after: float = 0.0
) -> None:
    await asyncio.sleep(first_after)
    while True:
        try:
            await job()
        except Exception:
            log.exception("%s failed; trying again in %.0f s", name, seconds)
        await asyncio.sleep(seconds)


def case_relay(
    orienta: Orienta, channels: dict[str, Channel], staff: StaffDesk | None = None
) -> CaseRelay:
    """The worker that delivers case events to the staff group and to people."""
    settings, store = orienta.settings, orienta.store
    relay = CaseRelay(
        CaseBook(store),
        orienta.catalogs,
        channels,
        staff,
        _worker_name(),
        orienta.runner.clock,
        staff_chat_id=settings.staff_chat_id,
        is_blocked=store.is_blocked,
    )
    orienta.runner.after_case_change = relay.kick
    if staff is not None:
        staff.after_change = relay.kick
    return relay


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def background_jobs(
    orienta: Orienta,
    channels: dict[str, Channel],
    relay: CaseRelay | None = None,
    kick: Callable[[str, str], None] | None = None,
) -> list[asyncio.Task[None]]:
    """The slot calendars (kept ``booking_days`` ahead), the reminders, the case relay,
    the re-notification of unclaimed cases, the newest release from the console, the
    announcements due, and the erasure of bodies older than ``retention_days`` (and of
    ended staff sessions, old failed sign-ins and audit entries older than
    ``audit_retention_days``). Every worker may run them: slot creation is idempotent,
    reminders, case deliveries, re-notifications and broadcasts are claimed in the
    database, and releases only read. ``kick`` wakes the dispatcher for a chat a
    broadcast held while its person wrote."""
    settings, store, clock = orienta.settings, orienta.store, orienta.runner.clock
    sender = ReminderSender(
        ReminderBook(store),
        orienta.catalogs,
        channels,
        _worker_name(),
        clock,
        is_blocked=store.is_blocked,
    )
    relay = relay or case_relay(orienta, channels)
    announcements = BroadcastJob(
        Broadcasts(store, orienta.catalogs, settings.privacy_notice_version),
        orienta.runner,
        channels,
        _worker_name(),
        clock,
        chat_lease=timedelta(seconds=settings.chat_lease_seconds),
        kick=kick,
    )
    book = CaseBook(store)
    renotify_after = timedelta(minutes=settings.case_renotify_minutes)

    async def slots() -> None:
        await asyncio.to_thread(prepare_content, settings, store, clock().date())

    async def renotify() -> None:
        if await asyncio.to_thread(book.due_for_renotify, clock(), renotify_after):
            relay.kick()

    async def releases() -> None:  # another worker may have published in the console
        await asyncio.to_thread(orienta.live.refresh)

    async def retention() -> None:
        now = clock()
        erased = await asyncio.to_thread(
            erase_before, store, now - timedelta(days=settings.retention_days)
        )
        if erased.total:
            log.info("retention: erased %s", erased)
        held = await asyncio.to_thread(
            erase_held, store, now - timedelta(hours=settings.held_hours), HELD_VARS
        )
        if held:
            log.info("retention: erased %d unanswered held messages", held)
        expired = await asyncio.to_thread(
            StaffBook(store).expire, now, now - timedelta(days=settings.audit_retention_days)
        )
        if expired.total:
            log.info("retention: expired %s", expired)

    # serve() prepared the content and slots before starting: the next round is due later
    return [
        asyncio.create_task(_every(_SLOTS_EVERY, slots, "slot calendar", first_after=_SLOTS_EVERY)),
        asyncio.create_task(_every(_REMINDERS_EVERY, sender.run_once, "reminders")),
        asyncio.create_task(_every(_RENOTIFY_EVERY, renotify, "case re-notification")),
        asyncio.create_task(
            _every(_RELEASES_EVERY, releases, "published releases", first_after=_RELEASES_EVERY)
        ),
        asyncio.create_task(_every(_RETENTION_EVERY, retention, "retention")),
        asyncio.create_task(_every(_BROADCASTS_EVERY, announcements.run_once, "broadcasts")),
        asyncio.create_task(relay.run_forever()),
    ]


async def serve(settings: Settings) -> None:
    """Run until interrupted."""
    orienta = build(settings)
    orienta.runner.understanding.warm_up()
    await asyncio.to_thread(prepare_content, settings, orienta.store, orienta.runner.clock().date())
    if settings.telegram_token is None:
        mailbox = WebChatMailbox()
        server = _web_server(settings, create_app(orienta, mailbox=mailbox))
        log.info("no Telegram token: local web chat on http://%s:%s/", settings.host, settings.port)
        jobs = background_jobs(orienta, {"web": mailbox})
        try:
            await server.serve()
        finally:
            await _stop(jobs)
        return
    from bot.channels.telegram import TelegramAdapter

    polling = settings.webhook_url is None
    heartbeat = Heartbeat(
        WorkerBook(orienta.store),
        settings.worker_name or f"{socket.gethostname()}:{settings.port}",
        orienta.runner.clock,
        every=settings.heartbeat_seconds,
        dead_after=settings.worker_dead_after_seconds,
    )
    telegram = TelegramAdapter.create(
        settings.telegram_token.get_secret_value(),
        settings.telegram_api_url,
        orienta.runner,
        orienta.catalogs,
        SERVED_LANGUAGES,
        webhook_secret=webhook_secret(settings),
        polling=polling,
        lease=timedelta(seconds=settings.chat_lease_seconds),
        worker=heartbeat.worker,
    )
    heartbeat.take_over = telegram.resume
    server = _web_server(
        settings, create_app(orienta, [] if polling else [webhook_route(telegram)])
    )
    # The port first: no other process on this host holds it, so the worker's name
    # (host and port) is this process's alone, and an earlier start under it is dead.
    listening = server.config.bind_socket()
    await heartbeat.start()
    channels: dict[str, Channel] = {"telegram": telegram.channel}
    relay = case_relay(orienta, channels, attach_staff_group(orienta, telegram))
    await telegram.start(settings.webhook_url)
    log.info("Telegram bot running (%s)", "polling" if polling else "webhook")

    def kick(channel: str, chat_id: str) -> None:
        if channel == telegram.dispatcher.name:
            telegram.dispatcher.kick(chat_id)

    jobs = background_jobs(orienta, channels, relay, kick)
    jobs.append(asyncio.create_task(heartbeat.run_forever()))
    # Stored updates and unsent replies of chats whose worker died (their leases ran out).
    jobs.append(
        asyncio.create_task(
            _every(
                settings.resume_seconds,
                telegram.resume,
                "stored updates",
                first_after=settings.resume_seconds,
            )
        )
    )
    try:
        await server.serve(sockets=[listening])
    finally:
        await _stop(jobs)
        await telegram.stop()
        await heartbeat.stop()
        listening.close()


def _web_server(settings: Settings, app: Starlette) -> uvicorn.Server:
    """uvicorn on ``ORIENTA_HOST:ORIENTA_PORT``. It installs no logging of its own
    (``log_config=None``): its records (``uvicorn.error``, ``uvicorn.access``) go through
    the handler of :func:`bot.logs.configure_logging`, as JSON with
    ``ORIENTA_LOG_FORMAT=json``."""
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            log_config=None,
        )
    )


def attach_staff_group(orienta: Orienta, telegram: TelegramAdapter) -> StaffDesk | None:
    """The mediators' staff group, when ``ORIENTA_STAFF_CHAT_ID`` names one."""
    from bot.channels.telegram_staff import TelegramStaffDesk, to_staff_incoming
    from bot.services.staff_group import StaffGroupCases

    settings = orienta.settings
    if settings.staff_chat_id is None:
        log.info("no staff group (ORIENTA_STAFF_CHAT_ID): cases only in the web console")
        return None
    chat_id = settings.staff_chat_id
    desk = TelegramStaffDesk(
        telegram.channel,
        chat_id,
        StaffGroupCases(orienta.store),
        orienta.catalogs,
        settings.staff_language,
        orienta.runner.clock,
        settings.staff_timezone,
    )
    telegram.attach_staff(lambda update: to_staff_incoming(update, chat_id), desk.handle)
    return desk


async def _stop(jobs: list[asyncio.Task[None]]) -> None:
    for job in jobs:
        job.cancel()
    for job in jobs:
        with contextlib.suppress(asyncio.CancelledError):
            await job
