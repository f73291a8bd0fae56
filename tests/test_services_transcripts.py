"""The rights knowledge base and booking by buttons, whole conversations in every
served language: a sourced answer, then book, list, move and cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Orienta
from bot.channels.memory import MemoryChannel
from bot.i18n import isolate
from bot.runtime.reminders import ReminderSender
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook
from bot.store.reminders import ReminderBook
from bot.store.slots import SlotBook
from tests.dialog import Dialog, bare, consent

#: A rights question in each language, and the article it should find in Anderlecht.
QUESTIONS = {
    "ar": "أين أجد دروس اللغة الفرنسية في أندرلخت؟",
    "fr": "Où trouver des cours de français ?",
    "it": "Dove posso seguire un corso di francese?",
    "fi": "Missä voin opiskella ranskaa?",
    "uk": "Чи є курси та інформаційні сесії для українців?",
}


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_rights_answer_then_book_list_move_cancel(ready: Orienta, lang: str) -> None:
    dialog = Dialog(ready, chat_id=f"user-{lang}")
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    await consent(dialog, lang)

    # a rights topic by button: region and situation are asked once
    await dialog.press(t("menu.education"))
    assert dialog.texts() == [t("kb.ask_region")]
    assert all(
        m.lang == lang and m.direction == ("rtl" if lang == "ar" else "ltr") for m in dialog.last
    )
    await dialog.press_data("k:r:anderlecht")
    assert dialog.texts() == [t("kb.ask_audience")]
    await dialog.press_data("k:a:temporary_protection")
    article, ask = dialog.last
    assert bare(article.text).startswith("📄 ") and "CPAS d'Anderlecht" in article.text
    assert "https://cpas-ocmw.anderlecht.be/" in article.text and ".txt" not in article.text
    assert ask.text == t("kb.did_it_help")
    datas = [b.data for b in dialog.buttons()]
    assert "k:y:education-anderlecht-ukraine" in datas and {"b:new", "menu", "human"} <= set(datas)
    await dialog.press_data("k:y:education-anderlecht-ukraine")
    assert dialog.texts() == [t("kb.thanks_helpful"), t("rights.next_steps")]

    # a typed question: the region is remembered and the answer cites its source
    await dialog.press(t("button.menu"))
    await dialog.say(QUESTIONS[lang])
    if dialog.texts()[-1] != t("kb.did_it_help"):  # not confidently a rights question
        pytest.fail(f"no article for {QUESTIONS[lang]!r}: {dialog.texts()}")
    assert "education-anderlecht-ukraine" in {
        b.data[4:] for b in dialog.buttons() if b.data.startswith("k:")
    }

    # book by buttons alone
    await dialog.press_data("b:new")
    assert dialog.texts() == [t("booking.choose_service")]
    await dialog.press_data("b:s:housing_help")  # one office offers it: its free times
    assert len([b for b in dialog.buttons() if b.data.startswith("b:t:")]) == 6
    first = next(b for b in dialog.buttons() if b.data.startswith("b:t:"))
    await dialog.press_data(first.data)
    assert dialog.texts()[0].startswith(t("booking.confirm").split("\n")[0])
    confirm = dialog.button(t("booking.yes_book")).data
    await dialog.press_data(confirm)
    assert dialog.texts()[0].startswith(t("booking.booked").split("\n")[0])
    # a double tap on "confirm" books nothing more
    await dialog.press_data(confirm)
    assert dialog.texts()[0].startswith(t("booking.already").split("\n")[0])

    # list, move, cancel
    await dialog.say("/appointments")
    assert dialog.texts()[0].startswith(t("booking.list", items="").strip())
    move = next(b.data for b in dialog.buttons() if b.data.startswith("b:m:"))
    await dialog.press_data(move)
    later = [b for b in dialog.buttons() if b.data.startswith("b:t:")][1]
    await dialog.press_data(later.data)
    await dialog.press(t("booking.yes_move"))
    assert dialog.texts()[0].startswith(t("booking.moved").split("\n")[0])
    await dialog.press(t("booking.my_appointments"))
    cancel = next(b.data for b in dialog.buttons() if b.data.startswith("b:x:"))
    await dialog.press_data(cancel)
    await dialog.press(t("booking.yes_cancel"))
    assert dialog.texts()[0].startswith(t("booking.cancelled").split("\n")[0])
    assert {b.data for b in dialog.buttons()} >= {"menu", "human"}
    assert AppointmentBook(ready.store).totals() == (0, 0)


async def test_free_text_narrows_the_times_offered(ready: Orienta) -> None:
    dialog = Dialog(ready, chat_id="narrow")
    await consent(dialog, "it")
    await dialog.press_data("b:new")
    await dialog.press_data("b:s:housing_help")
    assert dialog.texts() == [dialog.t("it", "booking.ask_region")]  # asked once, kept
    await dialog.press_data("b:g:anderlecht")
    await dialog.say("giovedì pomeriggio")
    book = AppointmentBook(ready.store)
    office = book.office("anderlecht_task_force_ukraine")
    service = book.service("housing_help")
    assert office is not None and service is not None
    assert dialog.texts()[0] == dialog.t(
        "it",
        "booking.slots_window",
        office=isolate(office.name["it"]),
        service=isolate(service.name["it"]),
    )
    for button in (b for b in dialog.buttons() if b.data.startswith("b:t:")):
        assert "gio" in button.text  # giovedì
    await dialog.say("ieri")
    assert dialog.texts()[0] == dialog.t("it", "booking.date_past")
    await dialog.say("blablabla")
    assert dialog.texts()[0] == dialog.t("it", "booking.date_unclear")


async def test_bad_presses_get_clear_answers(ready: Orienta) -> None:
    alice, bob = Dialog(ready, chat_id="alice"), Dialog(ready, chat_id="bob")
    await consent(alice, "fr")
    await consent(bob, "uk")
    slot = SlotBook(ready.store).add_slot(
        "anderlecht_task_force_ukraine",
        "housing_help",
        datetime.now(UTC) + timedelta(days=2),
        45,
        1,
    )
    await alice.press_data(f"b:c:{slot.id}")
    assert alice.texts()[0].startswith(alice.t("fr", "booking.booked").split("\n")[0])
    appointment = AppointmentBook(ready.store).upcoming(
        ready.store.user("memory", "alice").id, datetime.now(UTC)
    )[0]  # type: ignore[union-attr]
    # taken between offer and confirm, someone else's appointment, nonsense data
    await bob.press_data(f"b:c:{slot.id}")
    assert bob.texts()[0] == bob.t("uk", "booking.full")
    assert b"orienta_booking_conflicts_total 1.0" in ready.metrics.exposition({})
    await bob.press_data(f"b:X:{appointment.id}")
    assert bob.texts()[0] == bob.t("uk", "booking.not_yours")
    await bob.press_data("b:c:notanumber")
    assert bob.texts() == [bob.t("uk", "booking.choose_service")]
    assert AppointmentBook(ready.store).totals() == (1, 1)


async def test_reminder_in_the_users_language_with_working_buttons(ready: Orienta) -> None:
    dialog = Dialog(ready, chat_id="reminded")
    await consent(dialog, "fi")
    start = datetime.now(UTC) + timedelta(days=3)
    slot = SlotBook(ready.store).add_slot("oulu_early_guidance", "orientation", start, 30, 1)
    await dialog.press_data(f"b:c:{slot.id}")
    channel = MemoryChannel("memory")
    sender = ReminderSender(
        ReminderBook(ready.store),
        ready.catalogs,
        {"memory": channel},
        "worker-1",
        lambda: start - timedelta(hours=23),
    )
    assert await sender.run_once() == 1
    assert await sender.run_once() == 0  # sent once
    (reminder,) = channel.take("reminded")
    assert reminder.lang == "fi" and reminder.text.startswith(
        dialog.t("fi", "reminder.day_before").split("\n")[0]
    )
    cancel = next(b.data for row in reminder.buttons for b in row if b.data.startswith("b:x:"))
    await dialog.press_data(cancel)  # pressed later, outside any booking step
    await dialog.press(dialog.t("fi", "booking.yes_cancel"))
    assert dialog.texts()[0].startswith(dialog.t("fi", "booking.cancelled").split("\n")[0])
    assert AppointmentBook(ready.store).totals() == (0, 0)
