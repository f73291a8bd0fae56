"""The console's content pages over HTTP (in process), on SQLite and PostgreSQL: articles
reach the bot's knowledge store, invalid forms come back as typed, an office's hours
regenerate its slots, booked slots stay, staff cancel and mark no-shows, exports, and
every route is for signed-in administrators with the form token."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bot.app import Orienta, prepare_content
from bot.channels.memory import MemoryChannel
from bot.runtime.reminders import ReminderSender
from bot.store.appointments import AppointmentBook, SlotView
from bot.store.editing import ContentEditor, OfficeEdit
from bot.store.knowledge import KnowledgeStore
from bot.store.models import Appointment
from bot.store.reminders import ReminderBook
from bot.store.slots import SlotBook
from bot.store.staff import StaffBook
from bot.web.content_forms import hours_text
from tests.web.staff import StaffClient, account, signed_in, web_client

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
OFFICE, SERVICE = "anderlecht_task_force_ukraine", "social_rights"
BRUSSELS = ZoneInfo("Europe/Brussels")

ARABIC_TITLE = "السكن: أين تجد المساعدة"
ARABIC_BODY = "اذهب إلى مكتب المساعدة الاجتماعية في منطقتك واسأل عن السكن."


class Clock:
    """The console's clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(orienta: Orienta) -> Iterator[Clock]:
    clock = Clock()
    orienta.runner.clock = clock
    yield clock


@pytest.fixture
def content(orienta: Orienta, clock: Clock) -> Orienta:
    """The example content published, its calendars generated, and two accounts."""
    prepare_content(orienta.settings, orienta.store, NOW.date())
    account(orienta, "ada", "admin")
    account(orienta, "mo", "mediator")
    return orienta


async def post(c: StaffClient, url: str, data: dict[str, str | list[str]]) -> httpx.Response:
    """A form post with the session's token (repeated fields as lists)."""
    return await c.http.post(url, data={"csrf": c.csrf, **data})


def article_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "id": "housing-help-desk",
        "topic": "housing",
        "regions": ["all"],
        "audiences": ["general", "temporary_protection"],
        "source_title": "Help desk leaflet",
        "source_url": "https://example.org/leaflet",
        "reviewed": "2026-11-20",
        "active": "on",
        "title_en": "Housing: where to find help",
        "body_en": "Go to the social help desk of your area and ask about housing.",
        "title_ar": ARABIC_TITLE,
        "body_ar": ARABIC_BODY,
    }
    form.update(changes)
    return form


def office_form(office: OfficeEdit, **changes: str | list[str]) -> dict[str, str | list[str]]:
    """The office's page as the browser would send it back unchanged."""
    form: dict[str, str | list[str]] = {
        **{f"name_{lang}": name for lang, name in office.name.items()},
        "region": office.region or "",
        "address": office.address,
        "phone": office.phone,
        "timezone": office.timezone,
        "languages": [x for x in office.languages if x in ("en", "ar", "fr", "it", "fi", "uk")],
        "languages_other": ", ".join(
            x for x in office.languages if x not in ("en", "ar", "fr", "it", "fi", "uk")
        ),
        "hours": hours_text(office.hours),
        "closed": ", ".join(d.isoformat() for d in office.closed),
    }
    if office.interpreter:
        form["interpreter"] = "on"
    if office.active:
        form["active"] = "on"
    for offer in office.offers:
        form[f"offer_{offer.service_id}"] = "on"
        form[f"minutes_{offer.service_id}"] = str(offer.minutes)
        form[f"capacity_{offer.service_id}"] = str(offer.capacity)
    form.update(changes)
    return form


def audited(orienta: Orienta, action: str) -> list[dict[str, object]]:
    return [
        {"target": e.target, **e.detail}
        for e in StaffBook(orienta.store).audit_entries(action=action)
    ]


def person(orienta: Orienta, name: str) -> int:
    return orienta.store.conversation("memory", name, "ar", NOW).user.id


def booked_slot(orienta: Orienta, starts_at: datetime, who: str = "amal") -> tuple[SlotView, int]:
    """A slot added by hand and booked by a person: (slot, appointment id)."""
    book = AppointmentBook(orienta.store)
    slot = SlotBook(book.store).add_slot(OFFICE, SERVICE, starts_at, 30, 2)
    outcome = book.book(person(orienta, who), slot.id, "ar", NOW)
    assert outcome.appointment is not None
    return slot, outcome.appointment.id


