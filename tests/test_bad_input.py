"""Bad input gets a clear answer in the user's language; nothing crashes, nothing is lost."""

from __future__ import annotations

import pytest

from tests.dialog import Dialog, consent

BAD = {
    "empty": "",
    "spaces": "   \n\t ",
    # 100 kB of no language (a single French word repeated reads as French: a switch)
    "huge": "2026 " * 20_000,
    "binary": "\x00\x01\x02\ufffd\ufffd\ufffd\x03\x04\ufffd\ufffd\x05",
    "emoji": "😀😀🙏🏽🔥",
    "rlo": "\u202ecsrbmem\u202c maison",
    "mixed": "مرحبا bonjour Привіт hei ciao 123",
    "control": "\x1b[31mred\x1b[0m",
}


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_bad_input_answered_in_users_language(dialog: Dialog, kind: str, lang: str) -> None:
    await consent(dialog, lang)
    replies = await dialog.say(BAD[kind])
    assert replies, kind
    assert all(m.lang == lang for m in replies), [(m.lang, m.text) for m in replies]
    assert replies[-1].buttons, "every answer offers a way on"
    if kind in ("empty", "spaces"):
        assert replies[0].text == dialog.t(lang, "error.unreadable_empty")
    if kind == "binary":
        assert replies[0].text == dialog.t(lang, "error.unreadable_binary")
    if kind == "huge":
        assert replies[0].text == dialog.t(lang, "error.too_long")
    # the conversation goes on
    await dialog.say("/menu")
    assert dialog.texts() == [dialog.t(lang, "menu.topics")]


async def test_huge_message_is_stored_cut_not_lost(dialog: Dialog) -> None:
    await consent(dialog, "fr")
    await dialog.say("logement " * 12_500)
    record = dialog.orienta.store.conversation(
        "memory", dialog.chat_id, None, dialog.orienta.runner.clock()
    )
    inbound = [m for m in dialog.orienta.store.messages(record.id) if m.direction == "in"]
    assert len(inbound[-1].body or "") == 4000


@pytest.mark.parametrize("kind", ["media", "voice"])
async def test_media_gets_an_answer(dialog: Dialog, kind: str) -> None:
    await consent(dialog, "fi")
    replies = await dialog.media(kind)
    assert replies[0].text == dialog.t("fi", f"error.unreadable_{kind}")


async def test_no_body_stored_before_consent(dialog: Dialog) -> None:
    await dialog.say("Bonjour, je m'appelle Amina et j'habite rue des Lilas")
    record = dialog.orienta.store.conversation(
        "memory", dialog.chat_id, None, dialog.orienta.runner.clock()
    )
    messages = dialog.orienta.store.messages(record.id)
    assert messages and all(m.body is None for m in messages)
    assert messages[0].detected_language == "fr"
