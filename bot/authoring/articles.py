"""The rights articles' files (``content/articles/*.yaml``), read and checked: scope,
source, review date, and in every language a title and a body that ends with the
practical step, names no file and does not date itself."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.authoring.reader import Reader, read_yaml
from bot.domain.content import (
    AGE_GROUPS,
    ALL,
    FILE_NAME,
    GENERAL_SOURCE,
    TOPICS,
    WEB_ADDRESS,
    ArticleDef,
)
from bot.domain.endings import ends_with_next_step

__all__ = ["read_articles"]

#: A body that dates its own information ("This information is from 2023") contradicts
#: the review date shown under it; the document's date belongs in the source's title.
_DATED = re.compile(
    r"information is from|information dates from|informations? dat(?:e|ent) de"
    r"|informazion[ei] (?:sono|è) del|tiedot ovat vuodelta|інформація\s*[—-]?\s*(?:за|з)\s"
    r"|المعلومات من سنة",
    re.IGNORECASE,
)
_MAX_BODY = 900
_MAX_TITLE = 120
_STALE_WARNING = timedelta(days=183)
_STALE_ERROR = timedelta(days=366)


def read_articles(
    path: Path,
    reader: Reader,
    regions: set[str],
    audiences: set[str],
    today: date,
    countries: frozenset[str] = frozenset(),
) -> list[ArticleDef]:
    data = read_yaml(path, reader)
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


def _source(reader: Reader, value: Any, where: str, *, everywhere: bool = False) -> tuple[str, str]:
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