# -- articles ---------------------------------------------------------------------------
async def test_article_with_arabic_reaches_the_bots_knowledge_store(content: Orienta) -> None:
    knowledge = KnowledgeStore(content.store)
    async with signed_in(content, "ada") as c:
        page = await c.get("/console/content")
        assert page.status_code == 200 and "housing-anderlecht-ukraine" in page.text
        assert (await c.get("/console/content/articles/new")).status_code == 200

        created = await post(c, "/console/content/articles/new", article_form())
        assert created.status_code == 303
        assert created.headers["location"] == "/console/content/articles/housing-help-desk?saved=1"
        arabic = {a.id: a for a in knowledge.articles("ar")}["housing-help-desk"]
        assert (arabic.title, arabic.body) == (ARABIC_TITLE, ARABIC_BODY)
        assert arabic.regions == ("all",) and arabic.reviewed == date(2026, 11, 20)
        assert "housing-help-desk" not in {a.id for a in knowledge.articles("fi")}

        page = await c.get("/console/content/articles/housing-help-desk")
        textarea = re.search(r'<textarea name="body_ar"[^>]*>', page.text)
        assert textarea is not None
        assert 'dir="rtl"' in textarea.group(0) and 'lang="ar"' in textarea.group(0)
        assert ARABIC_BODY in page.text and 'name="title_en"' in page.text

        edited = await post(
            c,
            "/console/content/articles/housing-help-desk",
            article_form(
                title_ar="السكن والمساعدة",
                title_fi="Asuminen",
                body_fi="Kysy neuvontaa.",
                regions=["anderlecht"],
            ),
        )
        assert edited.status_code == 303
        arabic = {a.id: a for a in knowledge.articles("ar")}["housing-help-desk"]
        assert arabic.title == "السكن والمساعدة" and arabic.regions == ("anderlecht",)
        assert {a.id: a.title for a in knowledge.articles("fi")}["housing-help-desk"] == "Asuminen"
        # A change that keeps every length still refreshes the bot's cached index.
        stamp = knowledge.stamp()
        await post(
            c,
            "/console/content/articles/housing-help-desk",
            article_form(
                title_ar="السكن والمساعدة",
                title_fi="Asumista",
                body_fi="Kysy neuvontaa.",
                regions=["anderlecht"],
            ),
        )
        assert knowledge.stamp() != stamp

        again = await post(c, "/console/content/articles/new", article_form())
        assert again.status_code == 400  # the id is taken: nothing overwritten
        assert {a.id: a.title for a in knowledge.articles("ar")}[
            "housing-help-desk"
        ] == "السكن والمساعدة"

        hidden = article_form(title_ar="", body_ar="")
        del hidden["active"]
        assert (
            await post(c, "/console/content/articles/housing-help-desk", hidden)
        ).status_code == 303
        assert "housing-help-desk" not in {a.id for a in knowledge.articles("en")}
        assert "housing-help-desk" not in {a.id for a in knowledge.articles("ar")}

    saves = audited(content, "article.save")
    assert [s["target"] for s in saves] == ["article:housing-help-desk"] * 4
    assert saves[-1]["new"] is True and saves[-1]["languages"] == ["ar", "en"]


async def test_invalid_article_comes_back_as_typed(content: Orienta) -> None:
    async with signed_in(content, "ada") as c:
        response = await post(
            c,
            "/console/content/articles/new",
            article_form(
                id="Bad Id",
                title_en="",
                source_url="javascript:alert(1)",
                reviewed="2026-13-40",
                title_fi="Vain otsikko",
                regions=[],
                source_title="<b>Leaflet</b>",
            ),
        )
        assert response.status_code == 400
        page = response.text
        for field in ("id", "title_en", "source_url", "reviewed", "title_fi", "regions"):
            assert f'id="error-{field}"' in page, field
        assert ARABIC_TITLE in page and ARABIC_BODY in page and "Vain otsikko" in page
        assert 'value="javascript:alert(1)"' in page and 'value="2026-13-40"' in page
        assert "&lt;b&gt;Leaflet&lt;/b&gt;" in page and "<b>Leaflet" not in page
        assert 'value="temporary_protection" checked' in page

        for url in ("ftp://example.org/x", "https://", "http://exa mple.org"):
            bad = await post(c, "/console/content/articles/new", article_form(source_url=url))
            assert bad.status_code == 400 and 'id="error-source_url"' in bad.text, url
        future = await post(c, "/console/content/articles/new", article_form(reviewed="2026-12-01"))
        assert future.status_code == 400 and 'id="error-reviewed"' in future.text
        long_body = await post(c, "/console/content/articles/new", article_form(body_ar="س" * 901))
        assert long_body.status_code == 400 and 'id="error-body_ar"' in long_body.text

        # The example content names its sources with web addresses (never a file name):
        # an article saved unchanged keeps its own.
        seed = ContentEditor(content.store).article("housing-anderlecht-ukraine")
        assert seed is not None and seed.source_url.startswith("https://")
        form = article_form(
            source_url=seed.source_url,
            regions=list(seed.regions),
            audiences=list(seed.audiences),
            reviewed=seed.reviewed.isoformat(),
        )
        for lang, (title, body) in seed.texts.items():
            form[f"title_{lang}"], form[f"body_{lang}"] = title, body
        kept = await post(c, "/console/content/articles/housing-anderlecht-ukraine", form)
        assert kept.status_code == 303
        assert (await c.get("/console/content/articles/nothing-here")).status_code == 404
    assert ContentEditor(content.store).article("housing-help-desk") is None
    assert ContentEditor(content.store).article("bad id") is None


