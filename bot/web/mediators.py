"""Mediator records for administrators: who takes escalated conversations, in which
languages (the served ones they take cases in, and others they speak), their weekly
hours and time zone, their Telegram account and whether people see their name; who is
on duty now and who switched themselves away."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.services.staff_accounts import MediatorView, StaffAccounts, StaffError
from bot.services.staff_forms import MediatorForm, read_form
from bot.settings import SERVED_LANGUAGES
from bot.web.content_forms import hours_text
from bot.web.pages import ADMIN, Console, staff, staff_route
from bot.web.sign_in_steps import translated_errors

__all__ = ["mediator_routes"]


def _typed(data: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: str(data.get(k, ""))
        for k in ("name", "other_languages", "hours", "timezone", "telegram_user_id")
    }
    values["languages"] = [str(v) for v in data.getlist("languages")]
    values["show_name"] = "show_name" in data
    return values


def _stored(m: MediatorView) -> dict[str, Any]:
    return {
        "name": m.name,
        "languages": [x for x in m.languages if x in SERVED_LANGUAGES],
        "other_languages": ", ".join(x for x in m.languages if x not in SERVED_LANGUAGES),
        "hours": hours_text(m.hours),
        "timezone": m.timezone,
        "telegram_user_id": str(m.telegram_user_id or ""),
        "show_name": m.show_name,
    }


def mediator_routes(console: Console, accounts: StaffAccounts) -> list[BaseRoute]:
    async def listing(
        request: Request,
        *,
        errors: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response:
        rows = await asyncio.to_thread(accounts.mediators, console.clock())
        return console.render(
            request,
            "console_mediators.html",
            status_code=status_code,
            rows=rows,
            served=SERVED_LANGUAGES,
            errors=errors or {},
            values=values or {"timezone": console.settings.staff_timezone, "languages": []},
        )

    async def mediators(request: Request) -> Response:
        return await listing(request)

    async def add(request: Request) -> Response:
        values = _typed(await request.form())
        form = read_form(MediatorForm, values)
        if not isinstance(form, MediatorForm):
            errors = translated_errors(console, request, form)
            return await listing(request, errors=errors, values=values, status_code=400)
        try:
            made = await asyncio.to_thread(
                accounts.create_mediator, staff(request).user, form, console.clock()
            )
        except StaffError as exc:
            t = console.translator(staff(request).user)
            errors = {"name": t.gettext(exc.msgid)}
            return await listing(request, errors=errors, values=values, status_code=400)
        return RedirectResponse(f"/console/mediators/{made.id}?done=1", status_code=303)

    async def edit(
        request: Request,
        *,
        errors: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response:
        try:
            mediator = await asyncio.to_thread(
                accounts.mediator, request.path_params["mediator_id"]
            )
        except StaffError:
            return console.render(request, "console_refused.html", status_code=404)
        rows = await asyncio.to_thread(accounts.mediators, console.clock())
        row = next((r for r in rows if r.mediator.id == mediator.id), None)
        return console.render(
            request,
            "console_mediator.html",
            status_code=status_code,
            mediator=mediator,
            row=row,
            served=SERVED_LANGUAGES,
            errors=errors or {},
            values=values or _stored(mediator),
            saved=bool(request.query_params.get("done")),
        )

    async def page(request: Request) -> Response:
        return await edit(request)

    async def save(request: Request) -> Response:
        values = _typed(await request.form())
        form = read_form(MediatorForm, values)
        if not isinstance(form, MediatorForm):
            errors = translated_errors(console, request, form)
            return await edit(request, errors=errors, values=values, status_code=400)
        mediator_id = request.path_params["mediator_id"]
        try:
            await asyncio.to_thread(
                accounts.update_mediator, staff(request).user, mediator_id, form, console.clock()
            )
        except StaffError as exc:
            t = console.translator(staff(request).user)
            errors = {"name": t.gettext(exc.msgid)}
            return await edit(request, errors=errors, values=values, status_code=400)
        return RedirectResponse(f"/console/mediators/{mediator_id}?done=1", status_code=303)

    return [
        staff_route(console, "/console/mediators", mediators, role=ADMIN, name="console_mediators"),
        staff_route(
            console,
            "/console/mediators",
            add,
            role=ADMIN,
            methods=("POST",),
            name="console_mediator_add",
        ),
        staff_route(
            console,
            "/console/mediators/{mediator_id:int}",
            page,
            role=ADMIN,
            name="console_mediator",
        ),
        staff_route(
            console,
            "/console/mediators/{mediator_id:int}",
            save,
            role=ADMIN,
            methods=("POST",),
            name="console_mediator_save",
        ),
    ]
