"""The content files under ``content/``: regions, audiences, offices, bookable
services and rights articles, read from YAML and checked.

:func:`load_content` never raises on bad content: it returns what it could read
with a list of :class:`Problem` naming the file and the place, so
``orienta kb check`` can show every problem at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.domain.content import (
    AGE_GROUPS,
    ALL,
    EMERGENCY_KINDS,
    FILE_NAME,
    GENERAL_SOURCE,
    TOPICS,
    WEB_ADDRESS,
    WEEKDAYS,
    ArticleDef,
    AudienceDef,
    Content,
    EmergencyLine,
    OfficeDef,
    OfficeServiceDef,
    Problem,
    RegionDef,
    ServiceDef,
    parse_range,
)
from bot.domain.endings import ends_with_next_step

__all__ = ["load_content"]

_PHONE = re.compile(r"\+?[0-9][0-9 ]{1,18}")
#: A body that dates its own information ("This information is from 2023") contradicts
#: the review date shown under it; the document's date belongs in the source's title.
_DATED = re.compile(
    r"information is from|information dates from|informations? dat(?:e|ent) de"
    r"|informazion[ei] (?:sono|è) del|tiedot ovat vuodelta|інформація\s*[—-]?\s*(?:за|з)\s"
    r"|المعلومات من سنة",
    re.IGNORECASE,
)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_BODY = 900
_MAX_TITLE = 120
_STALE_WARNING = timedelta(days=183)
_STALE_ERROR = timedelta(days=366)


class _Reader:
    """Collects problems while reading one file's YAML."""

    def __init__(self, file: str, languages: Sequence[str]) -> None:
        self.file = file
        self.languages = tuple(languages)
        self.problems: list[Problem] = []

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem("error", self.file, where, message))

    def warning(self, where: str, message: str) -> None:
        self.problems.append(Problem("warning", self.file, where, message))

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.error(where, "expected a mapping")
        return {}

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        *,
        required: bool = True,
        limit: int = 300,
    ) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(where, f"'{key}' is missing")
            return ""
        if not isinstance(value, str | int):
            self.error(where, f"'{key}' must be text")
            return ""
        value = str(value).strip()
        if len(value) > limit:
            self.error(where, f"'{key}' is longer than {limit} characters")
        return value

    def names(self, value: Any, where: str, *, limit: int = 64) -> dict[str, str]:
        data = self.mapping(value, where)
        names = {str(k): str(v).strip() for k, v in data.items() if v is not None}
        for lang in self.languages:
            if not names.get(lang):
                self.error(where, f"no translation for '{lang}'")
        for lang, name in names.items():
            if len(name) > limit:
                self.error(where, f"the '{lang}' name is longer than {limit} characters")
        return names

    def ident(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.error(where, "an id is lower-case letters, digits, '_' or '-' (40 at most)")
            return str(value)
        return value

    def timezone(self, value: Any, where: str) -> str:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.error(where, f"unknown time zone {value!r}")
            return "UTC"
        return str(value)

    def hours(self, value: Any, where: str) -> dict[int, tuple[tuple[time, time], ...]]:
        hours: dict[int, tuple[tuple[time, time], ...]] = {}
        for day, ranges in self.mapping(value, where).items():
            if day not in WEEKDAYS:
                self.error(where, f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
                continue
            parsed: list[tuple[time, time]] = []
            for item in ranges or ():
                span = parse_range(str(item))
                if span is None:
                    self.error(
                        f"{where}.{day}",
                        f"{item!r} is not a range like 09:00-12:00 (opens before it closes)",
                    )
                    continue
                parsed.append(span)
            hours[WEEKDAYS.index(day)] = tuple(sorted(parsed))
        return hours

    def day(self, value: Any, where: str) -> date | None:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.error(where, f"{value!r} is not a date like 2026-12-25")
            return None


def _read_yaml(path: Path, reader: _Reader) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        reader.error("file", f"cannot read: {exc}")
        return {}
    return reader.mapping(data if data is not None else {}, "file")


def _emergency(reader: _Reader, value: Any, where: str) -> tuple[EmergencyLine, ...]:
    """A region's emergency lines: kind -> a number, or a mapping with the number, the
    service's name in every language, its place, source and review date."""
    lines = []
    for kind, entry in reader.mapping(value or {}, where).items():
        here = f"{where}.{kind}"
        if kind not in EMERGENCY_KINDS:
            reader.error(
                where, f"unknown emergency kind {kind!r} (use {', '.join(EMERGENCY_KINDS)})"
            )
            continue
        if isinstance(entry, Mapping):
            line = EmergencyLine(
                str(kind),
                str(entry.get("number", "")),
                reader.names(entry.get("name"), f"{here}.name", limit=80)
                if entry.get("name")
                else {},
                str(entry.get("place") or ""),
                reader.text(entry, "source", here),
                str(entry.get("reviewed") or ""),
            )
            if not _DATE.fullmatch(line.reviewed):
                reader.error(here, "reviewed: the date someone last checked it (YYYY-MM-DD)")
        else:
            line = EmergencyLine(str(kind), str(entry))
        if not _PHONE.fullmatch(line.number):
            reader.error(here, f"{line.number!r} is not a phone number")
        else:
            lines.append(line)
    if not lines:
        reader.error(where, "no emergency numbers (at least the general one, e.g. 112)")
    return tuple(lines)


def _regions(path: Path, reader: _Reader) -> tuple[list[RegionDef], list[AudienceDef]]:
    data = _read_yaml(path, reader)
    regions = []
    for rid, item in reader.mapping(data.get("regions", {}), "regions").items():
        where = f"regions.{rid}"
        item = reader.mapping(item, where)
        regions.append(
            RegionDef(
                reader.ident(rid, where),
                reader.names(item.get("name"), f"{where}.name"),
                reader.text(item, "country", where, limit=2).upper(),
                reader.timezone(item.get("timezone"), f"{where}.timezone"),
                reader.text(item, "source", where, required=False),
                _emergency(reader, item.get("emergency"), f"{where}.emergency"),
            )
        )
    audiences = []
    for aid, item in reader.mapping(data.get("audiences", {}), "audiences").items():
        where = f"audiences.{aid}"
        item = reader.mapping(item, where)
        audiences.append(
            AudienceDef(reader.ident(aid, where), reader.names(item.get("name"), f"{where}.name"))
        )
    if not any(a.id == "general" for a in audiences):
        reader.error("audiences", "the 'general' audience is missing")
    return regions, audiences


def _offices(
    path: Path, reader: _Reader, regions: set[str]
) -> tuple[list[ServiceDef], list[OfficeDef]]:
    data = _read_yaml(path, reader)
    services = []
    for sid, item in reader.mapping(data.get("services", {}), "services").items():
        where = f"services.{sid}"
        services.append(
            ServiceDef(
                reader.ident(sid, where),
                reader.names(reader.mapping(item, where).get("name"), f"{where}.name"),
            )
        )
    known = {s.id for s in services}
    offices = []
    for oid, item in reader.mapping(data.get("offices", {}), "offices").items():
        where = f"offices.{oid}"
        item = reader.mapping(item, where)
        region = reader.text(item, "region", where)
        if region and region not in regions:
            reader.error(where, f"unknown region {region!r}")
        hours = reader.hours(item.get("hours", {}), f"{where}.hours")
        offered = []
        for sid, spec in reader.mapping(item.get("services", {}), f"{where}.services").items():
            swhere = f"{where}.services.{sid}"
            spec = reader.mapping(spec or {}, swhere)
            if sid not in known:
                reader.error(swhere, f"unknown service {sid!r}")
            minutes, capacity = spec.get("minutes", 30), spec.get("capacity", 1)
            if not isinstance(minutes, int) or not 5 <= minutes <= 480:
                reader.error(swhere, "'minutes' must be a whole number from 5 to 480")
                minutes = 30
            if not isinstance(capacity, int) or not 1 <= capacity <= 100:
                reader.error(swhere, "'capacity' must be a whole number from 1 to 100")
                capacity = 1
            own = reader.hours(spec["hours"], f"{swhere}.hours") if "hours" in spec else None
            offered.append(OfficeServiceDef(str(sid), minutes, capacity, own))
        if not offered:
            reader.error(where, "offers no service")
        closed = frozenset(
            d for d in (reader.day(v, f"{where}.closed") for v in item.get("closed") or ()) if d
        )
        offices.append(
            OfficeDef(
                id=reader.ident(oid, where),
                name=reader.names(item.get("name"), f"{where}.name", limit=80),
                region=region,
                address=reader.text(item, "address", where),
                phone=reader.text(item, "phone", where, limit=64),
                timezone=reader.timezone(item.get("timezone"), f"{where}.timezone"),
                languages=tuple(str(x) for x in item.get("languages") or ()),
                interpreter=bool(item.get("interpreter", False)),
                hours=hours,
                closed=closed,
                services=tuple(offered),
                source=reader.text(item, "source", where, required=False),
                assumptions=tuple(str(x) for x in item.get("assumptions") or ()),
            )
        )
    return services, offices


def _articles(
    path: Path,
    reader: _Reader,
    regions: set[str],
    audiences: set[str],
    today: date,
    countries: frozenset[str] = frozenset(),
) -> list[ArticleDef]:
    data = _read_yaml(path, reader)
    items = data.get("articles", [])
    if not isinstance(items, list):
        reader.error("articles", "expected a list")
        return []
    articles = []
    for index, item in enumerate(items):
        item = reader.mapping(item, f"articles[{index}]")
        aid = reader.ident(item.get("id"), f"articles[{index}]")
        where = f"article {aid}"
        topic = reader.text(item, "topic", where)
        if topic and topic not in TOPICS:
            reader.error(where, f"unknown topic {topic!r} (use {', '.join(TOPICS)})")
        if topic and path.stem in TOPICS and topic != path.stem:
            reader.error(where, f"topic {topic!r} in the file for {path.stem!r}")
        scope_regions = tuple(str(x) for x in item.get("regions") or ())
        scope_audiences = tuple(str(x) for x in item.get("audiences") or ())
        for name, values, known in (
            ("regions", scope_regions, regions | countries),
            ("audiences", scope_audiences, audiences | set(AGE_GROUPS)),
        ):
            if not values:
                reader.error(where, f"'{name}' is empty (use [all] for everyone)")
            for value in values:
                if value != ALL and value not in known:
                    reader.error(where, f"unknown {name[:-1]} {value!r}")
        source_title, source_url = _source(
            reader, item.get("source", {}), f"{where}.source", everywhere=ALL in scope_regions
        )
        reviewed = reader.day(item.get("reviewed"), f"{where}.reviewed") or date.min
        if reviewed > today:
            reader.error(where, f"reviewed {reviewed} is in the future")
        elif today - reviewed > _STALE_ERROR:
            reader.error(where, f"last reviewed {reviewed}: more than a year ago")
        elif today - reviewed > _STALE_WARNING:
            reader.warning(where, f"last reviewed {reviewed}: review it soon")
        texts: dict[str, tuple[str, str]] = {}
        raw_texts = reader.mapping(item.get("text", {}), f"{where}.text")
        for lang in reader.languages:
            if lang not in raw_texts:
                reader.error(where, f"no translation for '{lang}'")
        for lang, body in raw_texts.items():
            entry = reader.mapping(body, f"{where}.text.{lang}")
            title = reader.text(entry, "title", f"{where}.text.{lang}", limit=_MAX_TITLE)
            text = reader.text(entry, "body", f"{where}.text.{lang}", limit=_MAX_BODY)
            if dated := _DATED.search(text):
                reader.error(
                    f"{where}.text.{lang}",
                    f"the body dates its information ({dated.group(0)!r}), which contradicts "
                    "the review date shown under it: give the document's date in the "
                    "source's title instead",
                )
            if FILE_NAME.search(f"{title}\n{text}"):
                reader.error(f"{where}.text.{lang}", "a file name is no text for a person")
            if text and (why := ends_with_next_step(str(lang), text)):
                reader.error(
                    f"{where}.text.{lang}",
                    f"the body must end with what to do, where and what to bring: {why}",
                )
            texts[str(lang)] = (title, text)
        articles.append(
            ArticleDef(
                aid,
                topic,
                scope_regions,
                scope_audiences,
                source_title,
                source_url,
                reviewed,
                texts,
            )
        )
    return articles


def _source(
    reader: _Reader, value: Any, where: str, *, everywhere: bool = False
) -> tuple[str, str]:
    """An article's source: the organisation, the document's title (both as a person
    reads them, in the document's language or translated) and a web address when there
    is one; ``document`` names the file it was drawn from, for authors only.

    An article for every region is general advice (``source: general``, shown as the
    programme's own advice for every country): one organisation's document would show
    a person elsewhere another country's help. General advice is for every region only.
    """
    if value == GENERAL_SOURCE:
        if not everywhere:
            reader.error(
                where,
                "'general' advice is for every region: an article for some regions cites "
                "the organisation whose help it describes",
            )
        return "", ""
    if everywhere:
        reader.error(
            where,
            "an article for every region cites one organisation's document, so people "
            "elsewhere would read another country's help: limit its regions (a region id "
            "or a country code) or make it general advice ('source: general')",
        )
    source = reader.mapping(value, where)
    organisation = reader.text(source, "organisation", where, limit=120)
    title = reader.text(source, "title", where, limit=170)
    url = reader.text(source, "url", where, required=False, limit=500)
    reader.text(source, "document", where, required=False)
    for key, text in (("organisation", organisation), ("title", title), ("url", url)):
        if FILE_NAME.search(text) and not WEB_ADDRESS.match(text):
            reader.error(
                where,
                f"'{key}' is a file name ({text!r}): a person reads the source, so give the "
                "organisation, the document's title and a web address; put the file under "
                "'document:'",
            )
    if url and not WEB_ADDRESS.match(url):
        reader.error(where, f"'url' must be a web address (https://…), not {url!r}")
    return (f"{organisation} — {title}" if organisation and title else title), url


def load_content(directory: Path, languages: Sequence[str], today: date) -> Content:
    """Read and check ``regions.yaml``, ``offices.yaml`` and ``articles/*.yaml``.

    ``languages`` are the ones every name and article must be written in.
    """
    problems: list[Problem] = []
    digest = hashlib.sha256()
    files = [
        directory / "regions.yaml",
        directory / "offices.yaml",
        *sorted((directory / "articles").glob("*.yaml")),
    ]
    for path in files:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())

    def reader_for(path: Path) -> _Reader:
        reader = _Reader(
            str(path.relative_to(directory.parent) if directory.parent in path.parents else path),
            languages,
        )
        if not path.exists():
            reader.error("file", "missing")
        return reader

    reader = reader_for(files[0])
    regions, audiences = _regions(files[0], reader) if files[0].exists() else ([], [])
    problems += reader.problems
    reader = reader_for(files[1])
    region_ids = {r.id for r in regions}
    services, offices = _offices(files[1], reader, region_ids) if files[1].exists() else ([], [])
    problems += reader.problems
    articles: list[ArticleDef] = []
    for path in files[2:]:
        reader = reader_for(path)
        articles += _articles(
            path,
            reader,
            region_ids,
            {a.id for a in audiences},
            today,
            frozenset(r.country for r in regions if r.country),
        )
        problems += reader.problems
    for kind, ids in (
        ("region", [r.id for r in regions]),
        ("audience", [a.id for a in audiences]),
        ("service", [s.id for s in services]),
        ("office", [o.id for o in offices]),
        ("article", [a.id for a in articles]),
    ):
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                problems.append(
                    Problem("error", str(directory.name), kind, f"duplicate {kind} id {ident!r}")
                )
            seen.add(ident)
    covered = {a.topic for a in articles}
    for topic in TOPICS:
        if topic not in covered:
            problems.append(Problem("warning", "articles", topic, "no article on this topic"))
    return Content(
        tuple(regions),
        tuple(audiences),
        tuple(services),
        tuple(offices),
        tuple(articles),
        digest.hexdigest()[:16],
        tuple(problems),
    )
