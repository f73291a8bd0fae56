"""Whole conversations in each served language: welcome, consent, menu, help, language."""

from __future__ import annotations

import pytest

from bot.settings import SERVED_LANGUAGES
from tests.dialog import NAMES, Dialog

OTHER = {"ar": "fr", "fr": "it", "it": "fi", "fi": "uk", "uk": "ar"}


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_welcome_consent_menu_help_language(dialog: Dialog, lang: str) -> None:
    await dialog.say("/start")
    assert dialog.texts()[0] == dialog.t("en", "welcome.hello")
    assert [b.text for b in dialog.buttons()] == list(NAMES.values())

    await dialog.press(NAMES[lang])
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    assert dialog.texts() == [t("welcome.privacy")]
    assert all(m.lang == lang for m in dialog.last)
    assert all(m.direction == ("rtl" if lang == "ar" else "ltr") for m in dialog.last)

    await dialog.press(t("consent.more"))
    assert dialog.texts() == [t("welcome.privacy_details"), t("welcome.privacy")]

    await dialog.press(t("consent.agree"))
    assert dialog.texts() == [t("welcome.consent_thanks"), t("menu.topics")]
    labels = [b.text for b in dialog.buttons()]
    assert labels[0] == f"🏠 {t('menu.housing')}"
    assert len(labels) == 12 and all(not label[0].isalnum() for label in labels), labels

    await dialog.press(t("menu.help"))
    assert dialog.texts() == [t("help.what_i_do"), t("help.how_to_use"), t("help.commands")]
    # Every command is a button too: the menu, the language, my data (/forget), a person.
    assert [b.text for b in dialog.buttons()] == [
        f"↩️ {t('button.menu')}",
        f"🌐 {t('menu.language')}",
        f"🔒 {t('privacy.my_data')}",
        f"🙋 {t('button.human')}",
    ]

    await dialog.say("/language")
    assert dialog.texts() == [t("language.choose")]
    new = OTHER[lang]
    await dialog.press(NAMES[new])
    assert dialog.texts() == [dialog.t(new, "language.changed")]
    assert dialog.last[0].lang == new

    user = dialog.orienta.store.user("memory", dialog.chat_id)
    assert user is not None and user.language == new and user.consent_at is not None


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Bonjour, j'ai besoin d'aide pour trouver un logement pour ma famille"),
        ("it", "Buongiorno, ho bisogno di aiuto per trovare una casa per la mia famiglia"),
        ("fi", "Hei, tarvitsen apua asunnon löytämisessä minun perheelleni"),
        ("uk", "Добрий день, мені потрібна допомога, щоб знайти житло для моєї родини"),
        ("ar", "مرحبا، أحتاج إلى مساعدة في العثور على سكن لعائلتي"),
    ],
)
async def test_first_message_greets_in_its_language(dialog: Dialog, lang: str, text: str) -> None:
    await dialog.say(text)
    assert dialog.texts() == [
        dialog.t(lang, "welcome.hello"),
        dialog.t(lang, "welcome.choose_language"),
    ]


async def test_russian_after_choosing_ukrainian_is_answered_in_ukrainian(dialog: Dialog) -> None:
    """Ukrainian chosen, then Russian written: understood and answered in Ukrainian, not
    sent back to the language choice (a first Russian message gets the choice: see
    tests/test_seams.py)."""
    await dialog.say("/start")
    await dialog.press("Українська")
    await dialog.press(dialog.t("uk", "consent.agree"))
    await dialog.say("Здравствуйте, мне нужна помощь с жильём, где можно найти квартиру?")
    assert dialog.t("uk", "language.not_served") not in dialog.texts()
    assert all(m.lang == "uk" for m in dialog.last)
    record = dialog.orienta.store.conversation(
        "memory", dialog.chat_id, None, dialog.orienta.runner.clock()
    )
    assert record.state["vars"].get("topic") == "housing"
    user = dialog.orienta.store.user("memory", dialog.chat_id)
    assert user is not None and user.language == "uk"


