"""Announcements end to end on the store, the runner and the sending job (SQLite and
PostgreSQL): a broadcast reaches exactly the consented people of its audience who have
not turned announcements off and have not blocked the bot, each in their language with
the stop button; the stop button and /stop turn them off (and /news back on); a job
stopped mid-way and started again sends nobody twice; sends stay within Telegram's
limits on a fake clock; a scheduled broadcast waits for its time."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.app import Orienta
from bot.engine.announcements import ANNOUNCEMENT_TEXTS, STOP_PAYLOAD
from bot.runtime.broadcasts import BroadcastJob
from bot.runtime.pacing import Pacer
from bot.services.broadcasts import BroadcastDraft, Broadcasts
from bot.store.appointments import AppointmentBook
from bot.store.models import Slot, User
from tests.broadcasting import FakeTime, RecordingChannel, person
from tests.dialog import Dialog, consent

FR = "Le bureau est fermé lundi."
AR = "المكتب مغلق يوم الاثنين."


def service(orienta: Orienta) -> Broadcasts:
    return Broadcasts(orienta.store, orienta.catalogs, orienta.settings.privacy_notice_version)


def job(
    orienta: Orienta,
    channel: RecordingChannel,
    clock: FakeTime | None = None,
    now: list[datetime] | None = None,
) -> BroadcastJob:
    time = clock or FakeTime()
    return BroadcastJob(
        service(orienta),
        orienta.runner,
        {channel.name: channel},
        "worker-1",
        (lambda: now[0]) if now else (lambda: datetime.now(UTC)),
        pacer=Pacer(clock=time.clock, sleep=time.sleep),
    )


def send_now(orienta: Orienta, draft: BroadcastDraft) -> int:
    broadcasts = service(orienta)
    assert broadcasts.check(draft) == []
    broadcast_id = broadcasts.create(draft, "ada", datetime.now(UTC))
    assert broadcasts.schedule(broadcast_id, datetime.now(UTC))
    return broadcast_id


def counts(orienta: Orienta, broadcast_id: int) -> dict[str, int]:
    record = service(orienta).get(broadcast_id)
    assert record is not None
    return dict(record.counts)


async def test_region_and_language_reach_exactly_the_consented_people(ready: Orienta) -> None:
    o = ready
    fr = person(o, "fr-in", "fr", region="anderlecht")
    ar = person(o, "ar-in", "ar", region="anderlecht", situation="temporary_protection")
    person(o, "fr-elsewhere", "fr", region="guidonia")
    person(o, "uk-in", "uk", region="anderlecht")  # language not chosen
    person(o, "it-in", "it", region="anderlecht")  # chosen, but no Italian text
    person(o, "fr-no-consent", "fr", region="anderlecht", consented=False)
    person(o, "fr-blocked", "fr", region="anderlecht")
    o.store.mark_blocked("memory", "fr-blocked", datetime.now(UTC))
    old = person(o, "fr-old-notice", "fr", region="anderlecht")
    with o.store.session() as session, session.begin():
        session.execute(update(User).where(User.id == old).values(consent_version="0"))
    stopped = Dialog(o, "fr-stopped")
    await consent(stopped, "fr")
    await stopped.say("/stop")
    with o.store.session() as session, session.begin():
        row = session.scalar(select(User).where(User.external_id == "fr-stopped"))
        assert row is not None and row.broadcasts_off_at is not None

    draft = BroadcastDraft(
        {"fr": FR, "ar": AR}, regions=("anderlecht",), languages=("fr", "ar", "it")
    )
    people, audience = service(o).recipients(draft)
    assert sorted(people) == sorted([(fr, "fr"), (ar, "ar")])
    assert audience.reached == {"fr": 1, "ar": 1}
    assert audience.excluded == {"it": 1}

    broadcast_id = send_now(o, draft)
    channel = RecordingChannel(o)
    assert await job(o, channel).run_once() == 2
    assert set(channel.sent) == {"fr-in", "ar-in"}
    [to_fr] = channel.sent["fr-in"]
    [to_ar] = channel.sent["ar-in"]
    assert (to_fr.text, to_fr.lang, to_fr.direction) == (FR, "fr", "ltr")
    assert (to_ar.text, to_ar.lang, to_ar.direction) == (AR, "ar", "rtl")
    for message, lang in ((to_fr, "fr"), (to_ar, "ar")):
        [[button]] = message.buttons
        label = o.catalogs.translator(lang).gettext(ANNOUNCEMENT_TEXTS["stop"])
        assert button.data == STOP_PAYLOAD and label in button.text
    assert counts(o, broadcast_id) == {"delivered": 2}
    record = service(o).get(broadcast_id)
    assert record is not None and record.status == "done" and record.recipients == 2
    assert o.store.unsent("memory", "fr-in") == []  # nothing left in the outbox


async def test_appointment_at_an_office_in_a_date_range(ready: Orienta) -> None:
    o = ready
    book = AppointmentBook(o.store)
    office, other = "anderlecht_task_force_ukraine", "guidonia_segretariato"
    now = datetime.now(UTC)
    with o.store.session() as session:
        slots = list(
            session.scalars(
                select(Slot)
                .where(Slot.office_id == office, Slot.starts_at > now + timedelta(days=1))
                .order_by(Slot.starts_at)
            )
        )
        elsewhere = session.scalars(
            select(Slot).where(Slot.office_id == other, Slot.starts_at > now)
        ).first()
    assert slots and elsewhere is not None
    zone = ZoneInfo("Europe/Brussels")

    def day_of(slot: Slot) -> object:
        return slot.starts_at.astimezone(zone).date()

    first = next(s for s in slots if sum(day_of(t) == day_of(s) for t in slots) >= 2)
    same_day = next(s for s in slots if day_of(s) == day_of(first) and s.id != first.id)
    later = next(s for s in slots if s.starts_at - first.starts_at > timedelta(days=3))
    inside = person(o, "in-range", "fr")
    person(o, "later", "fr")
    person(o, "other-office", "fr")
    person(o, "cancelled", "uk")
    person(o, "no-appointment", "fr")
    ids = {c: o.store.user("memory", c).id for c in ("later", "other-office", "cancelled")}  # type: ignore[union-attr]
    assert book.book(inside, first.id, "fr", now).status == "booked"
    assert book.book(ids["later"], later.id, "fr", now).status == "booked"
    assert book.book(ids["other-office"], elsewhere.id, "fr", now).status == "booked"
    booked = book.book(ids["cancelled"], same_day.id, "uk", now)
    assert booked.appointment is not None
    assert book.cancel(ids["cancelled"], booked.appointment.id, now).status == "cancelled"

    day = first.starts_at.astimezone(zone).date()
    draft = BroadcastDraft(
        {"fr": "Votre rendez-vous est déplacé.", "uk": "Вашу зустріч перенесено."},
        office=office,
        first=day,
        last=day,
    )
    people, _ = service(o).recipients(draft)
    assert people == [(inside, "fr")]
    send_now(o, draft)
    channel = RecordingChannel(o)
    assert await job(o, channel).run_once() == 1
    assert list(channel.sent) == ["in-range"]


async def test_stop_button_and_slash_stop_opt_out_and_news_opts_back_in(ready: Orienta) -> None:
    o = ready
    amal, olena = Dialog(o, "amal"), Dialog(o, "olena")
    await consent(amal, "ar")
    await consent(olena, "uk")
    await amal.say("/menu")  # in the middle of the menu when the announcement comes
    menu = amal.texts()[-1]
    channel = RecordingChannel(o)
    send_now(o, BroadcastDraft({"ar": AR, "uk": "Офіс зачинено в понеділок."}))
    assert await job(o, channel).run_once() == 2

    [got] = channel.sent.pop("amal")
    assert len(channel.sent.pop("olena")) == 1
    [[stop]] = got.buttons
    replies = await amal.press_data(stop.data)
    assert replies[0].text == amal.t("ar", ANNOUNCEMENT_TEXTS["stopped"])
    assert replies[0].direction == "rtl"
    assert replies[-1].text == menu  # the menu she was in is offered again
    await olena.say("/stop")
    assert olena.texts()[0] == olena.t("uk", ANNOUNCEMENT_TEXTS["stopped"])

    second = send_now(o, BroadcastDraft({"ar": "ثاني", "uk": "Друге"}))
    assert await job(o, channel).run_once() == 0
    assert not channel.sent.get("amal") and not channel.sent.get("olena")
    assert service(o).get(second).recipients == 0  # type: ignore[union-attr]

    await olena.say("/news")
    assert olena.texts()[0] == olena.t("uk", ANNOUNCEMENT_TEXTS["resumed"])
    await amal.press(amal.t("ar", ANNOUNCEMENT_TEXTS["resume"]))
    send_now(o, BroadcastDraft({"ar": "ثالث", "uk": "Третє"}))
    assert await job(o, channel).run_once() == 2
    assert [m.text for m in channel.sent["olena"]] == ["Третє"]


async def test_a_restart_mid_send_sends_nobody_twice_and_finishes(orienta: Orienta) -> None:
    o = orienta
    chats = [f"p{i}" for i in range(7)]
    for chat in chats:
        person(o, chat, "fr")
    broadcast_id = send_now(o, BroadcastDraft({"fr": FR}))
    channel = RecordingChannel(o)
    first = job(o, channel)
    channel.after_send.append(lambda: first.stop() if len(channel.log) >= 3 else None)
    assert await first.run_once() == 3
    assert counts(o, broadcast_id)["delivered"] == 3

    # The other four wait in the outbox (queued with their recipient rows) ...
    assert counts(o, broadcast_id) == {"delivered": 3, "queued": 4}
    # ... and one of those people writes meanwhile: their turn sends the outbox first.
    queued = service(o).delivery.queued(broadcast_id)[0].chat_id
    reader = Dialog(o, queued)
    await reader.say("/help")
    assert [m.text for m in reader.last].count(FR) == 1

    second = job(o, channel)  # the restarted job
    assert await second.run_once() == 4  # counted delivered: three sent, one sent by the turn
    assert len(channel.log) == 6
    assert Counter(chat for _, chat in channel.log) == Counter({c: 1 for c in chats if c != queued})
    assert counts(o, broadcast_id) == {"delivered": 7}
    assert service(o).get(broadcast_id).status == "done"  # type: ignore[union-attr]
    assert await job(o, channel).run_once() == 0  # nothing more, ever


async def test_sends_stay_within_telegram_limits(orienta: Orienta) -> None:
    o = orienta
    chats = [f"r{i}" for i in range(12)]
    for chat in chats:
        person(o, chat, "it")
    time = FakeTime()
    channel = RecordingChannel(o, time)
    for n in range(3):
        send_now(o, BroadcastDraft({"it": f"Avviso {n}"}))
    assert await job(o, channel, time).run_once() == 36
    moments = [t for t, _ in channel.log]
    assert moments == sorted(moments)
    for start in moments:  # any one-second window: at most 30 (the pacer allows 25)
        assert sum(1 for t in moments if start <= t < start + 1.0) <= 25
    by_chat: dict[str, list[float]] = {}
    for t, chat in channel.log:
        by_chat.setdefault(chat, []).append(t)
    for times in by_chat.values():
        assert len(times) == 3
        assert all(b - a >= 1.0 for a, b in pairwise(times))
    assert moments[-1] - moments[0] >= 35 / 25  # the pacer did wait


async def test_a_scheduled_broadcast_waits_for_its_time_and_counts_blocked(
    orienta: Orienta,
) -> None:
    o = orienta
    for chat in ("s1", "s2", "s3"):
        person(o, chat, "fi")
    start = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    now = [start]
    broadcasts = service(o)
    broadcast_id = broadcasts.create(BroadcastDraft({"fi": "Toimisto on kiinni."}), "ada", start)
    assert broadcasts.schedule(broadcast_id, start + timedelta(hours=1))
    channel = RecordingChannel(o)
    channel.blocked.add("s3")  # blocks the bot before the announcement reaches them
    sender = job(o, channel, now=now)
    assert await sender.run_once() == 0
    now[0] = start + timedelta(minutes=59)
    assert await sender.run_once() == 0
    assert not channel.sent and service(o).get(broadcast_id).status == "scheduled"  # type: ignore[union-attr]
    now[0] = start + timedelta(hours=1)
    assert await sender.run_once() == 2
    assert set(channel.sent) == {"s1", "s2"}
    assert counts(o, broadcast_id) == {"delivered": 2, "blocked": 1}


async def test_cancelling_while_sending_stops_and_empties_the_outbox(orienta: Orienta) -> None:
    o = orienta
    for i in range(5):
        person(o, f"c{i}", "fr")
    broadcasts = service(o)
    broadcast_id = send_now(o, BroadcastDraft({"fr": FR}))
    channel = RecordingChannel(o)
    sender = job(o, channel)
    channel.after_send.append(
        lambda: (
            broadcasts.cancel(broadcast_id, datetime.now(UTC)) if len(channel.log) == 2 else None
        )
    )
    await sender.run_once()
    assert len(channel.log) == 2
    assert counts(o, broadcast_id) == {"delivered": 2, "cancelled": 3}
    assert all(o.store.unsent("memory", f"c{i}") == [] for i in range(5))
    assert await job(o, channel).run_once() == 0


@pytest.mark.parametrize("typed", ["/stop", STOP_PAYLOAD])
async def test_stopping_while_a_mediator_owns_the_conversation(ready: Orienta, typed: str) -> None:
    """The choice is confirmed and stored, and not relayed to the mediator as words."""
    o = ready
    dialog = Dialog(o, "with-mediator")
    await consent(dialog, "fr")
    await dialog.press(dialog.t("fr", "button.human").split()[-1])
    owner = o.store.conversation("memory", "with-mediator", None, datetime.now(UTC)).owner
    assert owner != "bot"  # a case holds the conversation
    replies = await (dialog.say(typed) if typed.startswith("/") else dialog.press_data(typed))
    assert replies[0].text == dialog.t("fr", ANNOUNCEMENT_TEXTS["stopped"])
    assert o.store.user("memory", "with-mediator") is not None
    with o.store.session() as session:
        row = session.scalar(select(User).where(User.external_id == "with-mediator"))
        assert row is not None and row.broadcasts_off_at is not None
