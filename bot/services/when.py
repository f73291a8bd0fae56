"""Free text about when ("mardi matin", "domani alle 10", "huomenna", "у четвер")
as a window of time to narrow the slots offered.

The day and the clock time come from ``dateparser``; the part of the day
(morning, afternoon, evening), which dateparser does not read, comes from a
short word list per language under ``nlu/lexicons/dayparts/``. dateparser knows
the days of Modern Standard Arabic only: Moroccan Darija and Arabizi day names
("nhar jem3a", "الحد", "ghedda") are put in its words first (:data:`ARABIC_DAYS`).
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dateparser  # type: ignore[import-untyped]
from dateparser.search import search_dates  # type: ignore[import-untyped]

from nlu.text import fold

__all__ = ["DayParts", "Window", "parse_when"]

log = logging.getLogger(__name__)

#: Local hours each part of the day covers.
PARTS: dict[str, tuple[time, time]] = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(23, 59, 59)),
}
_MAX_AHEAD = timedelta(days=366)
# dateparser keeps the base's clock time when the text names no time (and its seconds
# when only the hour is named): parsing against two bases a minute apart tells
# "demain" (no time) from "demain à 10h".
_NUDGE = timedelta(minutes=1, seconds=13)

#: Darija, Arabizi and Levantine day words -> the Standard Arabic that dateparser reads.
#: Matched on folded text (ة is ه there) as whole words. A bare "tlata" or "arb3a" is also
#: a number, so only the forms with the article count.
ARABIC_DAYS: dict[str, tuple[str, ...]] = {
    "الاثنين": (
        "tnin",
        "letnin",
        "ltnin",
        "l'itnin",
        "litnin",
        "el etnin",
        "el itnin",
        "التنين",
        "الاتنين",
    ),
    "الثلاثاء": (
        "ttlat",
        "ttlata",
        "ettlat",
        "ettlata",
        "ettalata",
        "ettlete",
        "el talat",
        "التلات",
        "التلاتا",
    ),
    "الأربعاء": (
        "larb3",
        "larba3",
        "larbe3",
        "l'arb3a",
        "larb3a",
        "larba3a",
        "el arb3a",
        "el arba3",
        "الاربع",
        "لاربع",
    ),
    "الخميس": (
        "lkhmis",
        "lkhamis",
        "khmis",
        "khamis",
        "el khamis",
        "l5mis",
        "5mis",
        "el 5amis",
        "لخميس",
    ),
    "الجمعة": (
        "jem3a",
        "ljem3a",
        "jm3a",
        "ljm3a",
        "jum3a",
        "jom3a",
        "el jum3a",
        "el jom3a",
        "jouma3",
        "jemaa",
        "ljemaa",
        "لجمعه",
    ),
    "السبت": ("sebt", "ssebt", "sabt", "essabt", "es sabt", "el sabt", "lsebt", "لسبت"),
    "الأحد": ("l7ed", "l7edd", "la7ed", "l7add", "el a7ad", "el 7ad", "الحد"),
    "غدا": ("ghedda", "ghdda", "ghada", "bukra", "bokra", "boukra", "غدوه", "بكره", "بكرا"),
    "اليوم": ("lyoum", "lyom", "el yom", "el youm"),
}
_ARABIC_DAY_WORDS = re.compile(
    r"(?<![\w'])("
    + "|".join(
        re.escape(w) for w in sorted((w for ws in ARABIC_DAYS.values() for w in ws), key=len)[::-1]
    )
    + r")(?![\w'])"
)
_TO_MSA = {word: msa for msa, words in ARABIC_DAYS.items() for word in words}


def arabic_days(text: str) -> str:
    """``text`` (folded) with Darija and Arabizi day words in Standard Arabic."""
    return _ARABIC_DAY_WORDS.sub(lambda m: _TO_MSA[m.group(1)], text)


@dataclass(frozen=True)
class Window:
    """Local days (``first`` to ``last``), optionally a part of the day or a time."""

    first: date
    last: date
    part: str | None = None
    at: time | None = None

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The window as two aware datetimes in ``timezone``."""
        zone = ZoneInfo(timezone)
        if self.at is not None:
            moment = datetime.combine(self.first, self.at, zone)
            return moment - timedelta(minutes=90), moment + timedelta(minutes=150)
        opens, closes = PARTS[self.part] if self.part else (time(0, 0), time(23, 59, 59))
        return (
            datetime.combine(self.first, opens, zone),
            datetime.combine(self.last, closes, zone),
        )

    def to_var(self) -> str:
        at = self.at.strftime("%H:%M") if self.at else ""
        return f"{self.first.isoformat()}|{self.last.isoformat()}|{self.part or ''}|{at}"

    @classmethod
    def from_var(cls, value: str) -> Window | None:
        try:
            first, last, part, at = value.split("|")
            return cls(
                date.fromisoformat(first),
                date.fromisoformat(last),
                part or None,
                time.fromisoformat(at) if at else None,
            )
        except ValueError:
            return None


