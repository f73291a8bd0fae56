"""The console's content pages, for administrators: rights articles (translations,
scope, source, review date), offices (hours, services), bookable services, an
office's slot calendar week by week, and the appointments, which staff can cancel,
mark as no-shows and export as CSV or iCalendar.

Forms are plain HTML. An invalid form comes back with what was typed and each
problem beside its field (status 400); a valid one is saved in one transaction by
:class:`~bot.store.editing.ContentEditor` and written to the audit log. Saving an
office regenerates the slot calendars from the hours; slots and appointments go
through the same :class:`~bot.store.appointments.AppointmentBook` as the bot.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.i18n import N_, Translator, format_moment, text_direction
from bot.services.content import ALL, TOPICS, WEEKDAYS, local_name
from bot.services.export import to_csv, to_ics
from bot.services.hours import hours_to_json, parse_hours
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook, AppointmentView, BookingStatus
from bot.store.editing import (
    AppointmentEntry,
    ArticleEdit,
    ContentEditor,
    EditStatus,
    OfferEdit,
    OfficeEdit,
    ServiceEdit,
)
from bot.store.knowledge import KnowledgeStore
from bot.web.pages import ADMIN, Console, Endpoint, staff, staff_route

__all__ = ["content_routes"]

#: The languages content is written in: English (the source) and the served ones.
LANGUAGES = ("en", *SERVED_LANGUAGES)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_RESERVED = frozenset({"new"})
_REVIEW_DUE = timedelta(days=365)
_MAX_TITLE, _MAX_BODY, _MAX_NAME = 120, 900, 80
_MAX_DAYS = 366  # the longest appointments range listed or exported

_E = {
    "required": N_("console.content.error.required"),
    "too_long": N_("console.content.error.too_long"),
    "id": N_("console.content.error.id"),
    "id_taken": N_("console.content.error.id_taken"),
    "topic": N_("console.content.error.topic"),
    "choose": N_("console.content.error.choose_one"),
    "url": N_("console.content.error.url"),
    "date": N_("console.content.error.date"),
    "future": N_("console.content.error.future"),
    "half": N_("console.content.error.half_translation"),
    "timezone": N_("console.content.error.timezone"),
    "hours": N_("console.content.error.hours"),
    "closed": N_("console.content.error.closed"),
    "region": N_("console.content.error.region"),
    "language": N_("console.content.error.language"),
    "minutes": N_("console.content.error.minutes"),
    "capacity": N_("console.content.error.capacity"),
    "no_service": N_("console.content.error.no_service"),
    "time": N_("console.content.error.time"),
    "slot_taken": N_("console.content.error.slot_taken"),
    "not_offered": N_("console.content.error.not_offered"),
}
TOPIC_LABELS = {"housing": N_("console.content.topic.housing"),
                "health": N_("console.content.topic.health"),
                "work": N_("console.content.topic.work"),
                "benefits": N_("console.content.topic.benefits"),
                "education": N_("console.content.topic.education"),
                "documents": N_("console.content.topic.documents"),
                "budget": N_("console.content.topic.budget")}
_SLOT_RESULTS = {"added": N_("console.content.slots.added"),
                 "removed": N_("console.content.slots.removed"),
                 "booked": N_("console.content.slots.refused_booked"),
                 "history": N_("console.content.slots.refused_history"),
                 "gone": N_("console.content.slots.gone"),
                 "generated": N_("console.content.slots.generated")}
_APPOINTMENT_RESULTS = {"cancelled": N_("console.appointments.result.cancelled"),
                        "already_cancelled": N_("console.appointments.result.not_booked"),
                        "not_booked": N_("console.appointments.result.not_booked"),
                        "marked": N_("console.appointments.result.no_show"),
                        "not_started": N_("console.appointments.result.not_started"),
                        "gone": N_("console.appointments.result.gone")}
STATUS_LABELS = {"booked": N_("console.appointments.status.booked"),
                 "cancelled": N_("console.appointments.status.cancelled"),
                 "no_show": N_("console.appointments.status.no_show")}


class _Form:
    """A submitted form: its values as typed and, by field, the problems found."""

    def __init__(self, data: FormData, t: Translator) -> None:
        self.data = data
        self.t = t
        self.errors: dict[str, str] = {}

    def fail(self, field: str, key: str, **params: str) -> None:
        self.errors.setdefault(field, self.t.gettext(_E[key], **params))

    def raw(self, field: str) -> str:
        return str(self.data.get(field, "")).replace("\r\n", "\n").strip()

    def text(self, field: str, limit: int, *, required: bool = False) -> str:
        value = self.raw(field)
        if required and not value:
            self.fail(field, "required")
        elif len(value) > limit:
            self.fail(field, "too_long", limit=str(limit))
        return value

    def checked(self, field: str) -> bool:
        return field in self.data

    def choices(self, field: str, allowed: Iterable[str]) -> list[str]:
        chosen = {str(v) for v in self.data.getlist(field)}
        return [value for value in allowed if value in chosen]

    def ident(self, field: str) -> str:
        value = self.raw(field)
        if not _ID.match(value) or value in _RESERVED:
            self.fail(field, "id")
        return value

    def number(self, field: str, low: int, high: int, key: str) -> int:
        value = self.raw(field)
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(field, key)
            return low
        return int(value)

    def day(self, field: str, *, required: bool = True) -> date | None:
        value = self.raw(field)
        if not value:
            if required:
                self.fail(field, "required")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(field, "date")
            return None

    def names(self, prefix: str) -> dict[str, str]:
        """A name per language; English is required."""
        names = {lang: self.text(f"{prefix}_{lang}", _MAX_NAME, required=lang == "en")
                 for lang in LANGUAGES}
        return {lang: name for lang, name in names.items() if name}


def _web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", url)


def hours_text(stored: Mapping[str, Sequence[str]]) -> str:
    """Stored hours as a person writes them: ``"mon-fri 09:00-17:00; sat 10:00-12:00"``."""
    groups: list[list[Any]] = []  # [first day, last day, ranges]
    for day in range(7):
        ranges = tuple(stored.get(WEEKDAYS[day]) or ())
        if not ranges:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == ranges:
            groups[-1][1] = day
        else:
            groups.append([day, day, ranges])
    return "; ".join(WEEKDAYS[a] + (f"-{WEEKDAYS[b]}" if b != a else "") + " " + ", ".join(r)
                     for a, b, r in groups)


def _count(value: str | None) -> str:
    """A count from a query string, shown in a message: digits only."""
    return value if value and value.isdigit() and len(value) < 7 else "0"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0, 0), ZoneInfo(zone)).astimezone(UTC)


# -- the forms -----------------------------------------------------------------------------
def _article_form(form: _Form, old: ArticleEdit | None, regions: Iterable[str],
                  audiences: Iterable[str], today: date
                  ) -> tuple[dict[str, Any], ArticleEdit | None]:
    """The typed values for the page, and the article when they are valid."""
    article_id = old.id if old else form.ident("id")
    topic = form.raw("topic")
    if topic not in TOPICS:
        form.fail("topic", "topic")
    scope = {}
    for field, known in (("regions", regions), ("audiences", audiences)):
        scope[field] = form.choices(field, (ALL, *known))
        if not scope[field]:
            form.fail(field, "choose")
    source_title = form.text("source_title", 300, required=True)
    source_url = form.text("source_url", 500, required=True)
    if source_url and not _web_address(source_url) and not (old and source_url == old.source_url):
        form.fail("source_url", "url")  # a stored file name may stay, a new address is a URL
    reviewed = form.day("reviewed")
    if reviewed and reviewed > today:
        form.fail("reviewed", "future")
    texts: dict[str, tuple[str, str]] = {}
    for lang in LANGUAGES:
        title = form.text(f"title_{lang}", _MAX_TITLE, required=lang == "en")
        body = form.text(f"body_{lang}", _MAX_BODY, required=lang == "en")
        if lang != "en" and bool(title) != bool(body):
            form.fail(f"title_{lang}", "half")
        texts[lang] = (title, body)
    active = form.checked("active")
    values = {"id": article_id, "topic": topic, **scope, "source_title": source_title,
              "source_url": source_url, "reviewed": form.raw("reviewed"), "active": active,
              "texts": texts}
    if form.errors or reviewed is None:
        return values, None
    return values, ArticleEdit(article_id, topic, tuple(scope["regions"]),
                               tuple(scope["audiences"]), source_title, source_url, reviewed,
                               active, {lang: text for lang, text in texts.items() if text[0]})


def _article_values(edit: ArticleEdit | None, today: date) -> dict[str, Any]:
    if edit is None:
        return {"id": "", "topic": "", "regions": [], "audiences": [], "source_title": "",
                "source_url": "", "reviewed": today.isoformat(), "active": True,
                "texts": {lang: ("", "") for lang in LANGUAGES}}
    return {"id": edit.id, "topic": edit.topic, "regions": list(edit.regions),
            "audiences": list(edit.audiences), "source_title": edit.source_title,
            "source_url": edit.source_url, "reviewed": edit.reviewed.isoformat(),
            "active": edit.active,
            "texts": {lang: edit.texts.get(lang, ("", "")) for lang in LANGUAGES}}


def _office_form(form: _Form, old: OfficeEdit | None, regions: Iterable[str],
                 services: Sequence[ServiceEdit]) -> tuple[dict[str, Any], OfficeEdit | None]:
    office_id = old.id if old else form.ident("id")
    names = form.names("name")
    region = form.raw("region")
    if region and region not in regions:
        form.fail("region", "region")
    address = form.text("address", 300, required=True)
    phone = form.text("phone", 64, required=True)
    zone = form.raw("timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        form.fail("timezone", "timezone")
    hours_typed = form.raw("hours")
    hours: dict[str, list[str]] = {}
    try:
        hours = hours_to_json(parse_hours(hours_typed)) if hours_typed else {}
    except ValueError as exc:
        form.fail("hours", "hours", detail=str(exc))
    closed_typed = form.raw("closed")
    closed: list[date] = []
    for item in filter(None, re.split(r"[\s,;]+", closed_typed)):
        try:
            closed.append(date.fromisoformat(item))
        except ValueError:
            form.fail("closed", "closed", value=item)
    offers: dict[str, dict[str, Any]] = {}
    chosen: list[OfferEdit] = []
    for service in services:
        on = form.checked(f"offer_{service.id}")
        offers[service.id] = {"on": on, "minutes": form.raw(f"minutes_{service.id}"),
                              "capacity": form.raw(f"capacity_{service.id}")}
        if on:
            chosen.append(OfferEdit(
                service.id, form.number(f"minutes_{service.id}", 5, 480, "minutes"),
                form.number(f"capacity_{service.id}", 1, 100, "capacity")))
    if not chosen:
        form.fail("services", "no_service")
    languages = form.choices("languages", LANGUAGES)
    others = form.raw("languages_other")
    for code in filter(None, re.split(r"[\s,;]+", others.lower())):
        if not _LANGUAGE.match(code):
            form.fail("languages_other", "language", value=code)
        elif code not in languages:
            languages.append(code)
    interpreter, active = form.checked("interpreter"), form.checked("active")
    values = {"id": office_id, "names": names, "region": region, "address": address,
              "phone": phone, "timezone": zone, "languages": languages,
              "languages_other": others,
              "interpreter": interpreter, "hours": hours_typed, "closed": closed_typed,
              "active": active, "offers": offers}
    if form.errors:
        return values, None
    return values, OfficeEdit(office_id, names, region or None, address, phone, zone,
                              tuple(languages), interpreter, hours, tuple(sorted(set(closed))),
                              active, tuple(chosen))


def _office_values(edit: OfficeEdit | None, services: Sequence[ServiceEdit]
                   ) -> dict[str, Any]:
    offered = {o.service_id: o for o in edit.offers} if edit else {}
    offers = {s.id: {"on": s.id in offered,
                     "minutes": str(offered[s.id].minutes) if s.id in offered else "30",
                     "capacity": str(offered[s.id].capacity) if s.id in offered else "1"}
              for s in services}
    if edit is None:
        return {"id": "", "names": {}, "region": "", "address": "", "phone": "",
                "timezone": "", "languages": [], "languages_other": "",
                "interpreter": False, "hours": "",
                "closed": "", "active": True, "offers": offers}
    return {"id": edit.id, "names": dict(edit.name), "region": edit.region or "",
            "address": edit.address, "phone": edit.phone, "timezone": edit.timezone,
            "languages": list(edit.languages), "interpreter": edit.interpreter,
            "languages_other": ", ".join(x for x in edit.languages if x not in LANGUAGES),
            "hours": hours_text(edit.hours), "active": edit.active, "offers": offers,
            "closed": ", ".join(d.isoformat() for d in edit.closed)}


# -- the routes ----------------------------------------------------------------------------
def content_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    editor = ContentEditor(orienta.store)
    book = AppointmentBook(orienta.store)
    knowledge = KnowledgeStore(orienta.store)
    directions = {lang: text_direction(lang) for lang in LANGUAGES}

    def translator(request: Request) -> Translator:
        return console.translator(staff(request).user)

    def today() -> date:
        return console.clock().date()

    def not_found(request: Request) -> Response:
        return console.render(request, "console_refused.html", status_code=404)

    async def overview(request: Request) -> Response:
        articles = await asyncio.to_thread(editor.articles)
        offices = await asyncio.to_thread(editor.offices)
        services = await asyncio.to_thread(editor.services)
        lang = translator(request).lang
        now = today()
        due = {a.id for a in articles if now - a.reviewed > _REVIEW_DUE}
        return console.render(request, "console_content.html", articles=articles,
                              offices=offices, services=services, due=due,
                              languages=LANGUAGES, topics=TOPIC_LABELS,
                              named=lambda names: local_name(names, lang))

    # -- articles ------------------------------------------------------------------------
    async def article_page(request: Request) -> Response:
        article_id = request.path_params.get("article_id")
        old = await asyncio.to_thread(editor.article, article_id) if article_id else None
        if article_id and old is None:
            return not_found(request)
        regions = await asyncio.to_thread(knowledge.regions)
        audiences = await asyncio.to_thread(knowledge.audiences)
        values, errors, status = _article_values(old, today()), {}, 200
        if request.method == "POST":
            form = _Form(await request.form(), translator(request))
            values, edit = _article_form(form, old, [r.id for r in regions],
                                         [a.id for a in audiences], today())
            if edit is not None:
                saved = await asyncio.to_thread(editor.save_article, edit, new=old is None)
                if saved is EditStatus.SAVED:
                    await console.audit(request, "article.save", f"article:{edit.id}", {
                        "new": old is None, "active": edit.active,
                        "languages": sorted(edit.texts)})
                    return RedirectResponse(f"/console/content/articles/{edit.id}?saved=1",
                                            status_code=303)
                if saved is EditStatus.GONE:
                    return not_found(request)
                form.fail("id", "id_taken")
            errors, status = form.errors, 400
        lang = translator(request).lang
        return console.render(
            request, "console_content_article.html", status_code=status, new=old is None,
            v=values, errors=errors, saved="saved" in request.query_params,
            regions=regions, audiences=audiences, topics=TOPIC_LABELS, languages=LANGUAGES,
            directions=directions, named=lambda names: local_name(names, lang), all=ALL)

    # -- offices and services ------------------------------------------------------------
    async def office_page(request: Request) -> Response:
        office_id = request.path_params.get("office_id")
        old = await asyncio.to_thread(editor.office, office_id) if office_id else None
        if office_id and old is None:
            return not_found(request)
        regions = await asyncio.to_thread(knowledge.regions)
        services = await asyncio.to_thread(editor.services)
        values, errors, status = _office_values(old, services), {}, 200
        if request.method == "POST":
            form = _Form(await request.form(), translator(request))
            values, edit = _office_form(form, old, [r.id for r in regions], services)
            if edit is not None:
                saved = await asyncio.to_thread(editor.save_office, edit, new=old is None)
                if saved is EditStatus.SAVED:
                    created, removed = await asyncio.to_thread(
                        book.generate_slots, today(), console.settings.booking_days)
                    await console.audit(request, "office.save", f"office:{edit.id}", {
                        "new": old is None, "active": edit.active,
                        "slots_created": created, "slots_removed": removed})
                    query = urlencode({"saved": 1, "created": created, "removed": removed})
                    return RedirectResponse(f"/console/content/offices/{edit.id}?{query}",
                                            status_code=303)
                if saved is EditStatus.GONE:
                    return not_found(request)
                form.fail("id", "id_taken")
            errors, status = form.errors, 400
        q = request.query_params
        lang = translator(request).lang
        return console.render(
            request, "console_content_office.html", status_code=status, new=old is None,
            v=values, errors=errors, saved="saved" in q,
            created=_count(q.get("created")), removed=_count(q.get("removed")),
            regions=regions, services=services, languages=LANGUAGES, directions=directions,
            named=lambda names: local_name(names, lang))

    async def service_page(request: Request) -> Response:
        service_id = request.path_params.get("service_id")
        old = await asyncio.to_thread(editor.service, service_id) if service_id else None
        if service_id and old is None:
            return not_found(request)
        values: dict[str, Any] = {"id": old.id if old else "",
                                  "names": dict(old.name) if old else {}}
        errors: dict[str, str] = {}
        status = 200
        if request.method == "POST":
            form = _Form(await request.form(), translator(request))
            sid = old.id if old else form.ident("id")
            values = {"id": sid, "names": form.names("name")}
            if not form.errors:
                edit = ServiceEdit(sid, values["names"])
                saved = await asyncio.to_thread(editor.save_service, edit, new=old is None)
                if saved is EditStatus.SAVED:
                    await console.audit(request, "service.save", f"service:{sid}",
                                        {"new": old is None})
                    return RedirectResponse(f"/console/content/services/{sid}?saved=1",
                                            status_code=303)
                if saved is EditStatus.GONE:
                    return not_found(request)
                form.fail("id", "id_taken")
            errors, status = form.errors, 400
        return console.render(request, "console_content_service.html", status_code=status,
                              new=old is None, v=values, errors=errors,
                              saved="saved" in request.query_params, languages=LANGUAGES,
                              directions=directions)

    # -- slot calendars ------------------------------------------------------------------
    async def slots_page(request: Request, *, errors: Mapping[str, str] | None = None,
                         typed: Mapping[str, str] | None = None) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        zone = ZoneInfo(office.timezone)
        q = request.query_params
        try:
            week = _monday(date.fromisoformat(q.get("week", "")))
        except ValueError:
            week = _monday(console.clock().astimezone(zone).date())
        start, end = _midnight(week, office.timezone), _midnight(week + timedelta(days=7),
                                                                  office.timezone)
        slots = await asyncio.to_thread(editor.slots, office.id, start, end)
        services = {s.id: s for s in await asyncio.to_thread(editor.services)}
        t = translator(request)
        days: dict[date, list[dict[str, Any]]] = {}
        for slot in slots:
            local_start, local_end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
            days.setdefault(local_start.date(), []).append({
                "slot": slot, "start": f"{local_start:%H:%M}", "end": f"{local_end:%H:%M}",
                "service": local_name(services[slot.service_id].name, t.lang)
                if slot.service_id in services else slot.service_id})
        first = office.offers[0] if office.offers else None
        add = {"service": first.service_id if first else "", "day": week.isoformat(),
               "start": "", "minutes": str(first.minutes if first else 30),
               "capacity": str(first.capacity if first else 1), **(typed or {})}
        result = q.get("result", "")
        message = t.gettext(_SLOT_RESULTS[result], created=_count(q.get("created")),
                            removed=_count(q.get("removed"))) if result in _SLOT_RESULTS else ""
        return console.render(
            request, "console_content_slots.html", status_code=400 if errors else 200,
            office=office, office_name=local_name(office.name, t.lang), week=week.isoformat(),
            previous=(week - timedelta(days=7)).isoformat(),
            following=(week + timedelta(days=7)).isoformat(),
            days=[(format_date(day, "full", locale=t.lang), rows)
                  for day, rows in sorted(days.items())],
            offers=[(o.service_id, local_name(services[o.service_id].name, t.lang)
                     if o.service_id in services else o.service_id) for o in office.offers],
            add=add, errors=errors or {}, message=message,
            refused=result in ("booked", "history", "gone"))

    async def slots_get(request: Request) -> Response:
        return await slots_page(request)

    def back_to_week(office_id: str, week: str, **result: object) -> Response:
        query = urlencode({"week": week, **result})
        return RedirectResponse(f"/console/content/offices/{office_id}/slots?{query}",
                                status_code=303)

    async def slot_add(request: Request) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        form = _Form(await request.form(), translator(request))
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
            starts_at = datetime.combine(day, clock.replace(second=0, microsecond=0),
                                         ZoneInfo(office.timezone)).astimezone(UTC)
            try:
                slot = await asyncio.to_thread(book.add_slot, office.id, service, starts_at,
                                               minutes, capacity)
            except IntegrityError:
                form.fail("start", "slot_taken")
            else:
                await console.audit(request, "slot.add", f"slot:{slot.id}", {
                    "office": office.id, "service": service,
                    "starts_at": starts_at.isoformat(), "capacity": capacity})
                return back_to_week(office.id, _monday(day).isoformat(), result="added")
        return await slots_page(request, errors=form.errors, typed=typed)

    async def slot_remove(request: Request) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        slot_id = request.path_params["slot_id"]
        form = await request.form()
        result = await asyncio.to_thread(editor.remove_slot, office.id, slot_id)
        await console.audit(request, "slot.remove", f"slot:{slot_id}",
                            {"office": office.id, "result": str(result)})
        return back_to_week(office.id, str(form.get("week", "")), result=str(result))

    async def slots_generate(request: Request) -> Response:
        office = await asyncio.to_thread(editor.office, request.path_params["office_id"])
        if office is None:
            return not_found(request)
        form = await request.form()
        created, removed = await asyncio.to_thread(book.generate_slots, today(),
                                                   console.settings.booking_days)
        await console.audit(request, "slots.generate", f"office:{office.id}",
                            {"created": created, "removed": removed})
        return back_to_week(office.id, str(form.get("week", "")), result="generated",
                            created=created, removed=removed)

    # -- appointments --------------------------------------------------------------------
    async def filters(source: Mapping[str, Any]
                      ) -> tuple[list[OfficeEdit], list[OfficeEdit], str, date, date]:
        """Every office; the offices to show (one or all), the chosen office's id
        (or ""), and the first and last day."""
        offices = await asyncio.to_thread(editor.offices)
        office = str(source.get("office", ""))
        chosen = [o for o in offices if o.id == office] or offices
        local_today = console.clock().astimezone(
            ZoneInfo(console.settings.staff_timezone)).date()
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

    def spans(offices: Sequence[OfficeEdit], first: date, last: date
              ) -> list[tuple[OfficeEdit, datetime, datetime]]:
        """Each office's days, from midnight to midnight in its own time zone."""
        return [(o, _midnight(first, o.timezone), _midnight(last + timedelta(days=1),
                                                            o.timezone)) for o in offices]

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
            request, "console_appointments.html", entries=entries, offices=offices,
            office=office, first=first.isoformat(), last=last.isoformat(), query=query,
            now=now, statuses=STATUS_LABELS,
            message=t.gettext(_APPOINTMENT_RESULTS[result])
            if result in _APPOINTMENT_RESULTS else "",
            named=lambda names: local_name(names, t.lang),
            local=lambda value, zone: format_moment(value, zone, t.lang))

    async def back_to_list(request: Request, result: str) -> Response:
        _, _, office, first, last = await filters(await request.form())
        query = urlencode({"office": office, "from": first.isoformat(), "to": last.isoformat(),
                           "result": result})
        return RedirectResponse(f"/console/appointments?{query}", status_code=303)

    async def cancel(request: Request) -> Response:
        appointment_id = request.path_params["appointment_id"]
        outcome = await asyncio.to_thread(book.cancel, None, appointment_id, console.clock(),
                                          by="staff")
        result = {BookingStatus.CANCELLED: "cancelled",
                  BookingStatus.ALREADY_CANCELLED: "not_booked"}.get(outcome.status, "gone")
        await console.audit(request, "appointment.cancel", f"appointment:{appointment_id}",
                            {"result": result})
        return await back_to_list(request, result)

    async def no_show(request: Request) -> Response:
        appointment_id = request.path_params["appointment_id"]
        result = str(await asyncio.to_thread(editor.mark_no_show, appointment_id,
                                             console.clock()))
        await console.audit(request, "appointment.no_show", f"appointment:{appointment_id}",
                            {"result": result})
        return await back_to_list(request, result)

    def export(kind: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return await exported(request, kind)
        return endpoint

    async def exported(request: Request, kind: str) -> Response:
        _, chosen, office, first, last = await filters(request.query_params)
        views: list[AppointmentView] = []
        for o, start, end in spans(chosen, first, last):
            views += await asyncio.to_thread(book.calendar, o.id, start, end)
        views.sort(key=lambda v: (v.slot.starts_at, v.id))
        await console.audit(request, "appointments.export", f"office:{office or 'all'}", {
            "format": kind, "from": first.isoformat(), "to": last.isoformat(),
            "count": len(views)})
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
        return Response(body, media_type=media, headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store"})

    return _routes(console, [
        ("/console/content", overview, ("GET",), "console_content"),
        ("/console/content/articles/new", article_page, ("GET", "POST"), "console_article_new"),
        ("/console/content/articles/{article_id}", article_page, ("GET", "POST"),
         "console_article"),
        ("/console/content/offices/new", office_page, ("GET", "POST"), "console_office_new"),
        ("/console/content/offices/{office_id}", office_page, ("GET", "POST"),
         "console_office"),
        ("/console/content/offices/{office_id}/slots", slots_get, ("GET",), "console_slots"),
        ("/console/content/offices/{office_id}/slots/add", slot_add, ("POST",),
         "console_slot_add"),
        ("/console/content/offices/{office_id}/slots/generate", slots_generate, ("POST",),
         "console_slots_generate"),
        ("/console/content/offices/{office_id}/slots/{slot_id:int}/remove", slot_remove,
         ("POST",), "console_slot_remove"),
        ("/console/content/services/new", service_page, ("GET", "POST"),
         "console_service_new"),
        ("/console/content/services/{service_id}", service_page, ("GET", "POST"),
         "console_service"),
        ("/console/appointments", appointments, ("GET",), "console_appointments"),
        ("/console/appointments.csv", export("csv"), ("GET",), "console_appointments_csv"),
        ("/console/appointments.ics", export("ics"), ("GET",), "console_appointments_ics"),
        ("/console/appointments/{appointment_id:int}/cancel", cancel, ("POST",),
         "console_appointment_cancel"),
        ("/console/appointments/{appointment_id:int}/no-show", no_show, ("POST",),
         "console_appointment_no_show"),
    ])


def _routes(console: Console, table: Sequence[tuple[str, Endpoint, tuple[str, ...], str]]
            ) -> list[BaseRoute]:
    """Every content route is for administrators."""
    return [staff_route(console, path, endpoint, role=ADMIN, methods=methods, name=name)
            for path, endpoint, methods, name in table]