# -- offices, services and slots --------------------------------------------------------
async def test_office_hours_edit_regenerates_slots(content: Orienta) -> None:
    editor = ContentEditor(content.store)
    office = editor.office(OFFICE)
    assert office is not None
    booked, _ = booked_slot(content, datetime(2026, 11, 25, 16, 0, tzinfo=BRUSSELS))
    async with signed_in(content, "ada") as c:
        page = await c.get(f"/console/content/offices/{OFFICE}")
        assert page.status_code == 200
        assert "mon-thu 09:00-12:00, 13:00-15:30; fri 09:00-12:00" in page.text

        bad = await post(
            c,
            f"/console/content/offices/{OFFICE}",
            office_form(
                office,
                hours="mon-fri 9-5",
                timezone="Mars/Olympus",
                closed="2026-02-30",
                capacity_social_rights="0",
                name_en="Changed",
            ),
        )
        assert bad.status_code == 400
        for field in ("hours", "timezone", "closed", "capacity_social_rights"):
            assert f'id="error-{field}"' in bad.text, field
        assert "mon-fri 9-5" in bad.text and 'value="Changed"' in bad.text
        assert editor.office(OFFICE) == office

        saved = await post(
            c,
            f"/console/content/offices/{OFFICE}",
            office_form(office, hours="tue 10:00-11:00", name_ar="مكتب أندرلخت"),
        )
        assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
        assert (await c.get(saved.headers["location"])).status_code == 200

    changed = editor.office(OFFICE)
    assert changed is not None
    assert changed.hours == {"tue": ["10:00-11:00"]} and changed.name["ar"] == "مكتب أندرلخت"
    assert changed.languages == office.languages and "nl" in changed.languages
    assert changed.offers == office.offers
    slots = editor.slots(OFFICE, NOW, NOW + timedelta(days=28))
    # Services without hours of their own follow the office's: Tuesdays 10:00-11:00 now.
    starts = [
        s.starts_at.astimezone(BRUSSELS)
        for s in slots
        if s.origin == "calendar" and s.service_id in (SERVICE, "housing_help")
    ]
    assert len(starts) == 4 * 3  # four Tuesdays: 10:00 and 10:30, and 10:00 for 45 minutes
    assert {(local.weekday(), local.hour) for local in starts} == {(1, 10)}
    assert booked.id in {s.id for s in slots}  # a booked slot outlives the hours
    entry = audited(content, "office.save")[0]
    assert entry["target"] == f"office:{OFFICE}" and int(str(entry["slots_removed"])) > 100


