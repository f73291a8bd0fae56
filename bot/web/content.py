"""The console's content pages, for administrators: rights articles (translations,
scope, source, review date), offices (hours, services), bookable services, and an
office's slot calendar week by week (:mod:`bot.web.content_slots`). The appointments are in
:mod:`bot.web.appointments`.

Forms are plain HTML, read by :mod:`bot.web.content_forms`. An invalid form comes back
with what was typed and each problem beside its field (status 400); a valid one is saved
in one transaction by :class:`~bot.services.content_admin.ContentAdmin` and written to the audit
log. Saving an office regenerates the slot calendars from the hours; slots go through the
same books as the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.app import Orienta
from bot.domain.appointments import ServiceView
from bot.domain.content import AGE_GROUPS, ALL, Choice, local_name
from bot.domain.content_edits import EditStatus
from bot.i18n import N_, Translator, text_direction
from bot.services.content_admin import ContentAdmin
from bot.web.content_forms import (
    LANGUAGES,
    Form,
    article_form,
    article_values,
    office_form,
    office_values,
)
from bot.web.pages import ADMIN, Console, Endpoint, staff, staff_route

__all__ = ["admin_routes", "content_routes", "count_param"]

_REVIEW_DUE = timedelta(days=365)
TOPIC_LABELS = {
    "housing": N_("console.content.topic.housing"),
    "health": N_("console.content.topic.health"),
    "work": N_("console.content.topic.work"),
    "benefits": N_("console.content.topic.benefits"),
    "education": N_("console.content.topic.education"),
    "documents": N_("console.content.topic.documents"),
    "budget": N_("console.content.topic.budget"),
}


def count_param(value: str | None) -> str:
    """A count from a query string, shown in a message: digits only."""
    return value if value and value.isdigit() and len(value) < 7 else "0"


# -- the routes ----------------------------------------------------------------------------
def content_routes(console: Console, orienta: Orienta) -> list[BaseRoute]:
    editor = ContentAdmin(orienta.store)
    directions = {lang: text_direction(lang) for lang in LANGUAGES}

    def translator(request: Request) -> Translator:
        return console.translator(staff(request).user)

    def today() -> date:
        return console.clock().date()

    def not_found(request: Request) -> Response:
        return console.render(request, "console_refused.html", status_code=404)

    async def overview(request: Request) -> Response:
        articles = await asyncio.to_thread(editor.articles)
        offices = await asyncio.to_thread(editor.offices)
        services = await asyncio.to_thread(editor.services)
        lang = translator(request).lang
        now = today()
        due = {a.id for a in articles if now - a.reviewed > _REVIEW_DUE}
        return console.render(
            request,
            "console_content.html",
            articles=articles,
            offices=offices,
            services=services,
            due=due,
            languages=LANGUAGES,
            topics=TOPIC_LABELS,
            named=lambda names: local_name(names, lang),
        )

    # -- articles ------------------------------------------------------------------------
    async def article_page(request: Request) -> Response:
        article_id = request.path_params.get("article_id")
        old = await asyncio.to_thread(editor.article, article_id) if article_id else None
        if article_id and old is None:
            return not_found(request)
        regions = await asyncio.to_thread(editor.regions)
        audiences = await asyncio.to_thread(editor.audiences)
        # An article may also be limited to an age group (not a situation the bot asks).
        audiences += [Choice(age, names) for age, names in AGE_GROUPS.items()]
        values, errors, status = article_values(old, today()), {}, 200
        if request.method == "POST":
            form = Form(await request.form(), translator(request))
            values, edit = article_form(
                form, old, [r.id for r in regions], [a.id for a in audiences], today()
            )
            if edit is not None:
                saved = await asyncio.to_thread(editor.save_article, edit, new=old is None)
                if saved is EditStatus.SAVED:
                    await console.audit(
                        request,
                        "article.save",
                        f"article:{edit.id}",
                        {
                            "new": old is None,
                            "active": edit.active,
                            "languages": sorted(edit.texts),
                        },
                    )
                    return RedirectResponse(
                        f"/console/content/articles/{edit.id}?saved=1", status_code=303
                    )
                if saved is EditStatus.GONE:
                    return not_found(request)
                form.fail("id", "id_taken")
            errors, status = form.errors, 400
        lang = translator(request).lang
        return console.render(
            request,
            "console_content_article.html",
            status_code=status,
            new=old is None,
            v=values,
            errors=errors,
            saved="saved" in request.query_params,
            regions=regions,
            audiences=audiences,
            topics=TOPIC_LABELS,
            languages=LANGUAGES,
            directions=directions,
            named=lambda names: local_name(names, lang),
            all=ALL,
        )

    # -- offices and services ------------------------------------------------------------
    async def office_page(request: Request) -> Response:
        office_id = request.path_params.get("office_id")
        old = await asyncio.to_thread(editor.office, office_id) if office_id else None
        if office_id and old is None:
            return not_found(request)
        regions = await asyncio.to_thread(editor.regions)
        services = await asyncio.to_thread(editor.services)
        values, errors, status = office_values(old, services), {}, 200
        if request.method == "POST":
            form = Form(await request.form(), translator(request))
            values, edit = office_form(form, old, [r.id for r in regions], services)
            if edit is not None:
                saved = await asyncio.to_thread(editor.save_office, edit, new=old is None)
                if saved is EditStatus.SAVED:
                    created, removed = await asyncio.to_thread(
                        editor.generate_slots, today(), console.settings.booking_days
                    )
                    await console.audit(
                        request,
                        "office.save",
                        f"office:{edit.id}",
                        {
                            "new": old is None,
                            "active": edit.active,
                            "slots_created": created,
                            "slots_removed": removed,
                        },
                    )
                    query = urlencode({"saved": 1, "created": created, "removed": removed})
                    return RedirectResponse(
                        f"/console/content/offices/{edit.id}?{query}", status_code=303
                    )
                if saved is EditStatus.GONE:
                    return not_found(request)
                form.fail("id", "id_taken")
            errors, status = form.errors, 400
        q = request.query_params
        lang = translator(request).lang
        return console.render(
            request,
            "console_content_office.html",
            status_code=status,
            new=old is None,
            v=values,
            errors=errors,
            saved="saved" in q,
            created=count_param(q.get("created")),
            removed=count_param(q.get("removed")),
            regions=regions,
            services=services,
            languages=LANGUAGES,
            directions=directions,
            named=lambda names: local_name(names, lang),
        )

    async def service_page(request: Request) -> Response:
        service_id = request.path_params.get("service_id")
        old = await asyncio.to_thread(editor.service, service_id) if service_id else None
        if service_id and old is None:
            return not_found(request)
        values: dict[str, Any] = {
            "id": old.id if old else "",
            "names": dict(old.name) if old else {},
        }
        errors: dict[str, str] = {}
        status = 200
        if request.method == "POST":
            form = Form(await request.form(), translator(request))
            sid = old.id if old else form.ident("id")
            values = {"id": sid, "names": form.names("name")}
            if not form.errors:
                edit = ServiceView(sid, values["names"])
                saved = await asyncio.to_thread(editor.save_service, edit, new=old is None)
                if saved is EditStatus.SAVED:
                    await console.audit(
                        request, "service.save", f"service:{sid}", {"new": old is None}
                    )
                    return RedirectResponse(
                        f"/console/content/services/{sid}?saved=1", status_code=303
                    )
                if saved is EditStatus.GONE:
                    return not_found(request)
                form.fail("id", "id_taken")
            errors, status = form.errors, 400
        return console.render(
            request,
            "console_content_service.html",
            status_code=status,
            new=old is None,
            v=values,
            errors=errors,
            saved="saved" in request.query_params,
            languages=LANGUAGES,
            directions=directions,
        )

    return admin_routes(
        console,
        [
            ("/console/content", overview, ("GET",), "console_content"),
            ("/console/content/articles/new", article_page, ("GET", "POST"), "console_article_new"),
            (
                "/console/content/articles/{article_id}",
                article_page,
                ("GET", "POST"),
                "console_article",
            ),
            ("/console/content/offices/new", office_page, ("GET", "POST"), "console_office_new"),
            (
                "/console/content/offices/{office_id}",
                office_page,
                ("GET", "POST"),
                "console_office",
            ),
            ("/console/content/services/new", service_page, ("GET", "POST"), "console_service_new"),
            (
                "/console/content/services/{service_id}",
                service_page,
                ("GET", "POST"),
                "console_service",
            ),
        ],
    )


def admin_routes(
    console: Console, table: Sequence[tuple[str, Endpoint, tuple[str, ...], str]]
) -> list[BaseRoute]:
    """Every content route is for administrators."""
    return [
        staff_route(console, path, endpoint, role=ADMIN, methods=methods, name=name)
        for path, endpoint, methods, name in table
    ]