@dataclass(frozen=True)
class Parsed:
    """What the text said: a window, or that it named a day already past."""

    window: Window | None
    past: bool = False


class DayParts:
    """The part-of-day words of each language, read once from the lexicon folder."""

    def __init__(self, folder: Path) -> None:
        self.words: dict[str, list[tuple[str, str]]] = {}
        for path in sorted(folder.glob("*.txt")):
            pairs = []
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith("#") or ":" not in line:
                    continue
                part, _, words = line.partition(":")
                pairs += [(fold(w.strip()), part.strip()) for w in words.split(",") if w.strip()]
            # longest first, so "après-midi" wins over a shorter word inside it
            self.words[path.stem] = sorted(pairs, key=lambda p: -len(p[0]))

    def find(self, text: str, lang: str) -> tuple[str | None, str]:
        """The part of the day named in ``text`` and the text without those words."""
        folded = fold(text)
        for word, part in self.words.get(lang, ()):
            if word and f" {word} " in f" {folded} ":
                return part, f" {folded} ".replace(f" {word} ", " ").strip()
        return None, folded


def parse_when(text: str, lang: str, now: datetime, timezone: str, day_parts: DayParts) -> Parsed:
    """Read a day, a part of the day or a time from ``text`` in ``lang``.

    ``now`` is the current moment; relative words ("tomorrow") count from its
    date in ``timezone``.
    """
    part, rest = day_parts.find(text, lang)
    if lang == "ar":
        rest = arabic_days(rest)
    local_now = now.astimezone(ZoneInfo(timezone))
    base = local_now.replace(tzinfo=None, microsecond=0)
    found = _parse(rest, lang, base)
    explicit = False
    if found is not None:
        again = _parse(rest, lang, base + _NUDGE)
        explicit = again is not None and again.replace(second=0) == found.replace(second=0)
    if found is None:
        if part is None:
            return Parsed(None)
        return Parsed(Window(local_now.date(), local_now.date() + timedelta(days=366), part))
    day = found.date()
    if day < local_now.date():
        return Parsed(None, past=True)
    if found - base > _MAX_AHEAD:
        return Parsed(None)  # a misreading
    at: time | None = None
    if explicit and found.time() != time(0, 0):
        at = found.time().replace(second=0)
    if at is not None and datetime.combine(day, at) < base:
        return Parsed(None, past=True)
    return Parsed(Window(day, day, part if at is None else None, at))


def _parse(text: str, lang: str, base: datetime) -> datetime | None:
    if not text:
        return None
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser warns about its own regexes
        try:
            found = dateparser.parse(text, languages=[lang], settings=settings)
            if found is None:
                hits = search_dates(text, languages=[lang], settings=settings)
                found = hits[0][1] if hits else None
        except Exception:  # a parser failure is "not understood", never a crash
            log.warning("dateparser failed on a %s text", lang, exc_info=True)
            return None
    return found if isinstance(found, datetime) else None
