"""The console's appointments, for administrators: the bookings of one office or all,
day by day over a range of dates, which staff can cancel (as the person could in the
bot, through the same books, see :class:`~bot.services.content_admin.ContentAdmin`), mark as
no-shows once they have started, and export as CSV or iCalendar. Every action and
export is written to the audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.domain.appointments import AppointmentView, BookingStatus
from bot.domain.content import local_name
from bot.domain.content_edits import AppointmentEntry, OfficeEdit
from bot.i18n import N_, Translator, format_moment
from bot.services.content_admin import ContentAdmin
from bot.services.export import to_csv, to_ics
from bot.web.content_forms import midnight
from bot.web.pages import ADMIN, Console, Endpoint, download, staff, staff_route

__all__ = ["appointment_routes"]

_MAX_DAYS = 366  # the longest appointments range listed or exported
_APPOINTMENT_RESULTS = {
    "cancelled": N_("console.appointments.result.cancelled"),
    "already_cancelled": N_("console.appointments.result.not_booked"),
    "not_booked": N_("console.appointments.result.not_booked"),
    "marked": N_("console.appointments.result.no_show"),
    "not_started": N_("console.appointments.result.not_started"),
    "gone": N_("console.appointments.result.gone"),
}
STATUS_LABELS = {
    "booked": N_("console.appointments.status.booked"),
    "cancelled": N_("console.appointments.status.cancelled"),
    "no_show": N_("console.appointments.status.no_show"),
}


def appointment_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    """The appointments list, its actions and exports; every route is for administrators."""
    editor = ContentAdmin(orienta.store)

    def translator(request: Request) -> Translator:
        return console.translator(staff(request).user)

    async def filters(
        source: Mapping[str, Any],
    ) -> tuple[list[OfficeEdit], list[OfficeEdit], str, date, date]:
        """Every office; the offices to show (one or all), the chosen office's id
        (or ""), and the first and last day."""
        offices = await asyncio.to_thread(editor.offices)
        office = str(source.get("office", ""))
        chosen = [o for o in offices if o.id == office] or offices
        local_today = console.clock().astimezone(ZoneInfo(console.settings.staff_timezone)).date()
        try:
            first = date.fromisoformat(str(source.get("from", "")))
        except ValueError:
            first = local_today
        try:
            last = date.fromisoformat(str(source.get("to", "")))
        except ValueError:
            last = first + timedelta(days=13)
        last = min(max(last, first), first + timedelta(days=_MAX_DAYS - 1))
        return offices, chosen, office if len(chosen) == 1 and office else "", first, last

    def spans(
        offices: Sequence[OfficeEdit], first: date, last: date
    ) -> list[tuple[OfficeEdit, datetime, datetime]]:
        """Each office's days, from midnight to midnight in its own time zone."""
        return [
            (o, midnight(first, o.timezone), midnight(last + timedelta(days=1), o.timezone))
            for o in offices
        ]

    async def appointments(request: Request) -> Response:
        offices, chosen, office, first, last = await filters(request.query_params)
        entries: list[AppointmentEntry] = []
        for o, start, end in spans(chosen, first, last):
            entries += await asyncio.to_thread(editor.appointments, o.id, start, end)
        entries.sort(key=lambda e: (e.starts_at, e.id))
        t = translator(request)
        result = request.query_params.get("result", "")
        now = console.clock()
        query = urlencode({"office": office, "from": first.isoformat(), "to": last.isoformat()})
        return console.render(
            request,
            "console_appointments.html",
            entries=entries,
            offices=offices,
            office=office,
            first=first.isoformat(),
            last=last.isoformat(),
            query=query,
            now=now,
            statuses=STATUS_LABELS,
            message=t.gettext(_APPOINTMENT_RESULTS[result])
            if result in _APPOINTMENT_RESULTS
            else "",
            named=lambda names: local_name(names, t.lang),
            local=lambda value, zone: format_moment(value, zone, t.lang),
        )

    async def back_to_list(request: Request, result: str) -> Response:
        _, _, office, first, last = await filters(await request.form())
        query = urlencode(
            {"office": office, "from": first.isoformat(), "to": last.isoformat(), "result": result}
        )
        return RedirectResponse(f"/console/appointments?{query}", status_code=303)

    async def cancel(request: Request) -> Response:
        appointment_id = request.path_params["appointment_id"]
        outcome = await asyncio.to_thread(editor.cancel, appointment_id, console.clock())
        result = {
            BookingStatus.CANCELLED: "cancelled",
            BookingStatus.ALREADY_CANCELLED: "not_booked",
        }.get(outcome.status, "gone")
        await console.audit(
            request, "appointment.cancel", f"appointment:{appointment_id}", {"result": result}
        )
        return await back_to_list(request, result)

    async def no_show(request: Request) -> Response:
        appointment_id = request.path_params["appointment_id"]
        result = str(await asyncio.to_thread(editor.mark_no_show, appointment_id, console.clock()))
        await console.audit(
            request, "appointment.no_show", f"appointment:{appointment_id}", {"result": result}
        )
        return await back_to_list(request, result)

    def export(kind: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return await exported(request, kind)

        return endpoint

    async def exported(request: Request, kind: str) -> Response:
        _, chosen, office, first, last = await filters(request.query_params)
        views: list[AppointmentView] = []
        for o, start, end in spans(chosen, first, last):
            views += await asyncio.to_thread(editor.calendar, o.id, start, end)
        views.sort(key=lambda v: (v.slot.starts_at, v.id))
        await console.audit(
            request,
            "appointments.export",
            f"office:{office or 'all'}",
            {
                "format": kind,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "count": len(views),
            },
        )
        t = translator(request)
        if kind == "csv":
            body, media = to_csv(views, t.lang), "text/csv; charset=utf-8"
        else:
            name = t.gettext(N_("console.appointments.calendar_name"))
            if len(chosen) == 1:
                name = f"{name}: {local_name(chosen[0].name, t.lang)}"
            body = to_ics(views, name, console.clock(), t.lang)
            media = "text/calendar; charset=utf-8"
        filename = f"orienta-appointments-{office or 'all'}-{first}-{last}.{kind}"
        return download(body, media, filename)

    table: list[tuple[str, Endpoint, tuple[str, ...], str]] = [
        ("/console/appointments", appointments, ("GET",), "console_appointments"),
        ("/console/appointments.csv", export("csv"), ("GET",), "console_appointments_csv"),
        ("/console/appointments.ics", export("ics"), ("GET",), "console_appointments_ics"),
        (
            "/console/appointments/{appointment_id:int}/cancel",
            cancel,
            ("POST",),
            "console_appointment_cancel",
        ),
        (
            "/console/appointments/{appointment_id:int}/no-show",
            no_show,
            ("POST",),
            "console_appointment_no_show",
        ),
    ]
    return [
        staff_route(console, path, endpoint, role=ADMIN, methods=methods, name=name)
        for path, endpoint, methods, name in table
    ]
