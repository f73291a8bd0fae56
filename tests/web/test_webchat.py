"""The local web chat over HTTP (in process): page, CSRF, replies, right-to-left."""

from __future__ import annotations

import httpx

from bot.app import Orienta
from bot.web.app import create_app
from bot.web.webchat import CHAT_COOKIE, CSRF_COOKIE


def client(orienta: Orienta) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(orienta)), base_url="http://127.0.0.1"
    )


async def test_page_sets_cookies_and_security_headers(orienta: Orienta) -> None:
    async with client(orienta) as http:
        page = await http.get("/", headers={"accept-language": "ar-MA,ar;q=0.9"})
        assert page.status_code == 200
        assert '<html lang="ar" dir="rtl">' in page.text
        assert orienta.catalogs.translator("ar").gettext("web.send") in page.text
        assert CHAT_COOKIE in page.cookies and CSRF_COOKIE in page.cookies
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_post_without_csrf_token_is_refused(orienta: Orienta) -> None:
    async with client(orienta) as http:
        await http.get("/")
        assert (await http.post("/chat/messages", json={"text": "/start"})).status_code == 403
        wrong = await http.post(
            "/chat/messages", json={"text": "/start"}, headers={"x-csrf-token": "nope"}
        )
        assert wrong.status_code == 403


async def test_conversation_in_arabic_is_right_to_left(orienta: Orienta) -> None:
    async with client(orienta) as http:
        await http.get("/")
        token = http.cookies[CSRF_COOKIE]
        headers = {"x-csrf-token": token}
        start = (await http.post("/chat/messages", json={"text": "/start"}, headers=headers)).json()
        arabic = next(
            b
            for m in start["messages"]
            for row in m["buttons"]
            for b in row
            if b["text"] == "العربية"
        )
        reply = await http.post("/chat/messages", json={"data": arabic["data"]}, headers=headers)
        messages = reply.json()["messages"]
        assert messages[0]["dir"] == "rtl" and messages[0]["lang"] == "ar"
        arabic_catalog = orienta.catalogs.translator("ar")
        assert messages[0]["text"] == arabic_catalog.gettext("welcome.privacy")
        ui = reply.json()["ui"]
        assert ui["dir"] == "rtl" and ui["send"] == arabic_catalog.gettext("web.send")


async def test_bad_json_is_a_clear_error(orienta: Orienta) -> None:
    async with client(orienta) as http:
        await http.get("/")
        headers = {"x-csrf-token": http.cookies[CSRF_COOKIE], "content-type": "application/json"}
        assert (
            await http.post("/chat/messages", content=b"{nope", headers=headers)
        ).status_code == 400
        assert (
            await http.post("/chat/messages", content=b"[1]", headers=headers)
        ).status_code == 400
        big = b'{"text": "' + b"a" * 300_000 + b'"}'
        assert (await http.post("/chat/messages", content=big, headers=headers)).status_code == 413


async def test_static_assets_and_health(orienta: Orienta) -> None:
    async with client(orienta) as http:
        assert (await http.get("/static/chat.js")).status_code == 200
        assert "textContent" in (await http.get("/static/chat.js")).text  # never innerHTML
        assert (await http.get("/healthz")).text == "ok"


async def test_a_mediators_reply_waits_for_the_page(orienta: Orienta) -> None:
    """Web chat users get later messages (a mediator's reply) when the page asks."""
    from datetime import UTC, datetime

    from bot.channels.webchat import WebChatMailbox
    from bot.domain.hours import hours_to_json, parse_hours
    from bot.serve import case_relay
    from bot.store.cases import CaseBook
    from tests.dialog import bare

    mailbox = WebChatMailbox()
    app = create_app(orienta, mailbox=mailbox)
    relay = case_relay(orienta, {"web": mailbox})
    book = CaseBook(orienta.store)
    amina = book.add_mediator(
        "Amina", ["fr"], hours_to_json(parse_hours("always")), "Europe/Rome", datetime.now(UTC)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as http:
        await http.get("/")
        headers = {"x-csrf-token": http.cookies[CSRF_COOKIE]}
        assert (await http.get("/chat/updates")).json() == {"messages": [], "ui": None}
        await http.post("/chat/messages", json={"text": "/mediator", "hint": "fr"}, headers=headers)
        case = book.cases()[0]
        book.claim(case.id, amina.id, datetime.now(UTC))
        book.mediator_message(case.id, amina.id, "text", "Bonjour !", datetime.now(UTC))
        await relay.run_once()
        waiting = (await http.get("/chat/updates")).json()
        french = orienta.catalogs.translator("fr")
        assert [bare(m["text"]) for m in waiting["messages"]] == [
            french.gettext("case.claimed"),
            french.gettext("case.mediator_says", text="Bonjour !"),
        ]
        assert (await http.get("/chat/updates")).json()["messages"] == []  # taken once
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as stranger:
        assert (await stranger.get("/chat/updates")).status_code == 403  # no chat cookie