async def test_new_office_and_service(content: Orienta) -> None:
    async with signed_in(content, "ada") as c:
        assert (await c.get("/console/content/services/new")).status_code == 200
        service = await post(
            c,
            "/console/content/services/new",
            {"id": "debt_advice", "name_en": "Debt advice", "name_uk": "Борги"},
        )
        assert service.status_code == 303
        renamed = await post(
            c,
            "/console/content/services/debt_advice",
            {"name_en": "Debt and budget advice", "name_ar": "نصائح حول الديون"},
        )
        assert renamed.status_code == 303
        missing = await post(c, "/console/content/services/debt_advice", {"name_en": ""})
        assert missing.status_code == 400 and 'id="error-name_en"' in missing.text

        office = await post(
            c,
            "/console/content/offices/new",
            {
                "id": "oulu_debt_desk",
                "name_en": "Oulu debt desk",
                "region": "",
                "address": "Torikatu 1, Oulu",
                "phone": "+358 8 000 000",
                "timezone": "Europe/Helsinki",
                "languages": ["fi", "en"],
                "hours": "mon-fri 09:00-11:00",
                "closed": "",
                "active": "on",
                "offer_debt_advice": "on",
                "minutes_debt_advice": "60",
                "capacity_debt_advice": "1",
            },
        )
        assert office.status_code == 303
        taken = await post(
            c,
            "/console/content/offices/new",
            {
                "id": "oulu_debt_desk",
                "name_en": "Again",
                "address": "x",
                "phone": "1",
                "timezone": "UTC",
                "offer_debt_advice": "on",
                "minutes_debt_advice": "30",
                "capacity_debt_advice": "1",
            },
        )
        assert taken.status_code == 400 and 'id="error-id"' in taken.text
    editor = ContentEditor(content.store)
    services = AppointmentBook(content.store)
    assert services.service("debt_advice") is not None
    assert services.service("debt_advice").name == {  # type: ignore[union-attr]
        "en": "Debt and budget advice",
        "ar": "نصائح حول الديون",
    }
    desk = editor.office("oulu_debt_desk")
    assert desk is not None and desk.name == {"en": "Oulu debt desk"}
    assert [s.service_id for s in editor.slots("oulu_debt_desk", NOW, NOW + timedelta(days=7))] == [
        "debt_advice"
    ] * 10  # two a day, Monday to Friday
    assert AppointmentBook(content.store).office("oulu_debt_desk") is not None


async def test_slot_calendar_add_remove_and_refuse_booked(content: Orienta) -> None:
    editor = ContentEditor(content.store)
    book = AppointmentBook(content.store)
    booked, appointment_id = booked_slot(content, datetime(2026, 11, 24, 16, 0, tzinfo=BRUSSELS))
    async with signed_in(content, "ada") as c:
        page = await c.get(f"/console/content/offices/{OFFICE}/slots?week=2026-11-25")
        assert page.status_code == 200
        assert "16:00–16:30" in page.text and "1 / 2" in page.text
        assert (
            await c.get(f"/console/content/offices/{OFFICE}/slots?week=junk")
        ).status_code == 200
        assert (await c.get("/console/content/offices/nowhere/slots")).status_code == 404

        added = await post(
            c,
            f"/console/content/offices/{OFFICE}/slots/add",
            {
                "service": SERVICE,
                "day": "2026-11-29",
                "start": "10:00",
                "minutes": "45",
                "capacity": "3",
            },
        )
        assert added.status_code == 303 and "week=2026-11-23" in added.headers["location"]
        sunday = [
            s
            for s in editor.slots(OFFICE, NOW, NOW + timedelta(days=7))
            if s.origin == "manual" and s.id != booked.id
        ]
        assert len(sunday) == 1
        assert sunday[0].starts_at == datetime(2026, 11, 29, 10, 0, tzinfo=BRUSSELS)
        assert sunday[0].ends_at - sunday[0].starts_at == timedelta(minutes=45)

        twice = await post(
            c,
            f"/console/content/offices/{OFFICE}/slots/add",
            {
                "service": SERVICE,
                "day": "2026-11-29",
                "start": "10:00",
                "minutes": "45",
                "capacity": "3",
            },
        )
        assert twice.status_code == 400 and 'id="error-start"' in twice.text
        wrong = await post(
            c,
            f"/console/content/offices/{OFFICE}/slots/add",
            {
                "service": "nothing",
                "day": "2026-11-31",
                "start": "25:00",
                "minutes": "1",
                "capacity": "0",
            },
        )
        assert wrong.status_code == 400
        for field in ("service", "day", "start", "minutes", "capacity"):
            assert f'id="error-{field}"' in wrong.text, field

        refused = await post(
            c, f"/console/content/offices/{OFFICE}/slots/{booked.id}/remove", {"week": "2026-11-23"}
        )
        assert refused.status_code == 303 and "result=booked" in refused.headers["location"]
        assert book.slot(booked.id).booked == 1  # type: ignore[union-attr]
        shown = await c.get(refused.headers["location"])
        assert 'class="result refused"' in shown.text

        removed = await post(
            c,
            f"/console/content/offices/{OFFICE}/slots/{sunday[0].id}/remove",
            {"week": "2026-11-23"},
        )
        assert "result=removed" in removed.headers["location"]
        assert book.slot(sunday[0].id) is None

        book.cancel(None, appointment_id, NOW, by="staff")
        history = await post(
            c, f"/console/content/offices/{OFFICE}/slots/{booked.id}/remove", {"week": "2026-11-23"}
        )
        assert "result=history" in history.headers["location"]  # the cancellation refers to it
        assert book.slot(booked.id) is not None
        other = await post(
            c,
            f"/console/content/offices/oulu_early_guidance/slots/{booked.id}/remove",
            {"week": "2026-11-23"},
        )
        assert "result=gone" in other.headers["location"]

        generated = await post(
            c, f"/console/content/offices/{OFFICE}/slots/generate", {"week": "2026-11-23"}
        )
        assert generated.status_code == 303
        assert "result=generated" in generated.headers["location"]
    results = [str(e["result"]) for e in audited(content, "slot.remove")]
    assert sorted(results) == ["booked", "gone", "history", "removed"]
    assert len(audited(content, "slot.add")) == 1 and audited(content, "slots.generate")


