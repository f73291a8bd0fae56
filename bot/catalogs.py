"""Catalog maintenance with Babel: extract, update, compile, check.

``orienta i18n update`` (``make i18n``) extracts every message id from the
flows, the Python code and the templates into ``locales/orienta.pot``, merges it
into each language's ``.po`` (English is the authoring language), writes the
English source text beside each id as a ``#.`` comment for translators with a
hash of it, and marks a translation fuzzy (stale) when that hash changes: the
English source changed after the translation was made. ``compile``
writes the ``.mo`` files and fails on a broken catalog.

A message with plural forms (``msgid_plural``) is known by its singular id; its English
source is its forms joined by `` | ``, and the check wants every form of the language's
``Plural-Forms`` written, each with no placeholder English lacks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from bot.authoring.extract import extract_flow_messages
from bot.i18n import DOMAIN, FALLBACK, placeholders, po_path, read_catalog

__all__ = [
    "CatalogProblem",
    "PoEntry",
    "check_catalogs",
    "compile_catalogs",
    "extract_template",
    "message_forms",
    "message_key",
    "po_entries",
    "source_hash",
    "update_catalogs",
]

_SOURCE_PREFIX = "en: "
_FORMS = " | "
_HASH_PREFIX = "source-hash: "


def source_hash(text: str) -> str:
    """A short hash of an English text: a translation records the one it was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True)
class PoEntry:
    """One message of a language's ``.po`` file."""

    text: str
    fuzzy: bool
    #: The hash of the English text the translation was made from (when recorded).
    source: str | None


def message_key(message: Message) -> str:
    """A message's id: the singular's for a message with plural forms."""
    return str(message.id[0] if message.pluralizable else message.id)


def message_forms(message: Message) -> tuple[str, ...]:
    """A message's text, or its plural forms."""
    if isinstance(message.string, tuple | list):
        return tuple(str(form or "") for form in message.string)
    return (str(message.string or ""),)


def _source_text(message: Message | None) -> str:
    """The English source as the translators' comment and its hash show it."""
    if message is None or not any(message_forms(message)):
        return ""
    return _FORMS.join(message_forms(message))


def po_entries(locales_dir: Path, lang: str) -> dict[str, PoEntry]:
    """Every message of a language's catalog file (a message with plural forms shows its
    last form, the general plural)."""
    path = po_path(locales_dir, lang)
    if not path.exists():
        return {}
    catalog = read_catalog(path)
    return {
        message_key(m): PoEntry(
            message_forms(m)[-1], bool(m.fuzzy), _recorded_hash(catalog, message_key(m))
        )
        for m in catalog
        if m.id
    }


def extract_template(root: Path) -> Catalog:
    """Every message id under ``root`` as mapped by ``babel.cfg``."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")  # type: ignore[no-untyped-call]
    # The flows' extractor is this checkout's own, not whichever the installed entry point
    # names (``pybabel`` on the command line finds it through that entry point).
    method_map = [
        (pattern, extract_flow_messages if method == "orienta_flows" else method)
        for pattern, method in method_map
    ]
    template = Catalog(project="Orienta", domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


def _recorded_hash(catalog: Catalog, msgid: str) -> str | None:
    """The hash of the English text a translation was made from, if recorded."""
    message = catalog.get(msgid)
    if message is None:
        return None
    for comment in message.auto_comments:
        if comment.startswith(_HASH_PREFIX):
            return comment.removeprefix(_HASH_PREFIX).strip()
    return None


def update_catalogs(root: Path, locales_dir: Path, languages: Iterable[str]) -> Path:
    """Extract the template and merge it into English and every language's catalog."""
    template = extract_template(root)
    pot = locales_dir / f"{DOMAIN}.pot"
    _write(template, pot)
    english_path = po_path(locales_dir, FALLBACK)
    english = read_catalog(english_path) if english_path.exists() else Catalog(locale=FALLBACK)
    english.update(template, no_fuzzy_matching=True)
    english.obsolete.clear()
    _write(english, english_path)
    for lang in languages:
        path = po_path(locales_dir, lang)
        catalog = read_catalog(path) if path.exists() else Catalog(locale=lang, domain=DOMAIN)
        previous = {
            message_key(m): _recorded_hash(catalog, message_key(m)) for m in catalog if m.id
        }
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            if not message.id:
                continue
            text = _source_text(english.get(message_key(message)))
            old = previous.get(message_key(message))
            if old is not None and text and old != source_hash(text) and message.string:
                message.flags.add("fuzzy")
            message.auto_comments = (
                [_SOURCE_PREFIX + " / ".join(text.splitlines()), _HASH_PREFIX + source_hash(text)]
                if text
                else []
            )
        catalog.obsolete.clear()
        _write(catalog, path)
    return pot


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """Write ``.mo`` beside every ``.po`` (for gettext tools); return the paths."""
    written = []
    for path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = path.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, read_catalog(path), use_fuzzy=False)
        written.append(mo)
    return written


@dataclass(frozen=True)
class CatalogProblem:
    """A message missing, stale or with placeholders that differ from English."""

    lang: str
    msgid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.msgid}: {self.problem}"


def check_catalogs(root: Path, locales_dir: Path, languages: Iterable[str]) -> list[CatalogProblem]:
    """Every message id used by the code and flows must be translated (not fuzzy) in
    English and each language, with the same placeholders as English."""
    used = {message_key(m): m.pluralizable for m in extract_template(root) if m.id}
    english = read_catalog(po_path(locales_dir, FALLBACK))
    problems: list[CatalogProblem] = []
    for lang in (FALLBACK, *languages):
        path = po_path(locales_dir, lang)
        catalog = read_catalog(path) if path.exists() else Catalog(locale=lang)
        for msgid, plural in used.items():
            message = catalog.get(msgid)
            if message is None or not any(message_forms(message)):
                problems.append(CatalogProblem(lang, msgid, "missing"))
                continue
            if message.fuzzy:
                problems.append(CatalogProblem(lang, msgid, "fuzzy (English source changed)"))
            forms = message_forms(message)
            if plural and (not message.pluralizable or len(forms) != catalog.num_plurals):
                problems.append(
                    CatalogProblem(
                        lang, msgid, f"needs {catalog.num_plurals} plural forms (msgid_plural)"
                    )
                )
            if not all(forms):
                problems.append(CatalogProblem(lang, msgid, "a plural form is missing"))
            source = english.get(msgid)
            if source is None or not any(message_forms(source)):
                continue
            want = set().union(*(placeholders(f) for f in message_forms(source)))
            got = [placeholders(f) for f in forms]
            # A form may leave the number out ("one appointment"), never add a name.
            if set().union(*got) != want and not (plural and all(g <= want for g in got)):
                problems.append(
                    CatalogProblem(
                        lang,
                        msgid,
                        f"placeholders {sorted(set().union(*got))} "
                        f"differ from English {sorted(want)}",
                    )
                )
    return problems
