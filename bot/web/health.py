"""Health, readiness and metrics for load balancers and Prometheus.

- ``/healthz``: the process answers (liveness).
- ``/readyz``: the database answers, is migrated to this code's newest migration, and
  flows are loaded; 503 with the reason otherwise (take the worker out of rotation).
- ``/metrics``: Prometheus' text format, only to clients on this machine or a private
  network (a scraper beside the bot), never to the internet.
"""

from __future__ import annotations

import asyncio
import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Orienta
from bot.services.health import Health

__all__ = ["health_routes", "is_private_client"]

_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def is_private_client(request: Request) -> bool:
    """The request comes from this machine or a private network, and not through a
    proxy (which would make anyone on the internet look like a neighbour)."""
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def health_routes(orienta: Orienta) -> list[BaseRoute]:
    health = Health(orienta.store)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        migration = await asyncio.to_thread(health.migration)
        if not migration.reachable:
            return JSONResponse({"ready": False, "reason": "database unreachable"}, status_code=503)
        if not migration.current:
            return JSONResponse(
                {
                    "ready": False,
                    "reason": "database not migrated",
                    "database": migration.database,
                    "code": migration.code,
                },
                status_code=503,
            )
        if not orienta.runner.flows.flows:
            return JSONResponse({"ready": False, "reason": "no flows"}, status_code=503)
        return JSONResponse(
            {"ready": True, "migration": migration.database, "release": orienta.live.in_force}
        )

    async def metrics(request: Request) -> Response:
        if not is_private_client(request):
            return PlainTextResponse("metrics are for the internal network", status_code=403)
        waiting = await asyncio.to_thread(health.waiting_by_language)
        body = orienta.metrics.exposition(waiting)
        return Response(body, media_type=_CONTENT_TYPE, headers={"cache-control": "no-store"})

    return [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
