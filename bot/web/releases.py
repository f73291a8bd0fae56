"""Draft and releases: what the draft changes, its checks, publishing it, the history
of releases with author and time, what each changed, and rolling back to any of them.

Publishing and rolling back put the release in force in this process at once; other
workers pick it up within seconds (``LiveRelease.refresh``), without a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.catalogs import PoEntry
from bot.publishing import (
    DiffLine,
    Edition,
    Workbench,
    diff_lines,
    edition_of,
    flow_files,
    message_text,
)
from bot.web.pages import ADMIN, Console, staff, staff_route

__all__ = ["release_routes"]


def _changes(
    before: Edition,
    after: Edition,
    po: Mapping[str, Mapping[str, PoEntry]],
    shipped: Mapping[str, str],
) -> tuple[list[tuple[str, list[DiffLine]]], list[tuple[str, str, str, str]]]:
    """Flow files whose text differs (with their diff) and messages that differ
    (language, id, before, after) between two editions; a file or message an edition
    leaves alone reads as shipped (``shipped``: the flow files on disk)."""

    files = []
    for name in sorted(set(before.flows) | set(after.flows)):
        old = before.flows.get(name, shipped.get(name, ""))
        new = after.flows.get(name, shipped.get(name, ""))
        if old != new:
            files.append((name, diff_lines(old, new, name)))
    messages = []
    for lang in sorted(set(before.messages) | set(after.messages)):
        ids = set(before.messages.get(lang, {})) | set(after.messages.get(lang, {}))
        for msgid in sorted(ids):
            old_text = message_text(lang, msgid, po, before)
            new_text = message_text(lang, msgid, po, after)
            if old_text != new_text:
                messages.append((lang, msgid, old_text, new_text))
    return files, messages


def release_routes(console: Console, bench: Workbench) -> list[BaseRoute]:

    async def overview(
        request: Request,
        *,
        errors: tuple[str, ...] = (),
        stale: bool = False,
        status_code: int = 200,
    ) -> Response:
        release, drafts, edition = await asyncio.to_thread(bench.draft)
        checked = await asyncio.to_thread(bench.check, edition)
        history = await asyncio.to_thread(bench.book.releases)
        published = edition_of(release)
        po = await asyncio.to_thread(bench.po)
        shipped = await asyncio.to_thread(flow_files, bench.flows_dir, Edition())
        files, messages = _changes(published, edition, po, shipped)
        return console.render(
            request,
            "console_releases.html",
            status_code=status_code,
            release=release,
            drafts=drafts,
            files=files,
            messages=messages,
            errors=errors or checked.errors,
            stale=stale,
            history=history,
            done=request.query_params.get("done", ""),
        )

    async def releases(request: Request) -> Response:
        return await overview(request)

    async def publish(request: Request) -> Response:
        form = await request.form()
        note = str(form.get("note", "")).strip()[:300]
        user = staff(request).user
        result = await asyncio.to_thread(bench.publish, user.username, note, console.clock())
        if result.release is None:
            errors = result.checked.errors if result.checked else ()
            await console.audit(
                request, "release.refused", "draft", {"errors": len(errors), "stale": result.stale}
            )
            return await overview(
                request,
                errors=errors,
                stale=result.stale,
                status_code=409 if result.stale else 400 if errors else 200,
            )
        await console.audit(
            request, "release.publish", f"release:{result.release.id}", {"note": note}
        )
        return RedirectResponse(f"/console/releases?done={result.release.id}", status_code=303)

    async def discard(request: Request) -> Response:
        count = await asyncio.to_thread(bench.book.discard_draft)
        await console.audit(request, "draft.discard", "draft", {"edits": count})
        return RedirectResponse("/console/releases", status_code=303)

    async def release_page(request: Request) -> Response:
        release_id = int(request.path_params["release_id"])
        release = await asyncio.to_thread(bench.book.release, release_id)
        if release is None:
            return console.render(request, "console_refused.html", status_code=404)
        previous = await asyncio.to_thread(bench.book.release, release_id - 1)
        po = await asyncio.to_thread(bench.po)
        shipped = await asyncio.to_thread(flow_files, bench.flows_dir, Edition())
        files, messages = _changes(edition_of(previous), edition_of(release), po, shipped)
        return console.render(
            request, "console_release.html", release=release, files=files, messages=messages
        )

    async def restore(request: Request) -> Response:
        release_id = int(request.path_params["release_id"])
        user = staff(request).user
        result = await asyncio.to_thread(bench.restore, release_id, user.username, console.clock())
        if result.release is None:
            errors = result.checked.errors if result.checked else ()
            await console.audit(
                request,
                "release.rollback_refused",
                f"release:{release_id}",
                {"errors": len(errors)},
            )
            return await overview(
                request, errors=errors, stale=result.stale, status_code=409 if result.stale else 400
            )
        await console.audit(
            request, "release.rollback", f"release:{result.release.id}", {"restored": release_id}
        )
        return RedirectResponse(f"/console/releases?done={result.release.id}", status_code=303)

    return [
        staff_route(console, "/console/releases", releases, role=ADMIN, name="console_releases"),
        staff_route(
            console,
            "/console/releases/publish",
            publish,
            role=ADMIN,
            methods=("POST",),
            name="console_publish",
        ),
        staff_route(
            console,
            "/console/releases/discard",
            discard,
            role=ADMIN,
            methods=("POST",),
            name="console_discard",
        ),
        staff_route(
            console,
            "/console/releases/{release_id:int}",
            release_page,
            role=ADMIN,
            name="console_release",
        ),
        staff_route(
            console,
            "/console/releases/{release_id:int}/restore",
            restore,
            role=ADMIN,
            methods=("POST",),
            name="console_restore",
        ),
    ]
