"""The content pages' forms: a submitted article, office or service form read field by
field, each problem kept beside its field in the staff member's language, and the
values the pages show (as stored, or as typed when the form came back invalid).
A valid form becomes the :mod:`bot.store.editing` record that
:class:`~bot.services.content_admin.ContentAdmin` saves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.datastructures import FormData

from bot.domain.appointments import ServiceView
from bot.domain.content import ALL, TOPICS, WEEKDAYS
from bot.domain.content_edits import ArticleEdit, OfferEdit, OfficeEdit
from bot.domain.hours import hours_to_json, parse_hours
from bot.i18n import N_, Translator
from bot.settings import SERVED_LANGUAGES

__all__ = [
    "LANGUAGES",
    "Form",
    "article_form",
    "article_values",
    "hours_text",
    "midnight",
    "office_form",
    "office_values",
]

#: The languages content is written in: English (the source) and the served ones.
LANGUAGES = ("en", *SERVED_LANGUAGES)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_RESERVED = frozenset({"new"})
_MAX_TITLE, _MAX_BODY, _MAX_NAME = 120, 900, 80

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


class Form:
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
        names = {
            lang: self.text(f"{prefix}_{lang}", _MAX_NAME, required=lang == "en")
            for lang in LANGUAGES
        }
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
    return "; ".join(
        WEEKDAYS[a] + (f"-{WEEKDAYS[b]}" if b != a else "") + " " + ", ".join(r)
        for a, b, r in groups
    )


def midnight(day: date, zone: str) -> datetime:
    """The moment a day begins in a time zone, in UTC."""
    return datetime.combine(day, time(0, 0), ZoneInfo(zone)).astimezone(UTC)


# -- the forms -----------------------------------------------------------------------------
def article_form(
    form: Form,
    old: ArticleEdit | None,
    regions: Iterable[str],
    audiences: Iterable[str],
    today: date,
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
    # An article for every region may be general advice with no organisation's source
    # (``source: general`` in the files); any other names the office whose help it is.
    cited = ALL not in scope["regions"]
    source_title = form.text("source_title", 300, required=cited)
    source_url = form.text("source_url", 500, required=cited)
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
    values = {
        "id": article_id,
        "topic": topic,
        **scope,
        "source_title": source_title,
        "source_url": source_url,
        "reviewed": form.raw("reviewed"),
        "active": active,
        "texts": texts,
    }
    if form.errors or reviewed is None:
        return values, None
    return values, ArticleEdit(
        article_id,
        topic,
        tuple(scope["regions"]),
        tuple(scope["audiences"]),
        source_title,
        source_url,
        reviewed,
        active,
        {lang: text for lang, text in texts.items() if text[0]},
    )


def article_values(edit: ArticleEdit | None, today: date) -> dict[str, Any]:
    if edit is None:
        return {
            "id": "",
            "topic": "",
            "regions": [],
            "audiences": [],
            "source_title": "",
            "source_url": "",
            "reviewed": today.isoformat(),
            "active": True,
            "texts": {lang: ("", "") for lang in LANGUAGES},
        }
    return {
        "id": edit.id,
        "topic": edit.topic,
        "regions": list(edit.regions),
        "audiences": list(edit.audiences),
        "source_title": edit.source_title,
        "source_url": edit.source_url,
        "reviewed": edit.reviewed.isoformat(),
        "active": edit.active,
        "texts": {lang: edit.texts.get(lang, ("", "")) for lang in LANGUAGES},
    }


def office_form(
    form: Form, old: OfficeEdit | None, regions: Iterable[str], services: Sequence[ServiceView]
) -> tuple[dict[str, Any], OfficeEdit | None]:
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
        offers[service.id] = {
            "on": on,
            "minutes": form.raw(f"minutes_{service.id}"),
            "capacity": form.raw(f"capacity_{service.id}"),
        }
        if on:
            chosen.append(
                OfferEdit(
                    service.id,
                    form.number(f"minutes_{service.id}", 5, 480, "minutes"),
                    form.number(f"capacity_{service.id}", 1, 100, "capacity"),
                )
            )
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
    values = {
        "id": office_id,
        "names": names,
        "region": region,
        "address": address,
        "phone": phone,
        "timezone": zone,
        "languages": languages,
        "languages_other": others,
        "interpreter": interpreter,
        "hours": hours_typed,
        "closed": closed_typed,
        "active": active,
        "offers": offers,
    }
    if form.errors:
        return values, None
    return values, OfficeEdit(
        office_id,
        names,
        region or None,
        address,
        phone,
        zone,
        tuple(languages),
        interpreter,
        hours,
        tuple(sorted(set(closed))),
        active,
        tuple(chosen),
    )


def office_values(edit: OfficeEdit | None, services: Sequence[ServiceView]) -> dict[str, Any]:
    offered = {o.service_id: o for o in edit.offers} if edit else {}
    offers = {
        s.id: {
            "on": s.id in offered,
            "minutes": str(offered[s.id].minutes) if s.id in offered else "30",
            "capacity": str(offered[s.id].capacity) if s.id in offered else "1",
        }
        for s in services
    }
    if edit is None:
        return {
            "id": "",
            "names": {},
            "region": "",
            "address": "",
            "phone": "",
            "timezone": "",
            "languages": [],
            "languages_other": "",
            "interpreter": False,
            "hours": "",
            "closed": "",
            "active": True,
            "offers": offers,
        }
    return {
        "id": edit.id,
        "names": dict(edit.name),
        "region": edit.region or "",
        "address": edit.address,
        "phone": edit.phone,
        "timezone": edit.timezone,
        "languages": list(edit.languages),
        "interpreter": edit.interpreter,
        "languages_other": ", ".join(x for x in edit.languages if x not in LANGUAGES),
        "hours": hours_text(edit.hours),
        "active": edit.active,
        "offers": offers,
        "closed": ", ".join(d.isoformat() for d in edit.closed),
    }
