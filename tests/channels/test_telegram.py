"""End to end on Telegram: python-telegram-bot, unmodified, polling a fake Bot API server
that speaks the real HTTP protocol on 127.0.0.1 (tests/fakes/bot_api.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.app import Orienta
from bot.channels.telegram import CHANNEL, SECRET_HEADER, WEBHOOK_PATH, TelegramAdapter
from bot.settings import SERVED_LANGUAGES, Settings
from bot.web.app import create_app
from bot.web.telegram_webhook import webhook_route
from tests.builders import callback_update, edited_update, media_update, text_update
from tests.dialog import NAMES
from tests.fakes.bot_api import RunningFakeBotApi


@pytest.fixture
def fake() -> Iterator[RunningFakeBotApi]:
    with RunningFakeBotApi() as server:
        yield server


def adapter_for(
    orienta: Orienta, fake: RunningFakeBotApi, polling: bool = True, secret: str | None = None
) -> TelegramAdapter:
    adapter = TelegramAdapter.create(
        fake.fake.token,
        fake.url,
        orienta.runner,
        orienta.catalogs,
        SERVED_LANGUAGES,
        polling=polling,
        webhook_secret=secret,
    )

    async def no_wait(seconds: float) -> None:  # the fake clock of retries: time not spent
        adapter.channel.waited.append(seconds)  # type: ignore[attr-defined]

    adapter.channel.waited = []  # type: ignore[attr-defined]
    adapter.channel.sleep = no_wait
    return adapter


@pytest.fixture
async def telegram(orienta: Orienta, fake: RunningFakeBotApi) -> AsyncIterator[TelegramAdapter]:
    adapter = adapter_for(orienta, fake)
    await adapter.start()
    yield adapter
    await adapter.stop()


async def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def replies(fake: RunningFakeBotApi, chat: int, count: int) -> list[dict[str, Any]]:
    """Wait until the bot sent at least ``count`` messages to ``chat``; return them all."""
    return await wait_for(lambda: (m := fake.sent(chat)) and len(m) >= count and m)


def button(message: dict[str, Any], label: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r}")


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_full_conversation_on_telegram(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter, lang: str
) -> None:
    t = orienta.catalogs.translator(lang).gettext
    chat = 1000 + SERVED_LANGUAGES.index(lang)
    fake.inject(text_update(chat, "/start", language_code=lang))
    sent = await replies(fake, chat, 2)
    assert [m["text"] for m in sent[:2]] == [t("welcome.hello"), t("welcome.choose_language")]
    choose = sent[1]
    fake.inject(callback_update(chat, choose, button(choose, NAMES[lang]), lang))
    sent = await replies(fake, chat, 3)
    assert sent[2]["text"] == t("welcome.privacy")
    edited = await wait_for(
        lambda: next(
            (
                m
                for m in fake.sent(chat)
                if m["message_id"] == choose["message_id"] and m.get("edited")
            ),
            None,
        )
    )
    assert edited["text"].endswith(f"☑️ {NAMES[lang]}") and "reply_markup" not in edited
    assert fake.calls("answerCallbackQuery")
    fake.inject(callback_update(chat, sent[2], button(sent[2], "✅"), lang))
    sent = await replies(fake, chat, 5)
    assert [m["text"] for m in sent[3:5]] == [t("welcome.consent_thanks"), t("menu.topics")]
    fake.inject(text_update(chat, "/help", language_code=lang))
    sent = await replies(fake, chat, 8)
    assert [m["text"] for m in sent[5:8]] == [
        t("help.what_i_do"),
        t("help.how_to_use"),
        t("help.commands"),
    ]
    assert all(m["parse_mode"] == "HTML" for m in sent)


async def test_command_menu_is_set_per_language(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    calls = fake.calls("setMyCommands")
    by_lang = {c.get("language_code"): c["commands"] for c in calls}
    assert set(by_lang) == {None, *SERVED_LANGUAGES}
    for lang in SERVED_LANGUAGES:
        commands = {c["command"]: c["description"] for c in by_lang[lang]}
        assert set(commands) == {
            "start",
            "menu",
            "language",
            "help",
            "mediator",
            "appointments",
            "forget",
            "cancel",
        }
        assert commands["forget"] == orienta.catalogs.translator(lang).gettext("command.forget")


async def test_duplicate_update_is_processed_once(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    # Delivered twice (as after a restart before Telegram saw the offset confirmed).
    update = text_update(77, "/help", update_id=5555)
    fake.inject(update)
    fake.inject(update)
    fake.inject(text_update(77, "/menu"))
    sent = await replies(fake, 77, 4)
    await asyncio.sleep(0.3)
    texts = [m["text"] for m in fake.sent(77)]
    fr = orienta.catalogs.translator("en").gettext
    assert texts.count(fr("help.what_i_do")) == 1 and texts[-1] == fr("menu.topics")
    assert len(sent) == 4


async def test_updates_of_one_chat_keep_their_order(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    commands = ["/help", "/menu", "/language", "/menu", "/help"] * 2
    heads = {"/help": "help.what_i_do", "/menu": "menu.topics", "/language": "language.choose"}
    for chat in (501, 502, 503):
        for command in commands:
            fake.inject(text_update(chat, command))
    en = orienta.catalogs.translator("en").gettext
    for chat in (501, 502, 503):
        sent = await replies(fake, chat, 18)  # /help answers with 3 messages, the others 1
        order = [m["text"] for m in sent if m["text"] in {en(v) for v in heads.values()}]
        assert order == [en(heads[c]) for c in commands]


async def test_429_is_waited_out_and_nothing_is_lost(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    fake.fail(
        "sendMessage", 429, times=2, retry_after=3, description="Too Many Requests: retry after 3"
    )
    fake.fail("sendMessage", 502, times=1, description="Bad Gateway")
    fake.inject(text_update(88, "/help"))
    sent = await replies(fake, 88, 3)
    en = orienta.catalogs.translator("en").gettext
    assert [m["text"] for m in sent] == [
        en("help.what_i_do"),
        en("help.how_to_use"),
        en("help.commands"),
    ]
    assert telegram.channel.waited[:2] == [3.0, 3.0]  # type: ignore[attr-defined]


async def test_blocked_user_is_marked_and_not_retried(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    fake.inject(text_update(99, "/help"))
    await replies(fake, 99, 3)
    fake.block(99)
    fake.inject(text_update(99, "/menu"))
    await wait_for(lambda: orienta.store.is_blocked(CHANNEL, "99"))
    attempts = len([c for c in fake.calls("sendMessage") if c["chat_id"] == "99"])
    assert attempts == 4  # 3 delivered, 1 refused, no retries
    fake.block(99, blocked=False)
    fake.inject(text_update(99, "/menu"))
    await replies(fake, 99, 4)
    assert not orienta.store.is_blocked(CHANNEL, "99")


@pytest.mark.parametrize(
    ("kind", "msgid"),
    [
        ("photo", "error.unreadable_media"),
        ("sticker", "error.unreadable_media"),
        ("document", "error.unreadable_media"),
        ("location", "error.unreadable_media"),
        ("voice", "error.unreadable_voice"),
    ],
)
async def test_media_gets_a_sensible_answer(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter, kind: str, msgid: str
) -> None:
    fake.inject(media_update(321, kind))
    sent = await replies(fake, 321, 1)
    assert sent[0]["text"] == orienta.catalogs.translator("en").gettext(msgid)


async def test_edited_message_is_answered(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    fake.inject(edited_update(322, "changed"))
    sent = await replies(fake, 322, 1)
    assert sent[0]["text"] == orienta.catalogs.translator("en").gettext("error.unreadable_edited")


async def test_restart_in_the_middle_of_a_conversation(
    orienta: Orienta, fake: RunningFakeBotApi
) -> None:
    first = adapter_for(orienta, fake)
    await first.start()
    fake.inject(text_update(600, "/start", language_code="it"))
    sent = await replies(fake, 600, 2)
    fake.inject(callback_update(600, sent[1], button(sent[1], "Italiano"), "it"))
    sent = await replies(fake, 600, 3)
    await first.stop()
    # A new process: new application, same database; the old button still works.
    second = adapter_for(orienta, fake)
    await second.start()
    try:
        fake.inject(callback_update(600, sent[2], button(sent[2], "✅"), "it"))
        sent = await replies(fake, 600, 5)
        it = orienta.catalogs.translator("it").gettext
        assert [m["text"] for m in sent[3:5]] == [it("welcome.consent_thanks"), it("menu.topics")]
    finally:
        await second.stop()


async def test_stored_updates_are_processed_after_a_crash(
    orienta: Orienta, fake: RunningFakeBotApi
) -> None:
    from bot.messages import Incoming

    # Stored but never processed (the process died): the next start resumes them.
    orienta.store.enqueue(
        Incoming(CHANNEL, "700", "text", text="/help"), 424242, orienta.runner.clock()
    )
    adapter = adapter_for(orienta, fake)
    await adapter.start()
    try:
        sent = await replies(fake, 700, 3)
        assert sent[0]["text"] == orienta.catalogs.translator("en").gettext("help.what_i_do")
        assert orienta.store.pending(CHANNEL, "700") == []
    finally:
        await adapter.stop()


async def test_long_reply_is_split_and_escaped(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    from bot.messages import OutButton, Outgoing

    text = ("<b>Tom & Jerry</b> " * 40 + "\n") * 20
    await telegram.channel.send(Outgoing("555", text, "fr", "ltr", ((OutButton("OK", "menu"),),)))
    sent = fake.sent(555)
    assert len(sent) >= 4
    assert all(len(m["raw_text"]) <= 4096 for m in sent)
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in sent[0]["raw_text"]
    assert "".join(m["text"] for m in sent).replace("\n", "") == text.replace("\n", "")
    assert "reply_markup" in sent[-1] and all("reply_markup" not in m for m in sent[:-1])


async def test_webhook_requires_the_secret(orienta: Orienta, fake: RunningFakeBotApi) -> None:
    adapter = adapter_for(orienta, fake, polling=False, secret="s3cret-token")
    await adapter.start("https://orienta.example.org")
    try:
        assert fake.calls("setWebhook")[0]["secret_token"] == "s3cret-token"
        assert fake.calls("setWebhook")[0]["url"] == "https://orienta.example.org" + WEBHOOK_PATH
        app = create_app(orienta, [webhook_route(adapter)])
        update = {"update_id": 9001, **text_update(800, "/help")}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as http:
            missing = await http.post(WEBHOOK_PATH, json=update)
            wrong = await http.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "nope"})
            assert missing.status_code == wrong.status_code == 403
            await asyncio.sleep(0.2)
            assert fake.sent(800) == [] and orienta.store.pending(CHANNEL, "800") == []
            good = await http.post(
                WEBHOOK_PATH, json=update, headers={SECRET_HEADER: "s3cret-token"}
            )
            assert good.status_code == 200
            await replies(fake, 800, 3)
            bad = await http.post(
                WEBHOOK_PATH,
                content=b"{no",
                headers={SECRET_HEADER: "s3cret-token", "content-type": "application/json"},
            )
            assert bad.status_code == 400
            # Telegram's JSON of a shape the library cannot read: acknowledged (else it is
            # sent again for ever), logged, nothing else happens.
            odd = await http.post(
                WEBHOOK_PATH,
                json={"update_id": 9002, "poll": {"id": "p"}},
                headers={SECRET_HEADER: "s3cret-token"},
            )
            assert odd.status_code == 200
    finally:
        await adapter.stop()


async def test_forged_button_cannot_reach_another_users_state(
    orienta: Orienta, fake: RunningFakeBotApi, telegram: TelegramAdapter
) -> None:
    fake.inject(text_update(901, "/start", language_code="fr"))
    alice = await replies(fake, 901, 2)
    # A press claiming to come from Bob on Alice's message is not taken.
    fake.inject(callback_update(902, alice[1], button(alice[1], "Français"), "uk"))
    # Bob's own chat with made-up data only reaches Bob's own state, as an old button.
    fake.inject(text_update(902, "/help", language_code="uk"))
    bob = await replies(fake, 902, 3)
    fake.inject(callback_update(902, bob[-1], "41.7", "uk"))
    bob = await replies(fake, 902, 5)
    uk = orienta.catalogs.translator("uk").gettext
    assert bob[3]["text"] == uk("error.old_button")
    await asyncio.sleep(0.3)
    assert len(fake.sent(901)) == 2  # Alice's conversation did not move
    alice_user = orienta.store.user(CHANNEL, "901")
    assert alice_user is not None and alice_user.consent_at is None and alice_user.language is None


async def test_slow_replies_show_typing(orienta: Orienta, fake: RunningFakeBotApi) -> None:
    adapter = adapter_for(orienta, fake)
    adapter.dispatcher.typing_after = 0.0  # every reply counts as slow
    await adapter.start()
    try:
        fake.inject(text_update(333, "/help"))
        await replies(fake, 333, 3)
        actions = await wait_for(lambda: fake.calls("sendChatAction"))
        assert actions[0] == {"chat_id": "333", "action": "typing"}
    finally:
        await adapter.stop()


async def test_orienta_run_with_a_token_serves_telegram(
    settings: Settings, fake: RunningFakeBotApi
) -> None:
    """`orienta run` (bot.serve) with ORIENTA_TELEGRAM_TOKEN and ORIENTA_TELEGRAM_API_URL."""
    import socket

    from bot.serve import serve

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    configured = type(settings)(
        database_url=settings.database_url,
        var_dir=settings.var_dir,
        telegram_token=fake.fake.token,
        telegram_api_url=fake.url,
        port=port,
    )
    task = asyncio.create_task(serve(configured))
    try:
        await wait_for(lambda: fake.calls("getUpdates"), timeout=60)
        fake.inject(text_update(4040, "/help", language_code="fi"))
        sent = await replies(fake, 4040, 3)
        from bot.i18n import Catalogs

        fi = Catalogs(configured.locales_dir).translator("fi").gettext
        assert sent[0]["text"] == fi("help.what_i_do")
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{port}/healthz")).text == "ok"
    finally:
        task.cancel()
        with pytest.raises((asyncio.CancelledError, SystemExit)):
            await task
