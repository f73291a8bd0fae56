"""The step-by-step flow editor, beside the YAML: a step's texts in every language side
by side, its menu options added, moved, removed or sent elsewhere, and a step of a known
kind added after it — without writing YAML.

Every edit goes to the draft like a typed YAML save or a translation: the flow file is
rewritten from the edited document (:mod:`bot.authoring.flowyaml`, comments kept), the
texts are catalog messages (message id -> text per language), and the whole is checked
as one candidate before anything is saved. A refused edit shows the errors, root cause
first, and keeps what was typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.authoring import flowedit
from bot.authoring.flowyaml import rewrite
from bot.catalogs import source_hash
from bot.engine.loader import build_step
from bot.engine.validation import step_msgids
from bot.i18n import FALLBACK, placeholders, text_direction
from bot.publishing import (
    LANGUAGES,
    Edition,
    Workbench,
    message_text,
)
from bot.web.flow_drafts import (
    STEP_KIND_NAMES,
    Draft,
    draft_of_file,
    taken_msgids,
    typed_texts,
)
from bot.web.flows import MISSING, valid_flow_file
from bot.web.pages import ADMIN, Console, staff, staff_route

__all__ = ["flow_step_routes"]

_MAX_ICON = 8


def flow_step_routes(console: Console, bench: Workbench) -> list[BaseRoute]:

    def draft_of(file: str) -> Draft | None:
        return draft_of_file(bench, file)

    async def page(
        request: Request,
        file: str,
        step: str,
        *,
        errors: tuple[str, ...] = (),
        typed: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        draft = await asyncio.to_thread(draft_of, file)
        if draft is None or step not in draft.doc["steps"]:
            return console.render(request, "console_refused.html", status_code=404)
        raw = draft.doc["steps"][step]
        po = await asyncio.to_thread(bench.po)
        checked = await asyncio.to_thread(bench.check, draft.edition)
        try:
            msgids = step_msgids(build_step(step, raw))
        except (KeyError, TypeError):  # a step the schema refuses: its YAML must be fixed
            msgids = []
        rows = [
            (
                index,
                msgid,
                {
                    lang: (typed or {}).get(f"t{index}-{lang}")
                    or message_text(lang, msgid, po, draft.edition)
                    for lang in LANGUAGES
                },
            )
            for index, msgid in enumerate(msgids)
        ]
        staff_lang = console.translator(staff(request).user).lang
        shown = checked.catalogs.translator(staff_lang)
        options = [
            (index, option, flowedit.target_of(option), shown.gettext(option.get("label", "")))
            for index, option in enumerate(
                raw.get("options", []) if raw.get("kind") == "menu" else []
            )
        ]
        flows = sorted(checked.built.flows) if checked.built is not None else []
        return console.render(
            request,
            "console_flow_step.html",
            status_code=status_code,
            file=file,
            flow=draft.doc.get("flow", ""),
            step=step,
            kind=str(raw.get("kind", "")),
            kind_names=STEP_KIND_NAMES,
            steps=[
                (sid, str(s.get("kind", "")) if isinstance(s, dict) else "")
                for sid, s in draft.doc["steps"].items()
            ],
            rows=rows,
            options=options,
            languages=LANGUAGES,
            directions={lang: text_direction(lang) for lang in LANGUAGES},
            step_ids=list(draft.doc["steps"]),
            flows=flows,
            errors=errors,
            blocking=[e for e in errors if MISSING not in e],
            typed=typed or {},
            leads_on=isinstance(raw, dict) and flowedit.step_leads_on(raw),
            new_kinds=flowedit.NEW_STEP_KINDS,
            saved=request.query_params.get("saved", ""),
        )

    async def commit(
        request: Request,
        file: str,
        step: str,
        draft: Draft,
        doc: dict[str, Any] | None,
        messages: Mapping[str, Mapping[str, str]],
        what: str,
        form: FormData,
        back: str | None = None,
    ) -> Response:
        """Check the edited flow (``doc``, None: unchanged) and texts (language -> message
        id -> text) as one candidate; save them to the draft, or show why not."""
        po = await asyncio.to_thread(bench.po)
        text = rewrite(draft.text, doc) if doc is not None else draft.text
        merged = {lang: dict(texts) for lang, texts in draft.edition.messages.items()}
        entries: list[tuple[str, str, str, str | None]] = []
        for lang, texts in messages.items():
            for msgid, value in texts.items():
                english = messages.get(FALLBACK, {}).get(msgid) or message_text(
                    FALLBACK, msgid, po, draft.edition
                )
                source = None if lang == FALLBACK or not english else source_hash(english)
                entry = {"text": value, **({"source": source} if source else {})}
                merged.setdefault(lang, {})[msgid] = entry
                entries.append((lang, msgid, value, source))
        candidate = Edition({**draft.edition.flows, file: text}, merged)
        checked = await asyncio.to_thread(bench.check, candidate)
        blocking = tuple(e for e in checked.errors if MISSING not in e)
        if blocking:
            await console.audit(request, "flow.refused", file, {"step": step, "edit": what})
            typed = {str(k): str(v) for k, v in form.items() if k != "csrf"}
            return await page(
                request, file, step, errors=checked.errors, typed=typed, status_code=400
            )
        user = staff(request).user.username
        now = console.clock()
        for lang, msgid, value, source in sorted(entries, key=lambda e: e[0] != FALLBACK):
            await asyncio.to_thread(
                bench.book.save_draft, "message", lang, msgid, value, user, now, source
            )
        if doc is not None and text != draft.text:
            await asyncio.to_thread(bench.book.save_draft, "flow", "", file, text, user, now)
        await console.audit(
            request,
            "flow.draft",
            file,
            {"step": step, "edit": what, "messages": sorted({e[1] for e in entries})[:50]},
        )
        target = back or step
        return RedirectResponse(
            f"/console/flows/{file}/steps/{target}?saved=1#edited", status_code=303
        )

    def refused(request: Request) -> Response:
        return console.render(request, "console_refused.html", status_code=404)

    async def start(request: Request) -> tuple[str, str, Draft, FormData] | None:
        file, step = request.path_params["file"], request.path_params["step"]
        if not valid_flow_file(file):
            return None
        draft = await asyncio.to_thread(draft_of, file)
        if draft is None or step not in draft.doc["steps"]:
            return None
        return file, step, draft, await request.form()

    async def show(request: Request) -> Response:
        file, step = request.path_params["file"], request.path_params["step"]
        if not valid_flow_file(file):
            return refused(request)
        return await page(request, file, step)

    async def save_texts(request: Request) -> Response:
        begun = await start(request)
        if begun is None:
            return refused(request)
        file, step, draft, form = begun
        po = await asyncio.to_thread(bench.po)
        messages: dict[str, dict[str, str]] = {}
        problems: list[str] = []
        for index in range(40):
            msgid = str(form.get(f"m{index}", ""))
            if not msgid:
                continue
            typed = typed_texts(form, f"t{index}")
            english = typed.get(FALLBACK) or message_text(FALLBACK, msgid, po, draft.edition)
            for lang, value in typed.items():
                if value == message_text(lang, msgid, po, draft.edition):
                    continue
                if lang != FALLBACK and english and placeholders(value) != placeholders(english):
                    want = ", ".join(sorted("{" + p + "}" for p in placeholders(english)))
                    problems.append(f"{lang}: {msgid}: placeholders must be {want or '-'}")
                    continue
                messages.setdefault(lang, {})[msgid] = value
        if problems:
            typed_back = {str(k): str(v) for k, v in form.items() if k != "csrf"}
            return await page(
                request, file, step, errors=tuple(problems), typed=typed_back, status_code=400
            )
        return await commit(request, file, step, draft, None, messages, "texts", form)

    async def edit_option(request: Request) -> Response:
        begun = await start(request)
        if begun is None:
            return refused(request)
        file, step, draft, form = begun
        op = str(form.get("op", ""))
        index = int(str(form.get("index", "-1"))) if str(form.get("index", "")).isdigit() else -1
        try:
            if op == "up":
                doc = flowedit.move_option(draft.doc, step, index, -1)
            elif op == "down":
                doc = flowedit.move_option(draft.doc, step, index, +1)
            elif op == "remove":
                doc = flowedit.remove_option(draft.doc, step, index)
            elif op == "target":
                doc = flowedit.set_option_target(
                    draft.doc, step, index, str(form.get("target", ""))
                )
            else:
                return refused(request)
        except flowedit.EditError as exc:
            return await page(
                request, file, step, errors=(_t(console, request, str(exc)),), status_code=400
            )
        return await commit(request, file, step, draft, doc, {}, f"option.{op}", form)

    async def add_option(request: Request) -> Response:
        begun = await start(request)
        if begun is None:
            return refused(request)
        file, step, draft, form = begun
        labels = typed_texts(form, "label")
        if FALLBACK not in labels:
            return await page(
                request,
                file,
                step,
                errors=(_t(console, request, "console.flows.edit.need_english"),),
                typed={str(k): str(v) for k, v in form.items() if k != "csrf"},
                status_code=400,
            )
        taken = await asyncio.to_thread(taken_msgids, bench, draft.edition)
        msgid = flowedit.new_msgid(str(draft.doc.get("flow", "flow")), step, "option", taken)
        icon = str(form.get("icon", "")).strip()[:_MAX_ICON]
        try:
            doc = flowedit.add_option(draft.doc, step, msgid, str(form.get("target", "")), icon)
        except flowedit.EditError as exc:
            return await page(
                request, file, step, errors=(_t(console, request, str(exc)),), status_code=400
            )
        messages = {lang: {msgid: text} for lang, text in labels.items()}
        return await commit(request, file, step, draft, doc, messages, "option.add", form)

    async def add_step(request: Request) -> Response:
        begun = await start(request)
        if begun is None:
            return refused(request)
        file, step, draft, form = begun
        kind = str(form.get("kind", ""))
        new_id = str(form.get("id", "")).strip().lower()
        texts = typed_texts(form, "text")
        labels = typed_texts(form, "label")
        flow = str(draft.doc.get("flow", "flow"))
        taken = set(await asyncio.to_thread(taken_msgids, bench, draft.edition))
        messages: dict[str, dict[str, str]] = {}
        text_id = label_id = ""
        if texts and kind in ("message", "menu", "end"):
            text_id = flowedit.new_msgid(flow, new_id or "step", "text", taken)
            taken.add(text_id)
            for lang, value in texts.items():
                messages.setdefault(lang, {})[text_id] = value
        if labels and kind == "menu":
            label_id = flowedit.new_msgid(flow, new_id or "step", "option", taken)
            for lang, value in labels.items():
                messages.setdefault(lang, {})[label_id] = value
        problems = []
        if (text_id or label_id) and FALLBACK not in texts | labels:
            problems.append("console.flows.edit.need_english")
        try:
            doc = flowedit.add_step(
                draft.doc,
                new_id,
                kind,
                step,
                text=text_id,
                flow=str(form.get("flow", "")),
                label=label_id,
            )
        except flowedit.EditError as exc:
            problems.append(str(exc))
        if problems:
            return await page(
                request,
                file,
                step,
                errors=tuple(_t(console, request, p) for p in problems),
                typed={str(k): str(v) for k, v in form.items() if k != "csrf"},
                status_code=400,
            )
        return await commit(
            request, file, step, draft, doc, messages, f"step.add.{kind}", form, back=new_id
        )

    base = "/console/flows/{file:str}/steps/{step:str}"
    return [
        staff_route(console, base, show, role=ADMIN, name="console_flow_step"),
        staff_route(
            console,
            base + "/texts",
            save_texts,
            role=ADMIN,
            methods=("POST",),
            name="console_flow_step_texts",
        ),
        staff_route(
            console,
            base + "/option",
            edit_option,
            role=ADMIN,
            methods=("POST",),
            name="console_flow_step_option",
        ),
        staff_route(
            console,
            base + "/options",
            add_option,
            role=ADMIN,
            methods=("POST",),
            name="console_flow_step_add_option",
        ),
        staff_route(
            console,
            base + "/after",
            add_step,
            role=ADMIN,
            methods=("POST",),
            name="console_flow_step_add_step",
        ),
    ]


def _t(console: Console, request: Request, msgid: str) -> str:
    return console.translator(staff(request).user).gettext(msgid)
