"""Catalogs, per-language translators, locale formatting and text direction.

Catalogs are the gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/``,
read with Babel and compiled in memory, so an edited catalog is picked up by
:meth:`Catalogs.reload` without a restart. Nothing is installed globally: each
conversation gets a :class:`Translator` for its language.

A message that shows a number has plural forms (``msgid_plural``, one ``msgstr[i]`` per
form of the language's ``Plural-Forms``: six in Arabic, three in Ukrainian, two in
English, Finnish, French and Italian). It is marked ``NP_(id, id_plural)`` in Python and
``ngettext(id, id_plural, n)`` in templates; :meth:`Translator.gettext` picks the form
by the ``count`` parameter (else the first whole-number parameter the text shows).
"""

from __future__ import annotations

import functools
import gettext
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_timezone
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

__all__ = [
    "DOMAIN",
    "FALLBACK",
    "NP_",
    "N_",
    "STAFF_NAMESPACES",
    "Catalogs",
    "Translator",
    "bare_fragments",
    "for_people",
    "format_day",
    "format_moment",
    "format_short_moment",
    "isolate",
    "isolate_fragments",
    "language_of",
    "placeholders",
    "po_path",
    "read_catalog",
    "text_direction",
]

DOMAIN = "orienta"
#: Message ids are named by namespace (``welcome.hello``). These namespaces are never
#: shown to the people the bot serves: the console's pages, the staff group's messages,
#: the simulator's notes and the local test chat's page.
STAFF_NAMESPACES = ("console", "staff", "simulator", "web")


def for_people(msgid: str) -> bool:
    """Whether a message id is one of the texts people are sent."""
    return msgid.split(".", 1)[0] not in STAFF_NAMESPACES


FALLBACK = "en"
_FIRST_STRONG_ISOLATE = "\u2068"
_LEFT_TO_RIGHT_ISOLATE = "\u2066"
_POP_DIRECTIONAL_ISOLATE = "\u2069"
_OPENS = frozenset("\u2066\u2067\u2068")
#: A left-to-right fragment: Latin words, numbers, a phone number, a URL, an address
#: ("Via Montelucci 4", "0774 301488", "https://cpas-ocmw.anderlecht.be/", "9:00").
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_FRAGMENT = re.compile(rf"[{_LATIN}+/](?:[{_LATIN} .,:/'’&_?=%#@+\-–—]*[{_LATIN}/])?")
#: Letters of right-to-left scripts (Arabic, Hebrew, Syriac, Thaana…).
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def N_(msgid: str) -> str:
    """Mark a message id for extraction without translating it here."""
    return msgid


def NP_(msgid: str, msgid_plural: str) -> str:
    """Mark a message id with plural forms for extraction; the id is the singular's."""
    return msgid


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@functools.cache
def text_direction(lang: str) -> Literal["ltr", "rtl"]:
    """``"rtl"`` or ``"ltr"`` for a language code, from CLDR via Babel (once per code:
    every rendered message asks)."""
    return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"


def isolate(value: str) -> str:
    """Wrap user-provided or foreign-direction text so it cannot reorder its surroundings;
    inside a value with right-to-left letters (an Arabic article, an office's Arabic
    name), each Latin, number, URL or phone fragment is isolated too
    (:func:`isolate_fragments`)."""
    return f"{_FIRST_STRONG_ISOLATE}{isolate_fragments(value)}{_POP_DIRECTIONAL_ISOLATE}"


