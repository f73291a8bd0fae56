"""The simulator page: talk to the draft in a chosen language (Arabic right to left)
before publishing it; it opens in the staff member's own language, and shows for each
bot turn the flow and step the conversation is at and the intent (with its confidence)
understood. Nothing reaches users: see :mod:`bot.simulator`."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.i18n import FALLBACK, text_direction
from bot.publishing import LANGUAGES, Workbench
from bot.simulator import Simulator
from bot.web.pages import ADMIN, Console, staff, staff_route

__all__ = ["simulator_routes"]

_MAX_TEXT = 4000


def simulator_routes(console: Console, bench: Workbench, simulator: Simulator) -> list[BaseRoute]:

    def own(request: Request) -> str:
        lang = console.translator(staff(request).user).lang
        return lang if lang in LANGUAGES else FALLBACK

    def chosen(request: Request, value: object) -> str:
        return str(value) if str(value) in LANGUAGES else own(request)

    def key(request: Request, lang: str) -> str:
        return f"{staff(request).user.id}-{lang}"

    async def page(request: Request) -> Response:
        lang = chosen(request, request.query_params.get("lang", ""))
        _, _, edition = await asyncio.to_thread(bench.draft)
        checked = await asyncio.to_thread(bench.check, edition)
        return console.render(
            request,
            "console_simulator.html",
            sim_lang=lang,
            sim_dir=text_direction(lang),
            languages=LANGUAGES,
            lines=simulator.lines(key(request, lang)),
            errors=checked.errors,
        )

    async def turn(request: Request) -> Response:
        form = await request.form()
        lang = chosen(request, form.get("lang", ""))
        if form.get("reset"):
            await asyncio.to_thread(simulator.reset, key(request, lang))
            return RedirectResponse(f"/console/simulator?lang={lang}", status_code=303)
        _, _, edition = await asyncio.to_thread(bench.draft)
        checked = await asyncio.to_thread(bench.check, edition)
        if not checked.ok:
            return RedirectResponse(f"/console/simulator?lang={lang}", status_code=303)
        text = str(form.get("text", "")).strip()[:_MAX_TEXT]
        data = str(form.get("data", ""))[:64]
        if text or data:
            await simulator.say(
                key(request, lang),
                checked,
                lang,
                text=text,
                data=data,
                label=str(form.get("label", ""))[:200],
            )
        return RedirectResponse(f"/console/simulator?lang={lang}#end", status_code=303)

    return [
        staff_route(console, "/console/simulator", page, role=ADMIN, name="console_simulator"),
        staff_route(
            console,
            "/console/simulator",
            turn,
            role=ADMIN,
            methods=("POST",),
            name="console_simulate",
        ),
    ]
