"""The web console's case queue over HTTP (in process): local only, CSRF, the queue and
its filters, a case page, and claim / reply / return through the same store functions
as the Telegram staff group, delivered to the person by the case relay."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pytest

from bot.app import Orienta
from bot.relay import CaseRelay
from bot.serve import case_relay
from bot.services.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook, MediatorView
from bot.web.app import create_app
from bot.web.console import CSRF_COOKIE
from tests.dialog import Dialog, bare


def client(orienta: Orienta, peer: str = "127.0.0.1",
           base: str = "http://127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(orienta), client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url=base)


@pytest.fixture
def mediators(orienta: Orienta) -> list[MediatorView]:
    book = CaseBook(orienta.store)
    always = hours_to_json(parse_hours("always"))
    now = datetime.now(UTC)
    return [book.add_mediator("Amina", ["ar", "fr"], always, "Europe/Rome", now),
            book.add_mediator("Karim", ["ar"], always, "Europe/Rome", now)]


@pytest.fixture
def relay(orienta: Orienta, dialog: Dialog) -> CaseRelay:
    return case_relay(orienta, {"memory": dialog.channel})


async def escalate(dialog: Dialog, lang: str = "fr", name: str = "Français") -> int:
    await dialog.say("/start")
    await dialog.press(name)
    await dialog.press(dialog.t(lang, "consent.agree"))
    await dialog.say("<script>alert(1)</script> j'ai besoin d'aide")
    await dialog.say("/mediator")
    case = CaseBook(dialog.orienta.store).open_case_of(
        dialog.orienta.store.user("memory", dialog.chat_id).id)  # type: ignore[union-attr]
    assert case is not None
    return case.id


async def csrf(http: httpx.AsyncClient, case_id: int) -> str:
    page = await http.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None and http.cookies[CSRF_COOKIE] == found.group(1)
    return found.group(1)


@pytest.mark.parametrize(("peer", "base"), [
    ("203.0.113.7", "http://127.0.0.1"),  # from another machine
    ("127.0.0.1", "http://evil.example"),  # a local browser led there by DNS rebinding
])
async def test_console_is_only_for_this_computer(orienta: Orienta, peer: str,
                                                 base: str) -> None:
    async with client(orienta, peer, base) as http:
        assert (await http.get("/console/cases")).status_code == 403
        assert (await http.get("/console/cases/1")).status_code == 403
        assert (await http.post("/console/cases/1/claim", data={})).status_code == 403
    async with client(orienta) as http:
        assert (await http.get("/console/cases")).status_code == 200


async def test_queue_case_page_and_round_trip(orienta: Orienta, dialog: Dialog,
                                              mediators: list[MediatorView],
                                              relay: CaseRelay) -> None:
    case_id = await escalate(dialog)
    assert bare(dialog.texts()[0]) == dialog.t("fr", "case.opened", position="1")
    async with client(orienta) as http:
        queue = await http.get("/console/cases")
        assert f"#{case_id} · FR · normal" in queue.text
        assert f"#{case_id}" not in (await http.get("/console/cases?language=ar")).text
        assert f"#{case_id}" in (await http.get("/console/cases?language=fr&urgency=normal"
                                                "&status=queued")).text
        page = await http.get(f"/console/cases/{case_id}")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # escaped, not run
        assert "<script>alert" not in page.text
        token = await csrf(http, case_id)
        amina, karim = (str(m.id) for m in mediators)

        refused = await http.post(f"/console/cases/{case_id}/claim", data={"mediator": amina})
        assert refused.status_code == 403  # no form token
        early = await http.post(f"/console/cases/{case_id}/reply",
                                data={"mediator": amina, "csrf": token, "text": "Bonjour"})
        assert "result=claim_first" in early.headers["location"]

        # Two mediators claim at once: exactly one wins.
        first, second = await asyncio.gather(
            http.post(f"/console/cases/{case_id}/claim",
                      data={"mediator": amina, "csrf": token}),
            http.post(f"/console/cases/{case_id}/claim",
                      data={"mediator": karim, "csrf": token}))
        results = sorted(r.headers["location"] for r in (first, second))
        assert sum("result=already_claimed" in r for r in results) == 1
        claimed = CaseBook(orienta.store).case(case_id)
        assert claimed is not None and claimed.status == "claimed"
        owner = str(claimed.mediator_id)
        await relay.run_once()
        assert dialog.channel.take(dialog.chat_id)[-1].text == dialog.t("fr", "case.claimed")

        sent = await http.post(f"/console/cases/{case_id}/reply", data={
            "mediator": owner, "csrf": token, "text": "Bonjour, je m'appelle <b>Sam</b>."})
        assert sent.status_code == 303 and "result=" not in sent.headers["location"]
        await http.post(f"/console/cases/{case_id}/note",
                        data={"mediator": owner, "csrf": token, "text": "rappeler demain"})
        await relay.run_once()
        got = dialog.channel.take(dialog.chat_id)
        assert [bare(m.text) for m in got] == [
            dialog.t("fr", "case.mediator_says", text="Bonjour, je m'appelle <b>Sam</b>.")]

        # While the mediator owns the conversation the bot is silent, the text is relayed.
        assert await dialog.say("merci beaucoup") == []
        page = await http.get(f"/console/cases/{case_id}")
        assert "merci beaucoup" in page.text and "rappeler demain" in page.text

        back = await http.post(f"/console/cases/{case_id}/return",
                               data={"mediator": owner, "csrf": token})
        assert back.status_code == 303
        await relay.run_once()
        texts = [m.text for m in dialog.channel.take(dialog.chat_id)]
        assert texts == [dialog.t("fr", "case.returned"), dialog.t("fr", "case.rate")]
        over = await http.post(f"/console/cases/{case_id}/reply",
                               data={"mediator": owner, "csrf": token, "text": "encore"})
        assert "result=case_over" in over.headers["location"]
        assert f"#{case_id}" not in (await http.get("/console/cases")).text
        assert f"#{case_id}" in (await http.get("/console/cases?status=returned")).text
    # The bot answers again, and the rating is recorded once.
    await dialog.press_data(f"e:rate:{case_id}:4")
    assert dialog.texts() == [dialog.t("fr", "case.rated")]
    await dialog.press_data(f"e:rate:{case_id}:5")
    assert dialog.texts()[0] == dialog.t("fr", "case.rate_old")
    done = CaseBook(orienta.store).case(case_id)
    assert done is not None and done.rating == 4


async def test_unknown_mediator_and_empty_reply(orienta: Orienta, dialog: Dialog,
                                                mediators: list[MediatorView]) -> None:
    case_id = await escalate(dialog)
    async with client(orienta) as http:
        token = await csrf(http, case_id)
        nobody = await http.post(f"/console/cases/{case_id}/claim",
                                 data={"mediator": "999", "csrf": token})
        assert "result=not_mediator" in nobody.headers["location"]
        empty = await http.post(f"/console/cases/{case_id}/reply",
                                data={"mediator": str(mediators[0].id), "csrf": token,
                                      "text": "   "})
        assert "empty=1" in empty.headers["location"]
        page = await http.get(empty.headers["location"])
        assert orienta.catalogs.translator("en").gettext("console.empty_reply") in page.text
    case = CaseBook(orienta.store).case(case_id)
    assert case is not None and case.status == "queued"
