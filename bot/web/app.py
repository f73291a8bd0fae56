"""The Starlette application, built from a wired :class:`~bot.app.Orienta`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import Orienta
from bot.channels.webchat import WebChatMailbox
from bot.publishing import Workbench
from bot.services.case_desk import CaseDesk
from bot.services.staff_accounts import StaffAccounts
from bot.simulator import Simulator
from bot.store.staff import StaffBook
from bot.web.account import account_routes
from bot.web.appointments import appointment_routes
from bot.web.audit import audit_routes
from bot.web.auth import auth_routes
from bot.web.broadcasts import broadcast_routes
from bot.web.case_live import live_routes
from bot.web.cases import case_routes
from bot.web.content import content_routes
from bot.web.content_slots import slot_routes
from bot.web.dashboard import dashboard_routes
from bot.web.flow_steps import flow_step_routes
from bot.web.flows import flow_routes
from bot.web.health import health_routes
from bot.web.mediators import mediator_routes
from bot.web.pages import Console
from bot.web.releases import release_routes
from bot.web.sign_in_steps import sign_in_step_routes
from bot.web.simulator import simulator_routes
from bot.web.staff_admin import staff_admin_routes
from bot.web.translations import translation_routes
from bot.web.webchat import chat_routes

__all__ = ["create_app"]

_HERE = Path(__file__).resolve().parent
_SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; style-src 'self'; script-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def create_app(
    orienta: Orienta, extra_routes: Sequence[BaseRoute] = (), mailbox: WebChatMailbox | None = None
) -> Starlette:
    """The ASGI app: chat page, its JSON endpoints, the staff console (sign-in, cases,
    flows, translations, content, dashboard, audit log), static files, health check,
    and ``extra_routes`` (the Telegram webhook). ``mailbox`` holds the web
    chat's later messages (a mediator's reply, a reminder) until the page fetches them."""
    templates = Jinja2Templates(directory=str(_HERE / "templates"))

    runner = orienta.runner

    def changed() -> None:  # a mediator acted: wake the case relay
        if runner.after_case_change is not None:
            runner.after_case_change()

    settings = orienta.settings
    console = Console(settings, orienta.catalogs, templates, StaffBook(orienta.store), runner.clock)
    bench = Workbench(
        settings.flows_dir,
        settings.locales_dir,
        orienta.catalogs,
        orienta.live,
    )
    desk = CaseDesk(orienta.store)
    accounts = StaffAccounts(orienta.store)
    simulator = Simulator(orienta.store, runner.understanding, runner.config)
    return Starlette(
        routes=[
            *chat_routes(orienta.runner, templates, mailbox),
            *auth_routes(console),
            *sign_in_step_routes(console, accounts),
            *account_routes(console, accounts),
            *staff_admin_routes(console, accounts),
            *mediator_routes(console, accounts),
            *live_routes(console, desk, settings.console_live_seconds),
            *case_routes(console, desk, changed),
            *flow_step_routes(console, bench),
            *flow_routes(console, bench),
            *release_routes(console, bench),
            *translation_routes(console, bench),
            *simulator_routes(console, bench, simulator),
            *content_routes(console, orienta),
            *slot_routes(console, orienta),
            *appointment_routes(console, orienta),
            *broadcast_routes(console, orienta),
            *dashboard_routes(console, orienta),
            *audit_routes(console),
            *health_routes(orienta),
            *extra_routes,
            Mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders)],
        lifespan=_closing(simulator),
    )


def _closing(simulator: Simulator) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the simulator's private store is removed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            simulator.close()

    return lifespan


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
