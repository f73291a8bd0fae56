"""Escalation end to end on Telegram: people write to the bot, mediators work in a forum
supergroup; python-telegram-bot, unmodified, talks to the fake Bot API server over HTTP,
and the case relay delivers between them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Orienta, prepare_content
from bot.channels.telegram import TelegramAdapter
from bot.domain.hours import hours_to_json, parse_hours
from bot.serve import attach_staff_group, case_relay
from bot.settings import Settings
from bot.store.cases import CaseBook, MediatorView
from bot.store.staff import StaffBook
from tests.builders import callback_update, media_update, staff_callback, staff_update, text_update
from tests.channels.test_telegram import adapter_for, button, replies, wait_for
from tests.dialog import NAMES, bare
from tests.fakes.bot_api import RunningFakeBotApi

STAFF = -1001234567890
AMINA, KARIM, LEA, NOOR = 501, 502, 503, 504


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        staff_chat_id=STAFF,
        staff_language="en",
    )


@pytest.fixture
def fake() -> Any:
    with RunningFakeBotApi() as server:
        yield server


@pytest.fixture
def mediators(orienta: Orienta) -> dict[str, MediatorView]:
    prepare_content(orienta.settings, orienta.store, datetime.now(UTC).date())
    book = CaseBook(orienta.store)
    always = hours_to_json(parse_hours("always"))
    never = hours_to_json(parse_hours("mon 00:00-00:01"))  # practically never on duty
    now = datetime.now(UTC)
    return {
        "amina": book.add_mediator(
            "Amina", ["ar", "fr"], always, "Europe/Rome", now, telegram_user_id=AMINA
        ),
        "karim": book.add_mediator(
            "Karim", ["ar"], always, "Europe/Rome", now, telegram_user_id=KARIM
        ),
        "lea": book.add_mediator(
            "Léa", ["fr", "it"], always, "Europe/Rome", now, telegram_user_id=LEA, show_name=True
        ),
        "noor": book.add_mediator("Noor", ["ar"], never, "Europe/Rome", now, telegram_user_id=NOOR),
    }


@pytest.fixture
async def desk(
    orienta: Orienta, fake: RunningFakeBotApi, mediators: dict[str, MediatorView]
) -> AsyncIterator[TelegramAdapter]:
    """The bot on Telegram with the staff group attached and the case relay running."""
    adapter = adapter_for(orienta, fake)
    staff = attach_staff_group(orienta, adapter)
    relay = case_relay(orienta, {"telegram": adapter.channel}, staff)
    await adapter.start()
    task = asyncio.create_task(relay.run_forever(poll=0.2))
    yield adapter
    task.cancel()
    await adapter.stop()


async def onboard(orienta: Orienta, fake: RunningFakeBotApi, chat: int, lang: str) -> None:
    """/start, choose the language, consent: the user is at the menu."""
    fake.inject(text_update(chat, "/start", language_code=lang))
    sent = await replies(fake, chat, 2)
    fake.inject(callback_update(chat, sent[1], button(sent[1], NAMES[lang]), lang))
    sent = await replies(fake, chat, 3)
    fake.inject(callback_update(chat, sent[2], button(sent[2], "✅"), lang))
    await replies(fake, chat, 5)


async def topic_of(fake: RunningFakeBotApi, title_part: str) -> int:
    topics = await wait_for(
        lambda: [t for t, v in fake.topics().items() if title_part in v["name"]]
    )
    return int(topics[0])


async def staff_says(fake: RunningFakeBotApi, thread: int, part: str) -> dict[str, Any]:
    return await wait_for(
        lambda: next((m for m in fake.in_topic(STAFF, thread) if part in m.get("text", "")), None)
    )


def t(orienta: Orienta, lang: str, msgid: str, **params: str) -> str:
    return orienta.catalogs.translator(lang).gettext(msgid, **params)


async def test_arabic_round_trip(
    orienta: Orienta, fake: RunningFakeBotApi, desk: TelegramAdapter
) -> None:
    user = 7001
    await onboard(orienta, fake, user, "ar")
    fake.inject(text_update(user, "/mediator", language_code="ar"))
    sent = await replies(fake, user, 6)
    assert bare(sent[5]["text"]) == t(orienta, "ar", "case.opened", position="1")

    # The case appears as a forum topic, summary first, with the three buttons.
    thread = await topic_of(fake, "AR")
    book = CaseBook(orienta.store)
    case = await wait_for(lambda: book.case_by_thread(thread))  # stored once the topic exists
    assert case is not None and case.language == "ar" and case.reason == "asked"
    assert fake.topics()[thread]["name"] == f"#{case.id} · AR · normal"
    summary = await staff_says(fake, thread, f"Case #{case.id}")
    labels = [b["text"] for row in summary["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Claim", "Close", "Return to bot"]
    # The person's words lead; a command (/mediator) is not one of them.
    assert "In their own words" in summary["text"] and "/mediator" not in summary["text"]
    # Arabic speakers on duty are called; the one off duty and the French speaker are not.
    call = await staff_says(fake, thread, f"New case #{case.id}")
    assert "Amina" in call["text"] and "Karim" in call["text"]
    assert "Noor" not in call["text"] and "Léa" not in call["text"]

    # The person writes markup while waiting: it reaches the topic as typed.
    tricky = "<b>مرحبا</b> *عاجل* [رابط](http://x.example) </code> & <script>"
    fake.inject(text_update(user, tricky, language_code="ar"))
    copied = await staff_says(fake, thread, "رابط")
    assert copied["text"] == "👤 " + tricky

    # Two mediators press Claim at once: exactly one wins, the other is told.
    fake.inject(staff_callback(AMINA, summary, f"c:claim:{case.id}"))
    fake.inject(staff_callback(KARIM, summary, f"c:claim:{case.id}"))
    await staff_says(fake, thread, "already taken")
    claimed = book.case(case.id)
    assert claimed is not None and claimed.status == "claimed"
    winner = claimed.mediator_name
    loser_id = KARIM if winner == "Amina" else AMINA
    assert winner in ("Amina", "Karim")
    taken = [
        m
        for m in fake.in_topic(STAFF, thread)
        if "Messages you write in this topic" in m.get("text", "")
    ]
    assert len(taken) == 1 and winner in taken[0]["text"]
    await wait_for(
        lambda: bare(fake.sent(user)[-1].get("text", "")) == t(orienta, "ar", "case.claimed")
    )
    winner_id = AMINA if winner == "Amina" else KARIM

    # The loser cannot write to the person; the winner can, anonymously.
    fake.inject(staff_update(STAFF, thread, loser_id, "أنا هنا أيضاً"))
    await staff_says(fake, thread, "can do this")
    before = len(fake.sent(user))
    fake.inject(staff_update(STAFF, thread, winner_id, "مرحبا، أنا هنا لمساعدتك"))
    reply = (await replies(fake, user, before + 1))[-1]
    assert bare(reply["text"]) == t(
        orienta, "ar", "case.mediator_says", text="مرحبا، أنا هنا لمساعدتك"
    )
    assert winner not in reply["text"]

    # While the mediator owns the conversation the bot stays silent; messages are relayed.
    count = len(fake.sent(user))
    fake.inject(text_update(user, "شكرا، أحتاج مساعدة في السكن", language_code="ar"))
    await staff_says(fake, thread, "أحتاج مساعدة في السكن")
    fake.inject(media_update(user, "photo"))
    await wait_for(
        lambda: any(m.get("copied_from", [0])[0] == user for m in fake.in_topic(STAFF, thread))
    )
    fake.inject(text_update(user, "/menu", language_code="ar"))
    await staff_says(fake, thread, "/menu")
    await asyncio.sleep(0.3)
    assert len(fake.sent(user)) == count

    # A photo from the mediator is copied to the person (no "forwarded from" header).
    fake.inject(
        staff_update(
            STAFF,
            thread,
            winner_id,
            None,
            photo=[{"file_id": "p9", "file_unique_id": "u9", "width": 90, "height": 90}],
        )
    )
    await wait_for(lambda: any(m.get("copied_from", [0])[0] == STAFF for m in fake.sent(user)))

    # The mediator returns the case: the bot resumes and asks for a rating.
    fake.inject(staff_callback(winner_id, summary, f"c:return:{case.id}"))
    rate = await wait_for(
        lambda: next(
            (
                m
                for m in fake.sent(user)
                if bare(m.get("text", "")) == bare(t(orienta, "ar", "case.rate"))
            ),
            None,
        )
    )
    returned = [
        m for m in fake.sent(user) if bare(m.get("text", "")) == t(orienta, "ar", "case.returned")
    ]
    assert len(returned) == 1
    await wait_for(lambda: fake.topics()[thread]["closed"])
    fake.inject(callback_update(user, rate, button(rate, "5"), "ar"))
    await wait_for(
        lambda: bare(fake.sent(user)[-1].get("text", "")) == t(orienta, "ar", "case.rated")
    )
    done = book.case(case.id)
    assert done is not None and done.status == "returned" and done.rating == 5
    await staff_says(fake, thread, "5/5")
    # The bot answers again.
    fake.inject(text_update(user, "/help", language_code="ar"))
    await wait_for(
        lambda: bare(fake.sent(user)[-1].get("text", "")) == bare(t(orienta, "ar", "help.commands"))
    )
    transcript = [(m.author, m.body) for m in book.transcript(case.id)]
    assert ("person", tricky) in transcript
    assert ("mediator", "مرحبا، أنا هنا لمساعدتك") in transcript
    # What mediators did in the group is in the console's audit log, under their names.
    log = {
        (e.action, e.detail.get("result"))
        for e in StaffBook(orienta.store).audit_entries()
        if e.target == f"case:{case.id}" and e.detail.get("via") == "telegram"
    }
    assert {
        ("case.claim", "done"),
        ("case.claim", "taken"),
        ("case.reply", "done"),
        ("case.return", "done"),
    } <= log


async def test_emergency_notifies_everyone_on_duty(
    orienta: Orienta, fake: RunningFakeBotApi, desk: TelegramAdapter
) -> None:
    user = 7002
    await onboard(orienta, fake, user, "fr")
    fake.inject(text_update(user, "je veux me suicider ce soir", language_code="fr"))
    sent = await wait_for(
        lambda: (
            (m := fake.sent(user))
            and any(
                bare(x.get("text", "")) == t(orienta, "fr", "case.emergency_alerted") for x in m
            )
            and m
        )
    )
    texts = [bare(m.get("text", "")) for m in sent[5:]]
    assert texts[0] == t(orienta, "fr", "emergency.numbers")
    # The region is not known yet: every region's lines for suicidal thoughts (a
    # listening line) and its general number, in French; not the violence lines.
    assert "Anderlecht (Bruxelles)" in texts[1] and "0800 32 123" in texts[1]
    assert t(orienta, "fr", "emergency.kind.mental_health") in texts[1]
    assert "1522" not in texts[1] and t(orienta, "fr", "emergency.kind.violence") not in texts[1]
    thread = await topic_of(fake, "EMERGENCY")
    alert = await staff_says(fake, thread, "EMERGENCY in case")
    # Everyone on duty, whatever their languages; not the mediator off duty.
    for name in ("Amina", "Karim", "Léa"):
        assert name in alert["text"]
    assert "Noor" not in alert["text"]
    mentions = [e for e in alert.get("raw_text", "").split("tg://user?id=")[1:]]
    assert len(mentions) == 3


async def test_an_away_mediator_is_not_called_to_an_emergency(
    orienta: Orienta,
    fake: RunningFakeBotApi,
    desk: TelegramAdapter,
    mediators: dict[str, MediatorView],
) -> None:
    """Karim works always, but switched himself away in the console: the emergency's
    alert calls everyone else on duty, not him."""
    from bot.services.staff_accounts import StaffAccounts
    from tests.web.staff import account

    karim = account(orienta, "karim", "mediator", mediator_id=mediators["karim"].id)
    StaffAccounts(orienta.store).set_away(karim, True, datetime.now(UTC))
    user = 7003
    await onboard(orienta, fake, user, "fr")
    fake.inject(text_update(user, "je veux me suicider ce soir", language_code="fr"))
    thread = await topic_of(fake, "EMERGENCY")
    alert = await staff_says(fake, thread, "EMERGENCY in case")
    assert "Amina" in alert["text"] and "Léa" in alert["text"]
    assert "Karim" not in alert["text"]
    assert f"tg://user?id={KARIM}" not in alert.get("raw_text", "")
    assert ("karim", "mediator.away") in {
        (e.username, e.action) for e in StaffBook(orienta.store).audit_entries()
    }


async def test_emergency_while_a_mediator_owns_the_conversation(
    orienta: Orienta, fake: RunningFakeBotApi, desk: TelegramAdapter
) -> None:
    user = 7003
    await onboard(orienta, fake, user, "fr")
    fake.inject(text_update(user, "/mediator", language_code="fr"))
    thread = await topic_of(fake, "FR")
    summary = await staff_says(fake, thread, "Case #")
    fake.inject(
        staff_callback(
            LEA, summary, summary["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        )
    )
    claimed = await wait_for(
        lambda: next(
            (
                m
                for m in fake.sent(user)
                if bare(m.get("text", "")) == t(orienta, "fr", "case.claimed_named", name="Léa")
            ),
            None,
        )
    )
    assert claimed  # Léa chose to show her name
    fake.inject(staff_update(STAFF, thread, LEA, "Bonjour, je suis Léa."))
    await wait_for(
        lambda: (
            bare(fake.sent(user)[-1].get("text", ""))
            == t(
                orienta, "fr", "case.mediator_named_says", name="Léa", text="Bonjour, je suis Léa."
            )
        )
    )
    # Silence… except for safety.
    fake.inject(text_update(user, "je veux mourir, j'ai peur", language_code="fr"))
    await wait_for(
        lambda: any(
            bare(m.get("text", "")) == t(orienta, "fr", "emergency.numbers")
            for m in fake.sent(user)
        )
    )
    await wait_for(lambda: "EMERGENCY" in fake.topics()[thread]["name"])
    await staff_says(fake, thread, "je veux mourir")
    await staff_says(fake, thread, "EMERGENCY in case")


async def test_only_registered_mediators_act(
    orienta: Orienta, fake: RunningFakeBotApi, desk: TelegramAdapter
) -> None:
    user = 7004
    await onboard(orienta, fake, user, "it")
    fake.inject(text_update(user, "/mediator", language_code="it"))
    thread = await topic_of(fake, "IT")
    summary = await staff_says(fake, thread, "Case #")
    stranger = 999
    fake.inject(
        staff_callback(
            stranger, summary, summary["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        )
    )
    await staff_says(fake, thread, "Only registered mediators")
    fake.inject(staff_update(STAFF, thread, LEA, "Ciao!"))
    await staff_says(fake, thread, "Claim")  # reply before claiming: refused, told why
    case = CaseBook(orienta.store).case_by_thread(thread)
    assert case is not None and case.status == "queued" and case.first_reply_at is None
    fake.inject(staff_update(STAFF, thread, LEA, "/note parla solo italiano"))
    await staff_says(fake, thread, "Note saved")
    fake.inject(staff_update(STAFF, thread, LEA, "/close"))
    await wait_for(
        lambda: any(
            bare(m.get("text", "")) == t(orienta, "it", "case.closed") for m in fake.sent(user)
        )
    )
    notes = [m for m in CaseBook(orienta.store).transcript(case.id) if m.author == "note"]
    assert [n.body for n in notes] == ["parla solo italiano"]


async def test_topic_creation_limits_are_waited_out_and_order_kept(
    orienta: Orienta, fake: RunningFakeBotApi, desk: TelegramAdapter
) -> None:
    users = [7101, 7102, 7103]
    for user in users:
        await onboard(orienta, fake, user, "uk")
    # Telegram limits topic creation: twice "retry after 7 s", then a server error burst.
    fake.fail(
        "createForumTopic",
        429,
        times=2,
        retry_after=7,
        description="Too Many Requests: retry after 7",
    )
    fake.fail("createForumTopic", 500, times=9, description="Internal Server Error")
    for user in users:
        fake.inject(text_update(user, "/mediator", language_code="uk"))
        fake.inject(text_update(user, f"допоможіть, я {user}", language_code="uk"))
    book = CaseBook(orienta.store)
    # Three topics, each recorded on its case (saved just after Telegram answers).
    threads = await wait_for(
        lambda: (
            len(t := fake.topics()) == 3 and all(book.case_by_thread(thread) for thread in t) and t
        ),
        timeout=30,
    )
    for thread in threads:
        case = book.case_by_thread(thread)
        assert case is not None
        copied = await staff_says(fake, thread, "допоможіть")
        texts = [m.get("text", "") for m in fake.in_topic(STAFF, thread)]
        assert texts[0].startswith(f"Case #{case.id}")  # the summary comes first
        assert copied["text"] == f"👤 допоможіть, я {case.chat_id}"
    assert len(fake.topics()) == 3  # no topic opened twice
    waited = desk.channel.waited  # type: ignore[attr-defined]
    assert waited.count(7.0) == 2  # Telegram's retry_after, honoured (on the fake clock)


async def test_unclaimed_case_is_called_again(
    orienta: Orienta, fake: RunningFakeBotApi, desk: TelegramAdapter
) -> None:
    user = 7005
    await onboard(orienta, fake, user, "ar")
    fake.inject(text_update(user, "/mediator", language_code="ar"))
    thread = await topic_of(fake, "AR")
    await staff_says(fake, thread, "New case")
    book = CaseBook(orienta.store)
    later = datetime.now(UTC) + timedelta(minutes=11)
    after = timedelta(minutes=orienta.settings.case_renotify_minutes)
    assert len(book.due_for_renotify(later, after)) == 1
    assert book.due_for_renotify(later, after) == []  # once per period, whoever asks
    again = await staff_says(fake, thread, "has been waiting for 11 min")
    assert "Amina" in again["raw_text"] and "tg://user?id=" in again["raw_text"]
