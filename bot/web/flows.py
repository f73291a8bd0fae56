"""The flow editor: the flow files with their state, a page per file with its YAML in
an editor, the checks of ``orienta flows check`` on save, a diff against the
published version, a Mermaid diagram and the state of its texts in every language.

Saving writes the draft, never what users see: publishing does (``releases.py``). A
save whose YAML, schema or graph is wrong is refused with the errors and the typed
text kept; a save that only lacks translations is kept, with the missing messages
listed (they are added on the translations page).
"""

from __future__ import annotations

import asyncio
import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.authoring.flowfiles import step_lines
from bot.engine.diagram import mermaid
from bot.engine.validation import flowset_msgids
from bot.i18n import FALLBACK, N_, text_direction
from bot.publishing import (
    LANGUAGES,
    Edition,
    Workbench,
    diff_lines,
    edition_of,
    flow_files,
    message_status,
)
from bot.web.pages import ADMIN, Console, staff, staff_route

__all__ = ["FLOW_CSP", "FLOW_STATES", "MISSING", "flow_routes", "valid_flow_file"]

#: Where a flow file's text in force comes from.
FLOW_STATES = {
    "draft": N_("console.flows.state.draft"),
    "published": N_("console.flows.state.published"),
    "shipped": N_("console.flows.state.shipped"),
}
_FILE = re.compile(r"^[a-z][a-z0-9_]{0,40}\.yaml$")
_MAX_YAML = 200_000
MISSING = "has no translation in"
#: The flow page draws its diagram with the vendored Mermaid, which styles its SVG inline.
FLOW_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


def valid_flow_file(name: str) -> bool:
    return bool(_FILE.match(name))


def flow_routes(console: Console, bench: Workbench) -> list[BaseRoute]:

    async def flows(request: Request) -> Response:
        release, drafts, edition = await asyncio.to_thread(bench.draft)
        published = edition_of(release)
        files = await asyncio.to_thread(flow_files, bench.flows_dir, edition)
        drafted = {d.key for d in drafts if d.kind == "flow"}
        rows = [
            (
                name,
                "draft"
                if name in drafted
                else "published"
                if name in published.flows
                else "shipped",
            )
            for name in sorted(files)
        ]
        return console.render(
            request,
            "console_flows.html",
            rows=rows,
            release=release,
            drafts=len(drafts),
            states=FLOW_STATES,
        )

    async def page(
        request: Request,
        file: str,
        *,
        text: str | None = None,
        errors: tuple[str, ...] = (),
        saved: bool = False,
        status_code: int = 200,
    ) -> Response:
        release, drafts, edition = await asyncio.to_thread(bench.draft)
        published = edition_of(release)
        shipped_and_published = await asyncio.to_thread(flow_files, bench.flows_dir, published)
        draft_files = await asyncio.to_thread(flow_files, bench.flows_dir, edition)
        before = shipped_and_published.get(file, "")
        current = text if text is not None else draft_files.get(file, "")
        checked = await asyncio.to_thread(bench.check, edition)
        # As built despite errors: diagram and texts also while translations lack.
        flowset = checked.built
        po = await asyncio.to_thread(bench.po)
        msgids = flowset_msgids(flowset, file) if flowset is not None else []
        texts = [
            (
                msgid,
                checked.catalogs.translator("en").gettext(msgid),
                {lang: message_status(lang, msgid, po, edition) for lang in LANGUAGES},
            )
            for msgid in msgids
        ]
        # The diagram shows the texts in a chosen language, by default the reader's own.
        own = console.translator(staff(request).user).lang
        wanted = request.query_params.get("lang", own)
        diagram_lang = wanted if wanted in LANGUAGES else FALLBACK
        words = checked.catalogs.translator(diagram_lang).gettext
        diagrams = (
            [
                (flow.id, mermaid(flow, words))
                for flow in flowset.flows.values()
                if flow.source == file
            ]
            if flowset is not None
            else []
        )
        lines = step_lines(current)
        steps = (
            [
                (sid, step.kind, lines.get(sid, 0))
                for flow in flowset.flows.values()
                if flow.source == file
                for sid, step in flow.steps.items()
            ]
            if flowset is not None
            else [(sid, "", line) for sid, line in lines.items()]
        )
        shown_errors = errors or checked.errors
        response = console.render(
            request,
            "console_flow.html",
            status_code=status_code,
            file=file,
            text=current,
            diff=diff_lines(before, current, file),
            errors=shown_errors,
            missing=[e for e in shown_errors if MISSING in e],
            saved=saved,
            blocking=[e for e in shown_errors if MISSING not in e],
            texts=texts,
            languages=LANGUAGES,
            diagrams=diagrams,
            diagram_lang=diagram_lang,
            diagram_dir=text_direction(diagram_lang),
            steps=steps,
            is_draft=file in {d.key for d in drafts if d.kind == "flow"},
            exists=file in draft_files,
        )
        response.headers["content-security-policy"] = FLOW_CSP
        return response

    async def editor(request: Request) -> Response:
        file = request.path_params["file"]
        if not valid_flow_file(file):
            return console.render(request, "console_refused.html", status_code=404)
        return await page(request, file)

    async def save(request: Request) -> Response:
        file = request.path_params["file"]
        if not valid_flow_file(file):
            return console.render(request, "console_refused.html", status_code=404)
        form = await request.form()
        text = str(form.get("text", "")).replace("\r\n", "\n")
        if not text.strip() or len(text) > _MAX_YAML:
            return await page(
                request,
                file,
                text=text[:_MAX_YAML],
                status_code=400,
                errors=(f"{file}: the file is empty or too long",),
            )
        _, _, edition = await asyncio.to_thread(bench.draft)
        candidate = Edition({**edition.flows, file: text}, edition.messages)
        checked = await asyncio.to_thread(bench.check, candidate)
        blocking = tuple(e for e in checked.errors if MISSING not in e)
        if blocking:
            await console.audit(request, "flow.refused", file, {"errors": len(blocking)})
            return await page(request, file, text=text, errors=checked.errors, status_code=400)
        await asyncio.to_thread(
            bench.book.save_draft,
            "flow",
            "",
            file,
            text,
            staff(request).user.username,
            console.clock(),
        )
        await console.audit(request, "flow.draft", file)
        return RedirectResponse(f"/console/flows/{file}?saved=1", status_code=303)

    async def discard(request: Request) -> Response:
        file = request.path_params["file"]
        if not valid_flow_file(file):
            return console.render(request, "console_refused.html", status_code=404)
        await asyncio.to_thread(bench.book.discard_draft, "flow", "", file)
        await console.audit(request, "flow.discard", file)
        return RedirectResponse(f"/console/flows/{file}", status_code=303)

    return [
        staff_route(console, "/console/flows", flows, role=ADMIN, name="console_flows"),
        staff_route(console, "/console/flows/{file:str}", editor, role=ADMIN, name="console_flow"),
        staff_route(
            console,
            "/console/flows/{file:str}",
            save,
            role=ADMIN,
            methods=("POST",),
            name="console_flow_save",
        ),
        staff_route(
            console,
            "/console/flows/{file:str}/discard",
            discard,
            role=ADMIN,
            methods=("POST",),
            name="console_flow_discard",
        ),
    ]