def _bare_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` has right-to-left letters and left-to-right fragments outside any
    isolate (none in a text without right-to-left letters: it has no such problem)."""
    if not _RTL_LETTER.search(text):
        return []
    spans = []
    for match in _FRAGMENT.finditer(text):
        before = text[: match.start()]
        depth = sum(before.count(c) for c in _OPENS) - before.count(_POP_DIRECTIONAL_ISOLATE)
        if depth <= 0:
            spans.append(match.span())
    return spans


def bare_fragments(text: str) -> list[str]:
    """The Latin, number, URL and phone fragments of a right-to-left text that are not
    wrapped in an isolate (and so may be reordered: "(avril 2023)" read as "2023)")."""
    return [text[a:b] for a, b in _bare_spans(text)]


def isolate_fragments(text: str) -> str:
    """A right-to-left text with each left-to-right fragment wrapped in LRI … PDI, so a
    URL, a phone number, an address or an office's name keeps its order; a text without
    right-to-left letters is returned as it is."""
    for start, end in reversed(_bare_spans(text)):
        wrapped = f"{_LEFT_TO_RIGHT_ISOLATE}{text[start:end]}{_POP_DIRECTIONAL_ISOLATE}"
        text = text[:start] + wrapped + text[end:]
    return text


def po_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


#: A language's plural rule: the count -> the index of the form (``Plural-Forms``).
PluralRule = Callable[[int], int]


@dataclass(frozen=True)
class Plural:
    """A message's forms in one language and the rule that picks one."""

    forms: tuple[str, ...]
    rule: PluralRule

    def form(self, count: int) -> str:
        index = self.rule(count)
        return self.forms[index] if 0 <= index < len(self.forms) else self.forms[-1]


def plural_rule(catalog: Catalog) -> PluralRule:
    """The ``Plural-Forms`` expression of a catalog as a function."""
    rule: PluralRule = gettext.c2py(catalog.plural_expr)
    return rule


def _count(text: str, params: Mapping[str, str]) -> int | None:
    """The number that picks a plural form: ``count``, else the first placeholder of
    ``text`` given a whole number."""
    names = ["count", *(n for _, n, _, _ in string.Formatter().parse(text) if n)]
    for name in names:
        value = params.get(name)
        if value is not None and value.strip().lstrip("-").isdigit():
            return int(value)
    return None


@dataclass(frozen=True)
class Translator:
    """Translates message ids for one language, falling back to English."""

    lang: str
    messages: Mapping[str, str]
    fallback: Mapping[str, str]
    plurals: Mapping[str, Plural] = field(default_factory=dict)
    fallback_plurals: Mapping[str, Plural] = field(default_factory=dict)

    @property
    def direction(self) -> Literal["ltr", "rtl"]:
        return text_direction(self.lang)

    def has(self, msgid: str) -> bool:
        return bool(self.messages.get(msgid)) or msgid in self.plurals

    def gettext(self, msgid: str, **params: str) -> str:
        text = self.messages.get(msgid) or self.fallback.get(msgid) or msgid
        plural = self.plurals.get(msgid) or self.fallback_plurals.get(msgid)
        if plural is not None and msgid not in self.messages:  # a console edit wins
            count = _count(plural.forms[-1], params)
            text = plural.form(count) if count is not None else plural.forms[-1]
        if not params:
            return text
        try:
            return text.format_map(params)
        except (KeyError, IndexError, ValueError):
            return (self.fallback.get(msgid) or msgid).format_map(_Missing(params))

    def format_datetime(self, value: datetime, tz: str | None = None) -> str:
        """A date and time in this language, in the time zone ``tz`` (e.g. Europe/Helsinki)."""
        return format_datetime(
            value, format="medium", tzinfo=get_timezone(tz) if tz else None, locale=self.lang
        )


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalogs:
    """All locales' messages, loaded from the ``.po`` files under ``locales_dir``, with
    the console's published edits (``overrides``: language -> message id -> text) on
    top of them."""

    def __init__(
        self, locales_dir: Path, overrides: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        self.locales_dir = locales_dir
        self._base: dict[str, dict[str, str]] = {}
        self._overrides: dict[str, dict[str, str]] = {
            lang: dict(texts) for lang, texts in (overrides or {}).items()
        }
        self._messages: dict[str, dict[str, str]] = {}
        self._plurals: dict[str, dict[str, Plural]] = {}
        self.reload()

    def reload(self) -> None:
        """Read every catalog again (after an edit) and swap them in at once."""
        loaded: dict[str, dict[str, str]] = {}
        plurals: dict[str, dict[str, Plural]] = {}
        for path in sorted(self.locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            catalog = read_catalog(path)
            lang = path.parent.parent.name
            loaded[lang] = {
                str(m.id): str(m.string)
                for m in catalog
                if m.id and isinstance(m.string, str) and m.string and not m.fuzzy
            }
            rule = plural_rule(catalog)
            plurals[lang] = {
                str(m.id[0]): Plural(tuple(str(form) for form in m.string), rule)
                for m in catalog
                if m.pluralizable
                and isinstance(m.string, tuple | list)
                and all(m.string)
                and not m.fuzzy
            }
        self._base = loaded
        self._plurals = plurals
        self._merge()

    def set_overrides(self, overrides: Mapping[str, Mapping[str, str]]) -> None:
        """Put published edits in force, replacing the previous ones, at once."""
        self._overrides = {lang: dict(texts) for lang, texts in overrides.items()}
        self._merge()

    def overlaid(self, overrides: Mapping[str, Mapping[str, str]]) -> Catalogs:
        """A copy with other edits on the same files (a draft's preview): no file read."""
        copy = Catalogs.__new__(Catalogs)
        copy.locales_dir = self.locales_dir
        copy._base = self._base
        copy._overrides = {lang: dict(texts) for lang, texts in overrides.items()}
        copy._plurals = self._plurals
        copy._merge()
        return copy

    def _merge(self) -> None:
        merged = {lang: dict(texts) for lang, texts in self._base.items()}
        for lang, texts in self._overrides.items():
            merged.setdefault(lang, {}).update({k: v for k, v in texts.items() if v})
        self._messages = merged

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._messages))

    def msgids(self, lang: str) -> frozenset[str]:
        return frozenset(self._messages.get(lang, {})) | frozenset(self._plurals.get(lang, {}))

    def translator(self, lang: str | None) -> Translator:
        lang = lang if lang in self._messages or lang in self._plurals else FALLBACK
        return Translator(
            lang,
            self._messages.get(lang, {}),
            self._messages.get(FALLBACK, {}),
            self._plurals.get(lang, {}),
            self._plurals.get(FALLBACK, {}),
        )


def format_moment(value: datetime, tz: str, lang: str) -> str:
    """A day and time for a sentence, e.g. « mardi 24 novembre, 09:30 », in ``tz``."""
    zone = get_timezone(tz)
    day = format_skeleton("MMMMEEEEd", value, tzinfo=zone, locale=lang)
    clock = format_time(value, format="short", tzinfo=zone, locale=lang)
    pattern = str(Locale.parse(lang).datetime_formats.get("medium", "{1}, {0}"))
    return pattern.replace("{1}", day).replace("{0}", clock)


def format_short_moment(value: datetime, tz: str, lang: str) -> str:
    """A day and time short enough for a button, e.g. « mar. 24 nov., 09:30 »."""
    zone = get_timezone(tz)
    day = format_skeleton("MMMEd", value, tzinfo=zone, locale=lang)
    return f"{day} {format_time(value, format='short', tzinfo=zone, locale=lang)}"


def format_day(value: date, lang: str) -> str:
    """A date in words, e.g. « 23 novembre 2026 »."""
    return format_date(value, format="long", locale=lang)


_TAG = re.compile(r"^[a-z]{2,3}")


def language_of(code: str | None) -> str | None:
    """The base language of an IETF tag such as Telegram's ``language_code`` (``uk-UA``)."""
    if not code:
        return None
    match = _TAG.match(code.strip().lower())
    return match.group(0) if match else None
