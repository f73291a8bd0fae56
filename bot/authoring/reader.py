"""Reading one content file's YAML while collecting its problems (errors stop loading,
warnings do not), so ``orienta kb check`` can show every problem at once."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.domain.content import (
    WEEKDAYS,
    Problem,
    parse_range,
)

__all__ = ["Reader", "read_yaml"]

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class Reader:
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


def read_yaml(path: Path, reader: Reader) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        reader.error("file", f"cannot read: {exc}")
        return {}
    return reader.mapping(data if data is not None else {}, "file")