# -- appointments -----------------------------------------------------------------------
async def test_staff_cancel_frees_the_slot(content: Orienta) -> None:
    book = AppointmentBook(content.store)
    slot, appointment_id = booked_slot(content, datetime(2026, 11, 26, 16, 30, tzinfo=BRUSSELS))
    assert book.slot(slot.id).booked == 1  # type: ignore[union-attr]
    async with signed_in(content, "ada") as c:
        listed = await c.get(f"/console/appointments?office={OFFICE}&from=2026-11-23&to=2026-11-30")
        assert listed.status_code == 200 and f"#{appointment_id}" in listed.text
        assert f"/console/appointments/{appointment_id}/cancel" in listed.text
        cancelled = await post(
            c,
            f"/console/appointments/{appointment_id}/cancel",
            {"office": OFFICE, "from": "2026-11-23", "to": "2026-11-30"},
        )
        assert cancelled.status_code == 303
        assert cancelled.headers["location"] == (
            f"/console/appointments?office={OFFICE}&from=2026-11-23&to=2026-11-30&result=cancelled"
        )
        again = await post(c, f"/console/appointments/{appointment_id}/cancel", {})
        assert "result=not_booked" in again.headers["location"]
        gone = await post(c, "/console/appointments/999999/cancel", {})
        assert "result=gone" in gone.headers["location"]
    assert book.slot(slot.id).booked == 0  # type: ignore[union-attr]
    with content.store.session() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and (row.status, row.cancelled_by) == ("cancelled", "staff")
    booked, active = book.totals()
    assert booked == active
    assert [e["result"] for e in audited(content, "appointment.cancel")] == [
        "gone",
        "not_booked",
        "cancelled",
    ]
    # The person hears it, in their language, through the reminders' queue (once).
    channel = MemoryChannel()
    sender = ReminderSender(
        ReminderBook(content.store),
        content.catalogs,
        {"memory": channel},
        "worker-1",
        lambda: NOW + timedelta(minutes=1),
    )
    assert await sender.run_once() == 1
    assert await sender.run_once() == 0
    [notice] = channel.take("amal")
    t = content.catalogs.translator("ar")
    assert notice.lang == "ar" and notice.direction == "rtl"
    assert notice.text.startswith(t.gettext("reminder.staff_cancel").split("\n")[0])


async def test_no_show_only_once_the_slot_has_begun(content: Orienta, clock: Clock) -> None:
    book = AppointmentBook(content.store)
    slot, appointment_id = booked_slot(content, NOW + timedelta(minutes=15))
    async with signed_in(content, "ada") as c:
        early = await post(c, f"/console/appointments/{appointment_id}/no-show", {})
        assert "result=not_started" in early.headers["location"]
        clock.now = NOW + timedelta(minutes=20)
        page = await c.get("/console/appointments?from=2026-11-23&to=2026-11-23")
        assert f"/console/appointments/{appointment_id}/no-show" in page.text
        marked = await post(c, f"/console/appointments/{appointment_id}/no-show", {})
        assert "result=marked" in marked.headers["location"]
        twice = await post(c, f"/console/appointments/{appointment_id}/no-show", {})
        assert "result=not_booked" in twice.headers["location"]
        cancel = await post(c, f"/console/appointments/{appointment_id}/cancel", {})
        assert "result=not_booked" in cancel.headers["location"]
    with content.store.session() as session:
        status = session.scalar(select(Appointment.status).where(Appointment.id == appointment_id))
    assert status == "no_show"
    assert book.slot(slot.id).booked == 0  # type: ignore[union-attr]
    booked, active = book.totals()
    assert booked == active


