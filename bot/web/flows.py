"""The console's flow editor (placeholder until written)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.web.pages import ADMIN, Console, staff_route

__all__ = ["flow_routes"]


def flow_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    async def content(request: Request) -> Response:
        return console.render(request, "console_refused.html")

    return [
        staff_route(console, "/console/flows", content, role=ADMIN, name="console_flows"),
    ]
