"""Field report (issue 16), items 6 and 11, as whole conversations in every served
language: offices are chosen for the person's region (asked once, remembered,
changeable), then their country; another country only when they ask; "nothing near
you" said honestly with the way on; "another office" never the same office. Booking
by buttons alone: a day to choose, times earlier and later, "back" on every step;
each situation with its own icon and an honest "none of these"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import Orienta, load_content_files
from bot.domain.calendar import day_label, day_title
from bot.domain.content import RegionDef, local_name
from bot.i18n import format_short_moment, isolate
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook
from bot.store.content import publish_content
from bot.store.knowledge import KnowledgeStore
from bot.store.slots import SlotBook
from tests.dialog import Dialog, bare, consent


@pytest.fixture
def italy(orienta: Orienta) -> Orienta:
    """The example content and one more Italian region, Rome, whose office offers
    housing help and first orientation (Guidonia's offers no housing help)."""
    today = datetime.now(UTC).date()
    content = load_content_files(orienta.settings, today)
    guidonia = next(r for r in content.regions if r.id == "guidonia")
    desk = next(o for o in content.offices if o.id == "guidonia_segretariato")
    housing = next(s for s in content.offices[1].services if s.service == "housing_help")
    rome = RegionDef("roma", {lang: "Roma" for lang in guidonia.name}, "IT", "Europe/Rome")
    rome_desk = replace(
        desk,
        id="roma_casa",
        name={lang: f"Roma – {name}" for lang, name in desk.name.items()},
        region="roma",
        address="Via Roma 1, 00100 Roma",
        services=(desk.services[0], replace(housing, hours=None)),
    )
    publish_content(
        orienta.store,
        replace(
            content,
            regions=(*content.regions, replace(rome, emergency=guidonia.emergency)),
            offices=(*content.offices, rome_desk),
        ),
    )
    SlotBook(orienta.store).generate_slots(today, orienta.settings.booking_days)
    return orienta


def _datas(dialog: Dialog, prefix: str = "") -> list[str]:
    return [b.data for b in dialog.buttons() if b.data.startswith(prefix)]


def _offices(dialog: Dialog) -> list[str]:
    """The offices offered (not "back", which may return to one)."""
    return [b.data for b in dialog.buttons() if b.data.startswith("b:o:") and "⬅️" not in b.text]


async def _back(dialog: Dialog, lang: str) -> str:
    """Press "back" (not "back to menu"); the data it carried."""
    label = f"⬅️ {dialog.t(lang, 'booking.back')}"
    (data,) = [b.data for b in dialog.buttons() if bare(b.text) == label]
    await dialog.press_data(data)
    return data


def _names(orienta: Orienta, lang: str) -> dict[str, str]:
    """Office, service and region ids to their names in ``lang``."""
    book = AppointmentBook(orienta.store)
    names = {o.id: local_name(o.name, lang) for o in book.offices()}
    names |= {s.id: local_name(s.name, lang) for s in book.services()}
    return names | {r.id: local_name(r.name, lang) for r in KnowledgeStore(orienta.store).regions()}


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_guidonia_is_never_sent_to_brussels(ready: Orienta, lang: str) -> None:
    """The report's case: housing help is offered only in Brussels."""
    dialog = Dialog(ready, chat_id=f"guidonia-{lang}")
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    names = _names(ready, lang)
    await consent(dialog, lang)
    await dialog.press_data("b:new")
    await dialog.press_data("b:s:housing_help")
    # where the person lives is asked (offices are in four regions), every way by buttons
    assert dialog.texts() == [t("booking.ask_region")]
    assert _datas(dialog, "b:g:") == [
        "b:g:guidonia",
        "b:g:anderlecht",
        "b:g:north_ostrobothnia",
        "b:g:israel",
        "b:g:morocco",
        "b:g:all",
    ]
    assert {"b:new", "menu", "human"} <= set(_datas(dialog))
    assert dialog.button(names["guidonia"]).text.startswith("📍")
    await dialog.press_data("b:g:guidonia")
    # nothing in Guidonia nor in Italy: said so, and a person in the person's language
    assert dialog.texts() == [
        t(
            "booking.none_in_region",
            service=isolate(names["housing_help"]),
            region=isolate(names["guidonia"]),
        )
    ]
    assert _offices(dialog) == [] and _datas(dialog, "b:t:") == []
    assert {"b:g", "b:w:housing_help", "b:new", "menu", "human"} <= set(_datas(dialog))
    # another country only when asked, and said to be one
    await dialog.press(t("booking.abroad_button"))
    assert dialog.texts() == [t("booking.abroad", service=isolate(names["housing_help"]))]
    assert _offices(dialog) == ["b:o:anderlecht_task_force_ukraine"]
    await _back(dialog, lang)
    # the region is remembered: not asked again, by booking or by the rights answers
    assert dialog.texts()[0] == t(
        "booking.none_in_region",
        service=isolate(names["housing_help"]),
        region=isolate(names["guidonia"]),
    )
    await dialog.press_data("b:s:orientation")  # offered in Guidonia: its times at once
    assert bare(dialog.texts()[0]).startswith(f"🏢 {names['guidonia_segretariato']}\n")
    assert "Via Montelucci 4" in dialog.texts()[0]
    assert len(_datas(dialog, "b:t:")) == 6
    assert _datas(dialog, "b:a:") == []  # no other office in Italy: no "another office"
    await dialog.press(t("button.menu"))
    await dialog.press(t("menu.housing"))
    assert dialog.texts() == [t("kb.ask_audience")]


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_region_changeable_and_somewhere_else(ready: Orienta, lang: str) -> None:
    dialog = Dialog(ready, chat_id=f"moved-{lang}")
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    names = _names(ready, lang)
    await consent(dialog, lang)
    await dialog.press_data("b:s:housing_help")
    await dialog.press_data("b:g:morocco")  # no office at all in Morocco
    assert dialog.texts()[0] == t(
        "booking.none_in_region",
        service=isolate(names["housing_help"]),
        region=isolate(names["morocco"]),
    )
    await dialog.press(t("booking.change_region"))
    assert dialog.texts() == [t("booking.ask_region")]
    await dialog.press(t("booking.region_other"))  # "somewhere else": nothing is near
    assert dialog.texts() == [t("booking.none_near", service=isolate(names["housing_help"]))]
    await dialog.press_data("b:g")
    await dialog.press_data("b:g:anderlecht")
    # the one office of the region: its times, and no "another office" that loops back
    assert bare(dialog.texts()[0]).startswith(f"🏢 {names['anderlecht_task_force_ukraine']}\n")
    assert _datas(dialog, "b:a:") == [] and len(_datas(dialog, "b:t:")) == 6
    assert "b:new" in _datas(dialog)  # back to the services


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_other_offices_are_in_the_same_country_and_never_this_one(
    italy: Orienta, lang: str
) -> None:
    dialog = Dialog(italy, chat_id=f"italy-{lang}")
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    names = _names(italy, lang)
    await consent(dialog, lang)
    await dialog.press_data("b:s:orientation")
    await dialog.press_data("b:g:guidonia")
    # the region's own office first, at once
    assert bare(dialog.texts()[0]).startswith(f"🏢 {names['guidonia_segretariato']}\n")
    await dialog.press(t("booking.other_office"))
    assert dialog.texts() == [t("booking.other_offices", service=isolate(names["orientation"]))]
    assert _offices(dialog) == ["b:o:roma_casa"]  # Italy only, never the same office
    assert "b:w:orientation" in _datas(dialog)  # other countries: only if the person asks
    await dialog.press_data("b:o:roma_casa")
    assert bare(dialog.texts()[0]).startswith(f"🏢 {names['roma_casa']}\n")
    assert dialog.button(t("booking.other_office")).data == "b:a:roma_casa"
    assert _datas(dialog, "b:a:") == ["b:a:roma_casa", "b:a:guidonia_segretariato"]  # + back
    await dialog.press_data("b:a:roma_casa")
    assert _offices(dialog) == ["b:o:guidonia_segretariato"]
    await _back(dialog, lang)
    assert bare(dialog.texts()[0]).startswith(f"🏢 {names['roma_casa']}\n")
    # housing help is not in Guidonia: the nearest, in Italy, and not Brussels
    await dialog.press_data("b:s:housing_help")
    assert dialog.texts() == [
        t(
            "booking.nearest_offices",
            service=isolate(names["housing_help"]),
            region=isolate(names["guidonia"]),
        )
    ]
    assert _offices(dialog) == ["b:o:roma_casa"]
    assert {"b:g", "b:new", "menu", "human"} <= set(_datas(dialog))


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_choose_a_day_and_page_both_ways(ready: Orienta, lang: str) -> None:
    dialog = Dialog(ready, chat_id=f"days-{lang}")
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    names = _names(ready, lang)
    book = AppointmentBook(ready.store)
    office = book.office("anderlecht_task_force_ukraine")
    assert office is not None
    await consent(dialog, lang)
    await dialog.press_data("b:s:housing_help")
    await dialog.press_data("b:g:anderlecht")
    first_page = _datas(dialog, "b:t:")
    assert len(first_page) == 6 and _datas(dialog, "b:p:") == []  # nothing earlier
    # later, then earlier again: the same first page
    await dialog.press(t("booking.later"))
    second_page = _datas(dialog, "b:t:")
    assert second_page and not set(second_page) & set(first_page)
    await dialog.press(t("booking.earlier"))
    assert _datas(dialog, "b:t:") == first_page
    # choose a day: the next days with free times, named in the person's language
    await dialog.press(t("booking.choose_day"))
    assert dialog.texts() == [
        t(
            "booking.days",
            office=isolate(names["anderlecht_task_force_ukraine"]),
            service=isolate(names["housing_help"]),
        )
    ]
    days = [b for b in dialog.buttons() if b.data.startswith("b:y:")]
    assert len(days) == 8
    soon = datetime.now(UTC) + timedelta(hours=1)  # the booking notice
    free = book.free_slots(office.id, "housing_help", soon, soon + timedelta(days=28), 500)
    expected = list(
        dict.fromkeys(s.starts_at.astimezone(ZoneInfo(office.timezone)).date() for s in free)
    )
    assert [b.data for b in days] == [f"b:y:{d:%Y%m%d}" for d in expected[:8]]
    assert [bare(b.text) for b in days] == [f"📆 {day_label(d, lang)}" for d in expected[:8]]
    # later days and back
    await dialog.press(t("booking.later_days"))
    assert _datas(dialog, "b:y:")[0] == f"b:y:{expected[8]:%Y%m%d}"
    await dialog.press(t("booking.earlier_days"))
    assert _datas(dialog, "b:y:")[0] == f"b:y:{expected[0]:%Y%m%d}"
    # a day: its times only, and back to the days
    second = expected[1]
    await dialog.press_data(f"b:y:{second:%Y%m%d}")
    assert dialog.texts()[0] == t(
        "booking.slots_day",
        office=isolate(names["anderlecht_task_force_ukraine"]),
        address=isolate(office.address),
        service=isolate(names["housing_help"]),
        day=isolate(day_title(second, lang)),
    )
    that_day = [
        s for s in free if s.starts_at.astimezone(ZoneInfo(office.timezone)).date() == second
    ]
    shown = [b for b in dialog.buttons() if b.data.startswith("b:t:")]
    assert [b.data for b in shown] == [f"b:t:{s.id}" for s in that_day[:6]]
    assert bare(shown[0].text) == (
        f"🕘 {format_short_moment(that_day[0].starts_at, office.timezone, lang)}"
    )
    assert "b:d" not in _datas(dialog)  # the day is chosen already
    await _back(dialog, lang)
    assert dialog.texts()[0] == t(
        "booking.days",
        office=isolate(names["anderlecht_task_force_ukraine"]),
        service=isolate(names["housing_help"]),
    )
    # back from the days: all the times again
    await _back(dialog, lang)
    assert _datas(dialog, "b:t:") == first_page


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_every_step_has_back_and_situations_have_their_own_icons(
    italy: Orienta, lang: str
) -> None:
    dialog = Dialog(italy, chat_id=f"back-{lang}")
    t = lambda msgid, **p: dialog.t(lang, msgid, **p)  # noqa: E731
    await consent(dialog, lang)
    await dialog.press_data("b:new")
    await dialog.press_data("b:s:orientation")  # the region question
    assert "b:new" in _datas(dialog)
    await dialog.press_data("b:g:roma")  # one office in Rome: its times
    assert await _back(dialog, lang) == "b:new"
    assert dialog.texts() == [t("booking.choose_service")]
    await dialog.press_data("b:s:housing_help")  # Rome's office, at once
    first = _datas(dialog, "b:t:")[0]
    await dialog.press_data(first)
    await dialog.press(t("booking.other_times"))  # back from the confirmation
    assert _datas(dialog, "b:t:")[0] == first
    # the situations: each its own icon, and an honest last choice
    await dialog.press(t("button.menu"))
    await dialog.press(t("menu.health"))
    assert dialog.texts() == [t("kb.ask_audience")]
    situations = [b for b in dialog.buttons() if b.data.startswith("k:a:")]
    icons = [bare(b.text).split(" ")[0] for b in situations]
    assert len(set(icons)) == len(icons) == 5 and "👤" not in icons
    assert situations[-1].data == "k:a:general"
    general = next(a for a in KnowledgeStore(italy.store).audiences() if a.id == "general")
    assert bare(situations[-1].text) == f"❔ {general.name[lang]}"
    assert general.name["en"] == "None of these / other"


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_nobody_on_duty_names_only_offices_near_the_person(ready: Orienta, lang: str) -> None:
    """No mediator speaks the person's language: the offices named are never those of
    several countries (where they live not known) nor of another country (known)."""
    dialog = Dialog(ready, chat_id=f"case-{lang}")
    await consent(dialog, lang)
    await dialog.say("/mediator")
    offices = [text for text in dialog.texts() if "•" in text]
    countries = {"Montelucci": "IT", "Anderlecht": "BE", "Hanhitie": "FI", "העלייה": "IL"}
    seen = {c for text in offices for word, c in countries.items() if word in bare(text)}
    assert len(seen) <= 1
    speaks = {"it": {"IT"}, "fr": {"BE"}, "fi": {"FI"}}.get(lang, set())
    assert seen == speaks  # the offices speaking the person's language, when in one country
    # where they live known (from booking): that region's offices, whatever the language
    known = Dialog(ready, chat_id=f"case-known-{lang}")
    await consent(known, lang)
    await known.press_data("b:s:orientation")
    await known.press_data("b:g:north_ostrobothnia")
    await known.say("/mediator")
    texts = [bare(text) for text in known.texts() if "•" in text]
    assert texts and "Hanhitie" in texts[0]
    assert not any(word in texts[0] for word in ("Montelucci", "Anderlecht", "העלייה"))


def test_office_and_service_names_are_never_english_only(ready: Orienta) -> None:
    """Every office and service is named in every served language, or in the office's
    local language, never left in English."""
    book = AppointmentBook(ready.store)
    for service in book.services():
        for lang in SERVED_LANGUAGES:
            assert service.name[lang] and service.name[lang] != service.name["en"], service.id
    for office in book.offices():
        local = [office.name[lang] for lang in office.languages if lang in office.name]
        for lang in SERVED_LANGUAGES:
            name = office.name[lang]
            assert name and (name != office.name["en"] or name in local), (office.id, lang)
    israel = book.office("israel_klita_metiva")
    assert israel is not None and not israel.address.isascii()  # Hebrew, the local language


YES_NO = {
    "ar": ("نعم", "لا"),
    "fr": ("oui", "non"),
    "it": ("sì", "no"),
    "fi": ("kyllä", "ei"),
    "uk": ("так", "ні"),
}


async def _to_confirm(dialog: Dialog, lang: str) -> None:
    """By buttons, from the booking's start to "book this time?"."""
    await dialog.press_data("b:new")
    for _ in range(8):
        if any(bare(x).startswith(dialog.t(lang, "booking.confirm")[:12]) for x in dialog.texts()):
            return
        for prefix in ("b:t:", "b:o:", "b:g:", "b:s:", "b:y:"):
            if datas := _datas(dialog, prefix):
                await dialog.press_data(datas[0])
                break
        else:
            raise AssertionError(f"stuck: {dialog.texts()}")
    raise AssertionError("never asked to confirm")


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_yes_and_no_typed_at_a_booking_question(ready: Orienta, lang: str) -> None:
    """ "Yes" or "no" typed instead of pressed answers the question asked (book this
    time, cancel it) and is never read as a day."""
    yes, no = YES_NO[lang]
    person = Dialog(ready, f"typed-{lang}")
    await consent(person, lang)
    await _to_confirm(person, lang)
    await person.say(no)  # other times, not "which day?"
    assert _datas(person, "b:t:")
    assert person.t(lang, "booking.date_unclear") not in [bare(x) for x in person.texts()]
    await person.press_data(_datas(person, "b:t:")[0])
    await person.say(yes)
    user = ready.store.user("memory", f"typed-{lang}")
    assert user is not None
    [booked] = AppointmentBook(ready.store).upcoming(user.id, datetime.now(UTC))
    await person.say("/menu")
    await person.press_data("b:l")
    await person.press_data(f"b:x:{booked.id}")
    await person.say(yes)  # cancel it
    assert AppointmentBook(ready.store).upcoming(user.id, datetime.now(UTC)) == []
    await person.say(yes)  # nothing asked any more: not a second cancellation or booking
    assert AppointmentBook(ready.store).upcoming(user.id, datetime.now(UTC)) == []
