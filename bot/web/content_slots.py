"""The console's slot calendars, for administrators: an office's slots week by week,
adding one by hand, removing a free one, regenerating the calendars from the hours."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.domain.content import local_name
from bot.i18n import N_, Translator
from bot.services.content_admin import ContentAdmin, SlotTaken
from bot.web.content import admin_routes, count_param
from bot.web.content_forms import (
    Form,
    midnight,
)
from bot.web.pages import Console, staff

__all__ = ["slot_routes"]

_SLOT_RESULTS = {
    "added": N_("console.content.slots.added"),
    "removed": N_("console.content.slots.removed"),
    "booked": N_("console.content.slots.refused_booked"),
    "history": N_("console.content.slots.refused_history"),
    "gone": N_("console.content.slots.gone"),
    "generated": N_("console.content.slots.generated"),
}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def slot_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    editor = ContentAdmin(orienta.store)

    def translator(request: Request) -> Translator:
        return console.translator(staff(request).user)

    def today() -> date:
        return console.clock().date()

    def not_found(request: Request) -> Response:
        return console.render(request, "console_refused.html", status_code=404)

    # -- slot calendars ------------------------------------------------------------------
    async def slots_page(
        request: Request,
        *,
        errors: Mapping[str, str] | None = None,
        typed: Mapping[str, str] | None = None,
    ) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        zone = ZoneInfo(office.timezone)
        q = request.query_params
        try:
            week = _monday(date.fromisoformat(q.get("week", "")))
        except ValueError:
            week = _monday(console.clock().astimezone(zone).date())
        start, end = (
            midnight(week, office.timezone),
            midnight(week + timedelta(days=7), office.timezone),
        )
        slots = await asyncio.to_thread(editor.slots, office.id, start, end)
        services = {s.id: s for s in await asyncio.to_thread(editor.services)}
        t = translator(request)
        days: dict[date, list[dict[str, Any]]] = {}
        for slot in slots:
            local_start, local_end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
            days.setdefault(local_start.date(), []).append(
                {
                    "slot": slot,
                    "start": f"{local_start:%H:%M}",
                    "end": f"{local_end:%H:%M}",
                    "service": local_name(services[slot.service_id].name, t.lang)
                    if slot.service_id in services
                    else slot.service_id,
                }
            )
        first = office.offers[0] if office.offers else None
        add = {
            "service": first.service_id if first else "",
            "day": week.isoformat(),
            "start": "",
            "minutes": str(first.minutes if first else 30),
            "capacity": str(first.capacity if first else 1),
            **(typed or {}),
        }
        result = q.get("result", "")
        message = (
            t.gettext(
                _SLOT_RESULTS[result],
                created=count_param(q.get("created")),
                removed=count_param(q.get("removed")),
            )
            if result in _SLOT_RESULTS
            else ""
        )
        return console.render(
            request,
            "console_content_slots.html",
            status_code=400 if errors else 200,
            office=office,
            office_name=local_name(office.name, t.lang),
            week=week.isoformat(),
            previous=(week - timedelta(days=7)).isoformat(),
            following=(week + timedelta(days=7)).isoformat(),
            days=[
                (format_date(day, "full", locale=t.lang), rows)
                for day, rows in sorted(days.items())
            ],
            offers=[
                (
                    o.service_id,
                    local_name(services[o.service_id].name, t.lang)
                    if o.service_id in services
                    else o.service_id,
                )
                for o in office.offers
            ],
            add=add,
            errors=errors or {},
            message=message,
            refused=result in ("booked", "history", "gone"),
        )

    async def slots_get(request: Request) -> Response:
        return await slots_page(request)

    def back_to_week(office_id: str, week: str, **result: object) -> Response:
        query = urlencode({"week": week, **result})
        return RedirectResponse(
            f"/console/content/offices/{office_id}/slots?{query}", status_code=303
        )

    async def slot_add(request: Request) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        form = Form(await request.form(), translator(request))
        offers = {o.service_id: o for o in office.offers}
        service = form.raw("service")
        if service not in offers:
            form.fail("service", "not_offered")
        day = form.day("day")
        try:
            clock = time.fromisoformat(form.raw("start"))
        except ValueError:
            clock = None
            form.fail("start", "time")
        minutes = form.number("minutes", 5, 480, "minutes")
        capacity = form.number("capacity", 1, 100, "capacity")
        typed = {k: form.raw(k) for k in ("service", "day", "start", "minutes", "capacity")}
        if not form.errors and day is not None and clock is not None:
            starts_at = datetime.combine(
                day, clock.replace(second=0, microsecond=0), ZoneInfo(office.timezone)
            ).astimezone(UTC)
            try:
                slot = await asyncio.to_thread(
                    editor.add_slot, office.id, service, starts_at, minutes, capacity
                )
            except SlotTaken:
                form.fail("start", "slot_taken")
            else:
                await console.audit(
                    request,
                    "slot.add",
                    f"slot:{slot.id}",
                    {
                        "office": office.id,
                        "service": service,
                        "starts_at": starts_at.isoformat(),
                        "capacity": capacity,
                    },
                )
                return back_to_week(office.id, _monday(day).isoformat(), result="added")
        return await slots_page(request, errors=form.errors, typed=typed)

    async def slot_remove(request: Request) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        slot_id = request.path_params["slot_id"]
        form = await request.form()
        result = await asyncio.to_thread(editor.remove_slot, office.id, slot_id)
        await console.audit(
            request, "slot.remove", f"slot:{slot_id}", {"office": office.id, "result": str(result)}
        )
        return back_to_week(office.id, str(form.get("week", "")), result=str(result))

    async def slots_generate(request: Request) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        form = await request.form()
        created, removed = await asyncio.to_thread(
            editor.generate_slots, today(), console.settings.booking_days
        )
        await console.audit(
            request,
            "slots.generate",
            f"office:{office.id}",
            {"created": created, "removed": removed},
        )
        return back_to_week(
            office.id,
            str(form.get("week", "")),
            result="generated",
            created=created,
            removed=removed,
        )

    return admin_routes(
        console,
        [
            ("/console/content/offices/{office_id}/slots", slots_get, ("GET",), "console_slots"),
            (
                "/console/content/offices/{office_id}/slots/add",
                slot_add,
                ("POST",),
                "console_slot_add",
            ),
            (
                "/console/content/offices/{office_id}/slots/generate",
                slots_generate,
                ("POST",),
                "console_slots_generate",
            ),
            (
                "/console/content/offices/{office_id}/slots/{slot_id:int}/remove",
                slot_remove,
                ("POST",),
                "console_slot_remove",
            ),
        ],
    )