async def test_appointments_export_as_csv_and_ics(content: Orienta) -> None:
    _, kept = booked_slot(content, datetime(2026, 11, 24, 17, 0, tzinfo=BRUSSELS), "amal")
    _, dropped = booked_slot(content, datetime(2026, 11, 24, 17, 30, tzinfo=BRUSSELS), "bohdan")
    booked_slot(content, datetime(2026, 12, 10, 17, 0, tzinfo=BRUSSELS), "later")
    AppointmentBook(content.store).cancel(None, dropped, NOW, by="staff")
    query = f"office={OFFICE}&from=2026-11-23&to=2026-11-29"
    async with signed_in(content, "ada") as c:
        exported = await c.get(f"/console/appointments.csv?{query}")
        assert exported.status_code == 200
        assert exported.headers["content-type"] == "text/csv; charset=utf-8"
        assert exported.headers["content-disposition"] == (
            f'attachment; filename="orienta-appointments-{OFFICE}-2026-11-23-2026-11-29.csv"'
        )
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[0] == [
            "appointment",
            "date",
            "start",
            "end",
            "timezone",
            "service",
            "office",
            "language",
        ]
        assert rows[1:] == [
            [
                str(kept),
                "2026-11-24",
                "17:00",
                "17:30",
                "Europe/Brussels",
                "Help with benefits and rights",
                "Anderlecht CPAS – Task Force Ukraine",
                "ar",
            ]
        ]

        calendar = await c.get(f"/console/appointments.ics?{query}")
        assert calendar.status_code == 200
        assert calendar.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "attachment" in calendar.headers["content-disposition"]
        assert calendar.text.startswith("BEGIN:VCALENDAR\r\n")
        assert f"UID:orienta-appointment-{kept}@orienta" in calendar.text
        assert f"orienta-appointment-{dropped}@" not in calendar.text
        assert "DTSTART:20261124T160000Z" in calendar.text

        everything = await c.get("/console/appointments.csv?from=2026-11-01&to=2026-12-31")
        assert len(list(csv.reader(io.StringIO(everything.text)))) == 3
    exports = audited(content, "appointments.export")
    assert [e["format"] for e in exports] == ["csv", "ics", "csv"]
    assert exports[-1]["count"] == 1 and exports[-1]["target"] == f"office:{OFFICE}"


# -- who may use them -------------------------------------------------------------------
GETS = [
    "/console/content",
    "/console/content/articles/new",
    "/console/content/articles/housing-anderlecht-ukraine",
    "/console/content/offices/new",
    f"/console/content/offices/{OFFICE}",
    f"/console/content/offices/{OFFICE}/slots",
    "/console/content/services/new",
    f"/console/content/services/{SERVICE}",
    "/console/appointments",
    "/console/appointments.csv",
    "/console/appointments.ics",
]
POSTS = [
    "/console/content/articles/new",
    "/console/content/articles/housing-anderlecht-ukraine",
    "/console/content/offices/new",
    f"/console/content/offices/{OFFICE}",
    f"/console/content/offices/{OFFICE}/slots/add",
    f"/console/content/offices/{OFFICE}/slots/1/remove",
    f"/console/content/offices/{OFFICE}/slots/generate",
    "/console/content/services/new",
    f"/console/content/services/{SERVICE}",
    "/console/appointments/1/cancel",
    "/console/appointments/1/no-show",
]


async def test_every_route_is_for_signed_in_admins_with_the_form_token(content: Orienta) -> None:
    async with web_client(content) as anonymous:
        for url in GETS:
            response = await anonymous.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/console/login?next="), url
        for url in POSTS:
            assert (await anonymous.post(url, data={"id": "x"})).status_code == 401, url
    async with signed_in(content, "mo") as c:
        for url in GETS:
            assert (await c.get(url)).status_code == 403, url
        for url in POSTS:
            assert (await c.post(url, {"id": "x"})).status_code == 403, url
    async with signed_in(content, "ada") as c:
        for url in GETS:
            assert (await c.get(url)).status_code == 200, url
        for url in POSTS:
            response = await c.http.post(url, data={"id": "x", "csrf": "forged"})
            assert response.status_code == 403, url
            assert (await c.http.post(url, data={"id": "x"})).status_code == 403, url
    assert StaffBook(content.store).audit_entries(action="slot.remove") == []
    assert StaffBook(content.store).audit_entries(action="appointment.cancel") == []
