"""The content nouns: regions with their emergency lines, audiences, bookable
services, offices and rights articles, as read from ``content/`` by
:mod:`bot.authoring.content_files`, stored by the store and shown by services and
the console alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Literal

__all__ = [
    "AGE_GROUPS",
    "ALL",
    "EMERGENCY_KINDS",
    "FILE_NAME",
    "GENERAL_SOURCE",
    "TOPICS",
    "WEB_ADDRESS",
    "WEEKDAYS",
    "ArticleDef",
    "AudienceDef",
    "Choice",
    "Content",
    "EmergencyLine",
    "Hours",
    "OfficeDef",
    "OfficeServiceDef",
    "Problem",
    "RegionDef",
    "ServiceDef",
    "local_name",
    "parse_range",
    "person_source",
]

#: The rights topics (the ``rights_*`` intents without their prefix).
TOPICS = ("housing", "health", "work", "benefits", "education", "documents", "budget")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Kinds of emergency number a region lists; each has a label ``emergency.kind.<kind>``.
EMERGENCY_KINDS = (
    "general",
    "police",
    "ambulance",
    "fire",
    "violence",
    "children",
    "mental_health",
    "shelter",
    "medical",
)

#: A scope that matches every region or audience.
ALL = "all"
#: Age groups an article may be limited to, listed among its audiences: a course for
#: adults is never the answer to a question about a child's school. They are not
#: situations (never asked), so they are not in ``regions.yaml``; names for the console.
AGE_GROUPS: Mapping[str, Mapping[str, str]] = {
    "children": {
        "en": "Children (under 18)",
        "ar": "الأطفال (أقل من 18)",
        "fr": "Enfants (moins de 18 ans)",
        "it": "Bambini e ragazzi (sotto i 18 anni)",
        "fi": "Lapset (alle 18)",
        "uk": "Діти (до 18 років)",
    },
    "adults": {
        "en": "Adults (18 and over)",
        "ar": "البالغون (18 فما فوق)",
        "fr": "Adultes (18 ans et plus)",
        "it": "Adulti (dai 18 anni)",
        "fi": "Aikuiset (18 ja yli)",
        "uk": "Дорослі (від 18 років)",
    },
}
#: A web address, the only kind of link a person is shown.
WEB_ADDRESS = re.compile(r"^https?://[^\s/]+\.[^\s]+$", re.IGNORECASE)
#: A file name ("003_c7df0656179beda1.txt", "report.pdf"): never shown to a person.
FILE_NAME = re.compile(
    r"\b[\w.-]+\.(?:txt|pdf|docx?|odt|rtf|md|ya?ml|json|csv|xlsx?|html?)\b|\b\d{3}_[0-9a-f]{16}\b",
    re.IGNORECASE,
)
#: An article for every region gives general advice written by the programme itself;
#: an organisation's help belongs to its own region or country.
GENERAL_SOURCE = "general"
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

Names = Mapping[str, str]
#: Weekly hours: weekday (0 = Monday) to (opens, closes) ranges in local time.
Hours = Mapping[int, tuple[tuple[time, time], ...]]


def local_name(names: Mapping[str, str], lang: str) -> str:
    """A name in ``lang``, else in English, else in any language it has."""
    return names.get(lang) or names.get("en") or next(iter(names.values()), "")


def person_source(title: str, url: str) -> tuple[str, str]:
    """An article's source as a person may see it: its title without file names, and
    its link only when it is a web address (a stored file name is never shown)."""
    shown = " ".join(FILE_NAME.sub("", title).replace("()", "").split()).strip(" —-–,;:")
    return shown, url if WEB_ADDRESS.match(url.strip()) else ""


def parse_range(value: str) -> tuple[time, time] | None:
    """``"09:00-12:00"`` as (opens, closes), or None if it is not a valid range."""
    match = _RANGE.match(str(value))
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError:
        return None
    return (opens, closes) if opens < closes else None


@dataclass(frozen=True)
class Problem:
    """Something wrong in a content file; errors stop loading, warnings do not."""

    level: Literal["error", "warning"]
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.file}: {self.where}: {self.message}"


@dataclass(frozen=True)
class RegionDef:
    id: str
    name: Names
    country: str
    timezone: str
    source: str = ""
    #: Emergency lines, kinds from :data:`EMERGENCY_KINDS`, most general first.
    emergency: tuple[EmergencyLine, ...] = ()


@dataclass(frozen=True)
class EmergencyLine:
    """A number to call in a crisis; a service's name and place (an address) where the
    content gives them, with its source and the date someone last checked it."""

    kind: str
    number: str
    name: Names = field(default_factory=dict)
    place: str = ""
    source: str = ""
    reviewed: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "name": dict(self.name),
            "place": self.place,
            "source": self.source,
            "reviewed": self.reviewed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EmergencyLine:
        return cls(
            str(data.get("kind", "")),
            str(data.get("number", "")),
            {str(k): str(v) for k, v in (data.get("name") or {}).items()},
            str(data.get("place") or ""),
            str(data.get("source") or ""),
            str(data.get("reviewed") or ""),
        )


@dataclass(frozen=True)
class AudienceDef:
    id: str
    name: Names


@dataclass(frozen=True)
class ServiceDef:
    id: str
    name: Names


@dataclass(frozen=True)
class OfficeServiceDef:
    service: str
    minutes: int
    capacity: int
    hours: Hours | None = None


@dataclass(frozen=True)
class OfficeDef:
    id: str
    name: Names
    region: str
    address: str
    phone: str
    timezone: str
    languages: tuple[str, ...]
    interpreter: bool
    hours: Hours
    closed: frozenset[date]
    services: tuple[OfficeServiceDef, ...]
    source: str = ""
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleDef:
    id: str
    topic: str
    regions: tuple[str, ...]
    #: Situations from ``regions.yaml`` and, for an article only for them, age groups.
    audiences: tuple[str, ...]
    #: What a person reads: "organisation — title" and a web address (or "").
    source_title: str
    source_url: str
    reviewed: date
    texts: Mapping[str, tuple[str, str]]  # lang -> (title, body)


@dataclass(frozen=True)
class Content:
    """Everything under ``content/``, with a hash of the files it came from."""

    regions: tuple[RegionDef, ...] = ()
    audiences: tuple[AudienceDef, ...] = ()
    services: tuple[ServiceDef, ...] = ()
    offices: tuple[OfficeDef, ...] = ()
    articles: tuple[ArticleDef, ...] = ()
    version: str = ""
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level == "error")


@dataclass(frozen=True)
class Choice:
    """A region or an audience: its id and its names by language (a region also its
    country, ISO 3166 alpha-2)."""

    id: str
    name: Mapping[str, str]
    country: str = ""
