"""Translations: per language, every message with its English source, its state
(missing, fuzzy — made from an older English text —, done) and an edit box.

Edits go to the draft like flow edits, are tried in the simulator, and reach users
when published (the catalogs reload in place, no restart). A translation records the
English text it was made from, so changing the English later marks it fuzzy. Each
language's catalog, with the draft's edits, downloads as a ``.po`` file for
translators' tools.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping

from babel.messages.pofile import write_po
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.authoring.flowfiles import check_flow_texts
from bot.catalogs import PoEntry, source_hash
from bot.engine.validation import flowset_msgids
from bot.i18n import FALLBACK, placeholders, po_path, read_catalog, text_direction
from bot.publishing import (
    LANGUAGES,
    Edition,
    Workbench,
    flow_files,
    message_status,
    message_text,
)
from bot.web.pages import ADMIN, Console, download, staff, staff_route

__all__ = ["translation_routes"]

_STATUSES = ("all", "missing", "fuzzy", "done")
_PAGE = 60
_MAX_TEXT = 4000


def _all_msgids(
    bench: Workbench, edition: Edition, po: Mapping[str, Mapping[str, PoEntry]]
) -> list[str]:
    """The English catalog's messages, the edited ones, and those the draft flows use."""
    found = set(po.get(FALLBACK, {}))
    for texts in edition.messages.values():
        found.update(texts)
    flowset, _ = check_flow_texts(bench.flows_dir, flow_files(bench.flows_dir, edition))
    if flowset is not None:
        found.update(flowset_msgids(flowset))
    return sorted(found)


def translation_routes(console: Console, bench: Workbench) -> list[BaseRoute]:

    async def overview(request: Request) -> Response:
        _, _, edition = await asyncio.to_thread(bench.draft)
        po = await asyncio.to_thread(bench.po)
        msgids = await asyncio.to_thread(_all_msgids, bench, edition, po)
        counts = {lang: {status: 0 for status in _STATUSES[1:]} for lang in LANGUAGES}
        for msgid in msgids:
            for lang in LANGUAGES:
                counts[lang][message_status(lang, msgid, po, edition)] += 1
        return console.render(
            request,
            "console_translations.html",
            languages=LANGUAGES,
            counts=counts,
            total=len(msgids),
        )

    async def language_page(
        request: Request,
        lang: str,
        *,
        typed: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        q = request.query_params
        status = q.get("status", "all") if q.get("status", "all") in _STATUSES else "all"
        search = q.get("q", "").strip()[:100]
        page_number = int(q["page"]) if q.get("page", "").isdigit() else 1
        _, _, edition = await asyncio.to_thread(bench.draft)
        po = await asyncio.to_thread(bench.po)
        msgids = await asyncio.to_thread(_all_msgids, bench, edition, po)
        rows = []
        for msgid in msgids:
            state = message_status(lang, msgid, po, edition)
            english = message_text(FALLBACK, msgid, po, edition)
            current = message_text(lang, msgid, po, edition)
            if status != "all" and state != status:
                continue
            if search and not any(
                search.lower() in value.lower() for value in (msgid, english, current)
            ):
                continue
            rows.append((msgid, english, (typed or {}).get(msgid, current), state))
        if typed:  # the rows that were posted, whatever the filter
            rows = [row for row in rows if row[0] in typed] or rows
        pages = max(1, -(-len(rows) // _PAGE))
        page_number = min(page_number, pages)
        shown = rows[(page_number - 1) * _PAGE : page_number * _PAGE]
        return console.render(
            request,
            "console_translation.html",
            status_code=status_code,
            edit_lang=lang,
            edit_dir=text_direction(lang),
            rows=shown,
            status=status,
            statuses=_STATUSES,
            search=search,
            page=page_number,
            pages=pages,
            count=len(rows),
            errors=errors or {},
            saved=q.get("saved", ""),
        )

    async def language(request: Request) -> Response:
        lang = request.path_params["lang"]
        if lang not in LANGUAGES:
            return console.render(request, "console_refused.html", status_code=404)
        return await language_page(request, lang)

    async def save(request: Request) -> Response:
        lang = request.path_params["lang"]
        if lang not in LANGUAGES:
            return console.render(request, "console_refused.html", status_code=404)
        form = await request.form()
        posted = {
            str(form.get(f"m{i}", "")): str(form.get(f"t{i}", "")).replace("\r\n", "\n")
            for i in range(_PAGE)
            if form.get(f"m{i}")
        }
        _, _, edition = await asyncio.to_thread(bench.draft)
        po = await asyncio.to_thread(bench.po)
        known = set(await asyncio.to_thread(_all_msgids, bench, edition, po))
        changes: dict[str, str] = {}
        errors: dict[str, str] = {}
        for msgid, text in posted.items():
            if msgid not in known:
                continue
            text = text.strip("\n")[:_MAX_TEXT]
            if not text.strip() or text == message_text(lang, msgid, po, edition):
                continue
            english = text if lang == FALLBACK else message_text(FALLBACK, msgid, po, edition)
            if lang != FALLBACK and english and placeholders(text) != placeholders(english):
                errors[msgid] = ", ".join(sorted("{" + p + "}" for p in placeholders(english)))
                continue
            changes[msgid] = text
        if errors:
            return await language_page(request, lang, typed=posted, errors=errors, status_code=400)
        user = staff(request).user.username
        now = console.clock()
        for msgid, text in changes.items():
            english = message_text(FALLBACK, msgid, po, edition)
            source = None if lang == FALLBACK else source_hash(english)
            await asyncio.to_thread(
                bench.book.save_draft, "message", lang, msgid, text, user, now, source
            )
        if changes:
            await console.audit(
                request, "translation.draft", lang, {"messages": sorted(changes)[:50]}
            )
        back = request.url_for("console_translation", lang=lang).include_query_params(
            status=form.get("status", "all"),
            q=form.get("q", ""),
            page=form.get("page", "1"),
            saved=len(changes),
        )
        return RedirectResponse(str(back), status_code=303)

    async def export(request: Request) -> Response:
        lang = request.path_params["lang"]
        if lang not in LANGUAGES or not po_path(bench.locales_dir, lang).exists():
            return console.render(request, "console_refused.html", status_code=404)
        _, _, edition = await asyncio.to_thread(bench.draft)
        catalog = await asyncio.to_thread(read_catalog, po_path(bench.locales_dir, lang))
        for msgid, entry in edition.messages.get(lang, {}).items():
            message = catalog.get(msgid)
            if message is None:
                catalog.add(msgid, entry["text"])
            else:
                message.string = entry["text"]
                message.flags.discard("fuzzy")
        out = io.BytesIO()
        write_po(out, catalog, width=100, sort_output=True)
        await console.audit(request, "translation.export", lang)
        return download(out.getvalue(), "text/x-gettext-translation", f"orienta-{lang}.po")

    return [
        staff_route(
            console, "/console/translations", overview, role=ADMIN, name="console_translations"
        ),
        staff_route(
            console,
            "/console/translations/{lang:str}.po",
            export,
            role=ADMIN,
            name="console_translation_export",
        ),
        staff_route(
            console,
            "/console/translations/{lang:str}",
            language,
            role=ADMIN,
            name="console_translation",
        ),
        staff_route(
            console,
            "/console/translations/{lang:str}",
            save,
            role=ADMIN,
            methods=("POST",),
            name="console_translation_save",
        ),
    ]