async def test_confident_long_message_switches_and_offers_way_back(dialog: Dialog) -> None:
    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))
    await dialog.say("ok")  # short: never flips the language
    assert all(m.lang == "fr" for m in dialog.last)
    await dialog.say("Buongiorno, vorrei sapere come posso trovare una casa in affitto qui")
    first = dialog.last[0]
    assert first.lang == "it"
    assert first.text == dialog.t(
        "it", "language.switched", language="\u2068Italiano\u2069", previous="\u2068Français\u2069"
    )
    await dialog.press("Français")
    assert all(m.lang == "fr" for m in dialog.last)


async def test_not_understood_twice_offers_menu_and_person(dialog: Dialog) -> None:
    await dialog.say("/start")
    await dialog.press("Italiano")
    await dialog.press(dialog.t("it", "consent.agree"))
    await dialog.say("🙂🙂🙂")
    assert dialog.texts()[0] == dialog.t("it", "fallback.not_understood")
    await dialog.say("🙃")
    assert dialog.texts() == [dialog.t("it", "fallback.offer")]
    assert {b.data.split(".")[0] for b in dialog.buttons()}


async def test_emergency_reaches_numbers_before_consent(dialog: Dialog) -> None:
    await dialog.say("/start")
    await dialog.press("Suomi")
    replies = await dialog.say(
        "mun mies lyö mua ja mä pelkään, mulla ei oo paikkaa mihin mennä tänä yönä"
    )
    assert replies[0].text == dialog.t("fi", "emergency.numbers")


async def test_old_button_is_answered_not_obeyed(dialog: Dialog) -> None:
    await dialog.say("/start")
    old = dialog.button("Suomi").data
    await dialog.press("Suomi")
    await dialog.press_data(old)
    assert dialog.texts()[0] == dialog.t("fi", "error.old_button")
    assert dialog.texts()[1] == dialog.t("fi", "welcome.privacy")


async def test_forget_deletes_the_user(dialog: Dialog) -> None:
    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))
    await dialog.say("bonjour")
    await dialog.say("/forget")
    await dialog.press(dialog.t("fr", "forget.yes"))
    assert dialog.texts() == [dialog.t("fr", "forget.done")]
    assert dialog.orienta.store.user("memory", dialog.chat_id) is None


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("menu.appointment", ["appointments.failed"]),
        ("menu.human", ["case.opened_nobody"]),
        ("menu.housing", ["rights.missing"]),
        ("menu.emergency", ["emergency.numbers", "case.emergency_nobody", "emergency.undo_offer"]),
    ],
)
async def test_service_steps_answer_honestly_without_content_or_mediators(
    dialog: Dialog, topic: str, expected: list[str]
) -> None:
    await dialog.say("/start")
    await dialog.press("Italiano")
    await dialog.press(dialog.t("it", "consent.agree"))
    await dialog.press(dialog.t("it", topic))
    assert dialog.texts() == [dialog.t("it", msgid) for msgid in expected]
    labels = {b.text for b in dialog.buttons()}
    assert labels >= {"↩️ " + dialog.t("it", "button.menu"), "🙋 " + dialog.t("it", "button.human")}


async def test_messages_of_one_chat_are_handled_in_order(dialog: Dialog) -> None:
    import asyncio

    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))
    runner = dialog.orienta.runner
    from bot.channels.memory import MemoryChannel
    from bot.messages import Incoming

    channel = MemoryChannel()
    texts = ["/help", "/menu", "/language", "/help", "/menu"]
    await asyncio.gather(
        *(runner.handle(Incoming("memory", dialog.chat_id, text=t), channel) for t in texts)
    )
    firsts = [m.text for m in channel.take(dialog.chat_id)]
    expected_heads = {
        "/help": dialog.t("fr", "help.what_i_do"),
        "/menu": dialog.t("fr", "menu.topics"),
        "/language": dialog.t("fr", "language.choose"),
    }
    heads = [t for t in firsts if t in expected_heads.values()]
    assert heads == [expected_heads[t] for t in texts]
    assert runner._locks == {}  # per-chat locks are released
    record = dialog.orienta.store.conversation("memory", dialog.chat_id, None, runner.clock())
    inbound = [m.body for m in dialog.orienta.store.messages(record.id) if m.direction == "in"]
    assert inbound[-5:] == texts
