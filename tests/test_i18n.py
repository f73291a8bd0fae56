"""Catalogs: complete, translated, placeholders intact, Arabic right-to-left."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.authoring.extract import extract_flow_messages
from bot.catalogs import check_catalogs, extract_template
from bot.i18n import Catalogs, isolate, placeholders, text_direction
from bot.settings import SERVED_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
#: Messages that are only placeholders and signs, the same in every language.
SAME_EVERYWHERE = {f"language.name.{lang}" for lang in SERVED_LANGUAGES} | {
    "button.content",
    "case.rating_button",
    "case.mediator_named_says",
    "staff.none",
}
#: Words that happen to be spelt as in English.
SAME_IN = {
    "fr": {
        "console.transcript",
        "console.translations.count",  # "{count} message(s)", as in English
        "emergency.kind.police",
        "emergency.kind.ambulance",
        "console.code.label",  # "Code"
    },
    "it": {"console.no", "console.password.title", "console.accounts.account"},
}


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(ROOT / "locales")


def test_no_missing_stale_or_mismatched_message() -> None:
    assert [str(p) for p in check_catalogs(ROOT, ROOT / "locales", SERVED_LANGUAGES)] == []


def test_check_catches_a_missing_message_and_a_bad_placeholder(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    po = tmp_path / "locales" / "fi" / "LC_MESSAGES" / "orienta.po"
    text = po.read_text("utf-8")
    text = text.replace('msgid "help.commands"', 'msgid "help.commands_gone"')
    text = text.replace("{previous}", "{previos}")
    po.write_text(text, "utf-8")
    problems = {
        (p.lang, p.msgid, p.problem.split()[0])
        for p in check_catalogs(ROOT, tmp_path / "locales", SERVED_LANGUAGES)
    }
    assert ("fi", "help.commands", "missing") in problems
    assert ("fi", "language.switched", "placeholders") in problems


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
def test_served_languages_are_not_english_left_in_place(catalogs: Catalogs, lang: str) -> None:
    english = catalogs.translator("en")
    translator = catalogs.translator(lang)
    same = [
        msgid
        for msgid in catalogs.msgids("en") - SAME_EVERYWHERE - SAME_IN.get(lang, set())
        if translator.gettext(msgid) == english.gettext(msgid)
    ]
    assert same == []


def test_every_message_used_is_extracted() -> None:
    ids = {str(m.id) for m in extract_template(ROOT) if m.id}
    assert {"welcome.hello", "error.internal", "web.send", "language.name.ar"} <= ids


def test_flow_extractor_yields_ids_with_lines() -> None:
    source = b"flow: x\nstart: a\nsteps:\n  a:\n    kind: end\n    text: help.commands\n"
    found = list(extract_flow_messages(io.BytesIO(source), {}, [], {}))
    assert found == [(6, None, "help.commands", [])]


def test_direction_and_placeholders() -> None:
    assert text_direction("ar") == "rtl"
    assert {text_direction(lang) for lang in ("fr", "it", "fi", "uk", "en")} == {"ltr"}
    assert placeholders("{a} and {b}") == {"a", "b"}
    assert isolate("x") == "\u2068x\u2069"


def test_translator_falls_back_to_english_and_survives_bad_params(catalogs: Catalogs) -> None:
    assert catalogs.translator("xx").lang == "en"
    text = catalogs.translator("fr").gettext("language.switched", language="A")
    assert "A" in text and "{previous}" in text


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
def test_one_term_per_concept(lang: str) -> None:
    """Each served language's glossary (written by a native reviewer) names the one term
    used for a concept and the variants that must not appear anywhere in the catalog."""
    import yaml
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "locales" / lang
    glossary = yaml.safe_load((root / "glossary.yaml").read_text(encoding="utf-8"))
    assert {"mediator", "social_worker", "appointment"} <= set(glossary)
    with (root / "LC_MESSAGES" / "orienta.po").open("rb") as po:
        catalog = read_po(po)
    texts = {m.id: str(m.string).casefold() for m in catalog if m.id and m.string}
    found = [
        (concept, form, msgid)
        for concept, entry in glossary.items()
        for form in entry.get("avoid") or ()
        for msgid, text in texts.items()
        if form.casefold() in text
    ]
    assert not found, found


def test_commands_are_isolated_in_right_to_left_text() -> None:
    """A /command inside an Arabic line is wrapped in a left-to-right isolate, so it
    reads "/forget" and not "forget/"."""
    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[1] / "locales/ar/LC_MESSAGES/orienta.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    bare_commands = [
        (m.id, match.group(0))
        for m in catalog
        if m.id and m.string and not str(m.id).startswith("console.")
        for match in re.finditer(r"(?<![\w/])/[a-z]+", str(m.string))
        if str(m.string)[: match.start()][-1:] != "\u2066"
    ]
    assert not bare_commands, bare_commands
