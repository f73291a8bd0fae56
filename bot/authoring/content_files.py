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
from datetime import date
from pathlib import Path
from typing import Any

from bot.authoring.articles import read_articles
from bot.authoring.reader import Reader, read_yaml
from bot.domain.content import (
    EMERGENCY_KINDS,
    TOPICS,
    ArticleDef,
    AudienceDef,
    Content,
    EmergencyLine,
    OfficeDef,
    OfficeServiceDef,
    Problem,
    RegionDef,
    ServiceDef,
)

__all__ = ["load_content"]

_PHONE = re.compile(r"\+?[0-9][0-9 ]{1,18}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _emergency(reader: Reader, value: Any, where: str) -> tuple[EmergencyLine, ...]:
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


def _regions(path: Path, reader: Reader) -> tuple[list[RegionDef], list[AudienceDef]]:
    data = read_yaml(path, reader)
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
    path: Path, reader: Reader, regions: set[str]
) -> tuple[list[ServiceDef], list[OfficeDef]]:
    data = read_yaml(path, reader)
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

    def reader_for(path: Path) -> Reader:
        reader = Reader(
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
        articles += read_articles(
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
