"""Searching and paging the case queue, on SQLite and PostgreSQL: by number, language,
status, urgency and words (the summary, and the messages of people who agreed to keep
them), newest or most urgent first, 50 to a page with the filters kept in the links —
and a mediator never finds a case they may not see."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from bot.app import Orienta
from bot.store.cases import MediatorView
from tests.web.cases_kit import open_case, person_says, team
from tests.web.staff import StaffClient, signed_in


@pytest.fixture
def people(orienta: Orienta) -> dict[str, MediatorView]:
    return team(orienta)


def rows(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="[^"]*" data-case="(\d+)">', page)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


async def found(client: StaffClient, query: str) -> list[int]:
    page = await client.get(f"/console/cases?{query}")
    assert page.status_code == 200
    return rows(page.text)


async def test_paging_newest_and_most_urgent_first(
    orienta: Orienta, people: dict[str, MediatorView]
) -> None:
    made = [open_case(orienta, f"p-{i}", "fr", age=timedelta(minutes=200 - i)) for i in range(110)]
    urgent = open_case(orienta, "p-sos", "fr", urgency="emergency", age=timedelta(days=1))
    high = open_case(orienta, "p-high", "fr", urgency="high", age=timedelta(hours=5))
    theirs = open_case(orienta, "p-uk", "uk")
    t = orienta.catalogs.translator("en")
    async with signed_in(orienta, "amina") as amina:
        first = await amina.get("/console/cases?language=fr&urgency=&q=")
        shown = rows(first.text)
        assert len(shown) == 50
        assert shown[:3] == [urgent, high, made[-1]]  # most urgent, then newest
        assert t.gettext("console.cases_found", count="112") in first.text
        assert t.gettext("console.page_of", page="1", pages="3") in first.text
        assert link(first.text, "prev") is None
        second_url = link(first.text, "next")
        assert second_url == "/console/cases?language=fr&page=2"  # filters kept, empty ones not
        second = await amina.get(second_url)
        assert rows(second.text) == list(reversed(made))[48:98]
        third_url = link(second.text, "next")
        assert third_url is not None and link(second.text, "prev") == "/console/cases?language=fr"
        third = await amina.get(third_url)
        assert rows(third.text) == list(reversed(made))[98:] and link(third.text, "next") is None
        everything = shown + rows(second.text) + rows(third.text)
        assert sorted(everything) == sorted([*made, urgent, high])  # each once, none lost

        newest = await found(amina, "order=newest")
        assert newest[:2] == [made[-1], made[-2]] and theirs not in newest
        assert link((await amina.get("/console/cases?order=newest")).text, "next") == (
            "/console/cases?order=newest&page=2"
        )
        assert await found(amina, "urgency=emergency") == [urgent]
        beyond = await amina.get("/console/cases?page=99")
        assert rows(beyond.text) == [] and beyond.status_code == 200
        assert await found(amina, "page=abc") == shown  # a bad page is the first


async def test_by_number_status_and_words_within_what_may_be_seen(
    orienta: Orienta, people: dict[str, MediatorView]
) -> None:
    rent = open_case(orienta, "p-rent", "fr")
    person_says(orienta, rent, "Problème de LOYER impayé depuis mars")
    private = open_case(orienta, "p-private", "fr", consent=False)
    person_says(orienta, private, "loyer aussi, mais je n'ai pas donné mon accord")
    landlord = open_case(orienta, "p-landlord", "fr", words=("Mon propriétaire crie",))
    closed = open_case(orienta, "p-closed", "fr", status="closed", words=("loyer payé",))
    kyiv = open_case(orienta, "p-kyiv", "uk")
    person_says(orienta, kyiv, "Оренда квартири дуже дорога")
    async with signed_in(orienta, "amina") as amina, signed_in(orienta, "olena") as olena:
        assert await found(amina, "q=loyer") == [rent]  # not the one without consent
        assert await found(amina, "q=loyer&status=all") == [closed, rent]
        assert await found(amina, "q=loyer&status=closed") == [closed]
        assert await found(amina, "q=Propri%C3%A9taire") == [landlord]
        assert await found(amina, "q=crie+propri%C3%A9taire") == [landlord]  # every word
        assert await found(amina, "q=propri%C3%A9taire+loyer") == []
        assert await found(amina, "q=words") == []  # the summary's field names never match
        assert await found(amina, "q=region") == []
        assert await found(amina, "q=50%25") == [] and await found(amina, "q=__") == []
        # A number finds the case whatever its status, and only a case one may see.
        assert await found(amina, f"q=%23{closed}") == [closed]
        assert await found(amina, f"q={rent}") == [rent]
        assert await found(amina, f"q=%23{kyiv}") == []
        assert await found(olena, "q=%D0%BE%D1%80%D0%B5%D0%BD%D0%B4%D0%B0") == [kyiv]  # оренда
        assert await found(olena, "q=%D0%9E%D0%A0%D0%95%D0%9D%D0%94%D0%90") == [kyiv]  # ОРЕНДА
        assert await found(amina, "q=%D0%BE%D1%80%D0%B5%D0%BD%D0%B4%D0%B0") == []
        assert await found(olena, "q=loyer&status=all") == []
        assert await found(olena, f"q=%23{rent}") == []
        page = await amina.get("/console/cases?q=loyer&status=all&order=newest")
        assert 'value="loyer"' in page.text  # the search stays in its box


async def test_the_queue_shows_how_long_a_case_waits_and_its_first_words(
    orienta: Orienta, people: dict[str, MediatorView]
) -> None:
    """Like a help desk's inbox: how long each waiting case has waited, and the
    person's first words, so the most pressing can be picked without opening each."""
    words = ("مرحبا، أحتاج إلى مساعدة في أوراق الإقامة من فضلك، الموعد غدا " * 3).strip()
    waiting = open_case(orienta, "p-wait", "ar", words=(words, "later"), age=timedelta(minutes=12))
    claimed = open_case(orienta, "p-done", "ar", status="closed", age=timedelta(minutes=30))
    async with signed_in(orienta, "amina") as amina:
        page = (await amina.get("/console/cases?status=all")).text
    row = re.search(rf'data-case="{waiting}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "12 minutes" in row.group(1)
    assert "<bdi>" + words[:79] in html.unescape(row.group(1))  # cut at 80, with …
    assert "later" not in row.group(1)
    closed = re.search(rf'data-case="{claimed}">(.*?)</tr>', page, re.S)
    assert closed is not None and "minutes" not in closed.group(1)  # only waiting cases
