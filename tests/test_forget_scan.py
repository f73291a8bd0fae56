"""/forget leaves nothing about the person in any table: every row of every table is
read after the confirmation, looking for their chat id, their words and their ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Orienta, prepare_content
from bot.channels.memory import MemoryChannel
from bot.domain.hours import hours_to_json, parse_hours
from bot.messages import Incoming
from bot.runtime.broadcasts import BroadcastJob
from bot.services.broadcasts import BroadcastDraft, Broadcasts
from bot.store.appointments import AppointmentBook
from bot.store.cases import CaseBook
from bot.store.models import Base
from bot.store.slots import SlotBook
from tests.dialog import Dialog

CHAT = "forget-me-4711"
WORDS = "Mon nom est Yasmina Kaci et j'habite rue Haute 200"


async def test_forget_leaves_no_trace_in_any_table(orienta: Orienta) -> None:
    now = datetime.now(UTC)
    prepare_content(orienta.settings, orienta.store, now.date())
    dialog = Dialog(orienta, chat_id=CHAT)
    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))
    await dialog.say(WORDS)
    user = orienta.store.user("memory", CHAT)
    assert user is not None
    book = AppointmentBook(orienta.store)
    office = book.offices()[0]
    service = book.services()[0].id
    slot = SlotBook(book.store).add_slot(office.id, service, now + timedelta(days=3), 30, 1)
    assert book.book(user.id, slot.id, "fr", now).appointment is not None
    cases = CaseBook(orienta.store)
    mediator = cases.add_mediator(
        "Amina", ["fr"], hours_to_json(parse_hours("always")), "Europe/Brussels", now
    )
    await dialog.say("/mediator")
    case = cases.open_case_of(user.id)
    assert case is not None
    cases.claim(case.id, mediator.id, now)
    cases.mediator_message(case.id, mediator.id, "text", "Bonjour Yasmina", now)
    assert orienta.store.enqueue(Incoming("memory", CHAT, text=WORDS), 990001, now)
    await dialog.say(WORDS)  # while the mediator owns it: relayed into the case
    cases.finish(case.id, mediator.id, "closed", now)
    broadcasts = Broadcasts(
        orienta.store, orienta.catalogs, orienta.settings.privacy_notice_version
    )
    announcement = broadcasts.create(BroadcastDraft({"fr": "Bureau fermé lundi"}), "ada", now)
    broadcasts.schedule(announcement, now)
    job = BroadcastJob(broadcasts, orienta.runner, {"memory": MemoryChannel()}, "w", lambda: now)
    assert await job.run_once() == 1  # a recipient row names the person

    await dialog.say("/forget")
    assert dialog.texts()[0] == dialog.t("fr", "forget.confirm")
    await dialog.press(dialog.t("fr", "forget.yes"))
    assert dialog.texts() == [dialog.t("fr", "forget.done")]

    found = []
    with orienta.store.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                values = " ".join(str(v) for v in row.values())
                if CHAT in values or "Yasmina" in values or "rue Haute" in values:
                    found.append((table.name, dict(row)))
                if table.name in (
                    "appointments",
                    "cases",
                    "conversations",
                    "broadcast_recipients",
                ) and (row.get("user_id") == user.id):
                    found.append((table.name, dict(row)))
    assert found == []
    assert book.slot(slot.id).booked == 0  # type: ignore[union-attr]
