"""The mediator form says what it did and what is wrong: a served language typed under
"other languages" is taken as served and the page says so; hours that close before
they open are named as such (there, on an office's page and on the command line)."""

from __future__ import annotations

import html

import pytest

from bot.app import Orienta
from bot.domain.hours import ReversedRange, parse_hours
from bot.store.cases import CaseBook
from tests.web.staff import account, signed_in


async def test_a_served_language_typed_as_other_is_served_and_said(orienta: Orienta) -> None:
    account(orienta, "ada", "admin", language="it")
    t = orienta.catalogs.translator("it")
    async with signed_in(orienta, "ada") as ada:
        made = await ada.http.post(
            "/console/mediators",
            data={
                "csrf": ada.csrf,
                "name": "Olena",
                "languages": ["uk"],
                "other_languages": "ru, it",
                "hours": "mon-fri 09:00-17:00",
                "timezone": "Europe/Rome",
            },
        )
        assert made.status_code == 303, made.text
        olena_id = int(made.headers["location"].split("/")[-1].split("?")[0])
        olena = CaseBook(orienta.store).mediator(olena_id)
        assert olena is not None and olena.languages == ("it", "uk", "ru")
        page = await ada.get(made.headers["location"])
        said = t.gettext("console.mediators.moved_to_served", languages="IT")
        assert html.escape(said) in page.text
        assert 'value="it" checked' in page.text and 'value="ru"' in page.text
        # Only "it" typed, nothing checked: served all the same, not refused.
        alone = await ada.http.post(
            f"/console/mediators/{olena_id}",
            data={
                "csrf": ada.csrf,
                "name": "Olena",
                "other_languages": "fi",
                "timezone": "Europe/Rome",
            },
        )
        assert alone.status_code == 303 and "moved=fi" in alone.headers["location"]
        olena = CaseBook(orienta.store).mediator(olena_id)
        assert olena is not None and olena.languages == ("fi",)


async def test_hours_closing_before_opening_are_named(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    t = orienta.catalogs.translator("en")
    async with signed_in(orienta, "ada") as ada:
        form = await ada.get("/console/mediators")
        hint = t.gettext("console.content.office.hours_hint")
        assert hint.endswith(".") and html.escape(hint) + " " in form.text
        bad = await ada.http.post(
            "/console/mediators",
            data={
                "csrf": ada.csrf,
                "name": "Olena",
                "languages": ["uk"],
                "hours": "mon-fri 17:00-09:00",
                "timezone": "Europe/Rome",
            },
        )
        assert bad.status_code == 400
        said = t.gettext("console.hours.closes_before_opening", span="17:00-09:00")
        assert html.escape(said) in bad.text
        assert html.escape(t.gettext("console.staff.error.hours")) not in bad.text
        unreadable = await ada.http.post(
            "/console/mediators",
            data={
                "csrf": ada.csrf,
                "name": "Olena",
                "languages": ["uk"],
                "hours": "weekdays 9-5",
                "timezone": "Europe/Rome",
            },
        )
        assert html.escape(t.gettext("console.staff.error.hours")) in unreadable.text
    with pytest.raises(ReversedRange, match="closing time must be after the opening time"):
        parse_hours("mon 09:00-12:00, 18:00-14:00")
    with pytest.raises(ValueError) as other:
        parse_hours("mon 9-5")
    assert not isinstance(other.value, ReversedRange)
