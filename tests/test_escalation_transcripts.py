"""What people are told when they ask for a person, whole conversations through the
runner: their place in the queue, when someone answers outside working hours with the
offices' hours, a second request joining the first, the emergency numbers of their
region, photos passed on while waiting, and the bot's own misunderstandings escalated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.app import Orienta, prepare_content
from bot.domain.hours import hours_to_json, parse_hours
from bot.i18n import format_moment
from bot.store.cases import CaseBook
from tests.dialog import Dialog, bare

SATURDAY = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)  # 16:00 in Rome


@pytest.fixture
def ready(orienta: Orienta) -> Orienta:
    prepare_content(orienta.settings, orienta.store, SATURDAY.date())
    orienta.runner.clock = lambda: SATURDAY
    book = CaseBook(orienta.store)
    weekdays = hours_to_json(parse_hours("mon-fri 09:00-17:00"))
    book.add_mediator("Amina", ["ar", "fr"], weekdays, "Europe/Rome", SATURDAY)
    book.add_mediator(
        "Olena", ["uk"], hours_to_json(parse_hours("always")), "Europe/Kyiv", SATURDAY
    )
    return orienta


async def start(dialog: Dialog, lang: str, name: str) -> None:
    await dialog.say("/start")
    await dialog.press(name)
    await dialog.press(dialog.t(lang, "consent.agree"))


def case_of(dialog: Dialog) -> tuple[CaseBook, int]:
    book = CaseBook(dialog.orienta.store)
    user = dialog.orienta.store.user("memory", dialog.chat_id)
    assert user is not None
    case = book.open_case_of(user.id)
    assert case is not None
    return book, case.id


async def test_on_duty_queue_position_and_joining(ready: Orienta) -> None:
    first, second = Dialog(ready, "u1"), Dialog(ready, "u2")
    for dialog in (first, second):
        await start(dialog, "uk", "Українська")
        await dialog.say("/mediator")
    assert bare(first.texts()[0]) == first.t("uk", "case.opened", position="1")
    assert bare(second.texts()[0]) == second.t("uk", "case.opened", position="2")
    assert {b.data for b in second.buttons()} >= {"menu", "human"}  # the bot still helps
    await second.say("/mediator")
    assert bare(second.texts()[0]) == second.t("uk", "case.joined", position="2")
    # While waiting, a photo is passed on (not "I cannot read photos").
    await second.media("media")
    assert second.texts() == [second.t("uk", "case.passed_on")]
    book, case_id = case_of(second)
    assert [(m.author, m.kind) for m in book.transcript(case_id)] == [
        ("person", "command"),
        ("person", "media"),
    ]
    # Commands are not the person's words: the summary lists none of them.
    assert book.case(case_id).summary["words"] == []  # type: ignore[union-attr]


async def test_off_hours_says_when_and_where(ready: Orienta) -> None:
    dialog = Dialog(ready, "u3")
    await start(dialog, "fr", "Français")
    await dialog.press_data("k:r:guidonia")  # the region, as the rights answers ask it
    await dialog.say("/mediator")
    texts = [bare(t) for t in dialog.texts()]
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Rome
    assert texts[0] == dialog.t(
        "fr", "case.opened_later", when=bare(format_moment(monday, "Europe/Rome", "fr"))
    )
    assert texts[1].startswith(dialog.t("fr", "case.office_hours", offices="").strip())
    assert "Via Montelucci 4" in texts[1] and "09:00–12:00" in texts[1]
    assert "Anderlecht" not in texts[1]  # only the offices of the person's region


async def test_nobody_for_the_language(ready: Orienta) -> None:
    dialog = Dialog(ready, "u4")
    await start(dialog, "fi", "Suomi")
    await dialog.say("/mediator")
    texts = [bare(t) for t in dialog.texts()]
    assert texts[0] == dialog.t("fi", "case.opened_nobody")
    assert "Oulu" in texts[1]  # the offices, those speaking Finnish first
    # Writing again while it waits: where it stands, said shorter, and nothing that
    # says a person is on the way (nobody is).
    await dialog.say("onko siellä ketään?")
    again = [bare(t) for t in dialog.texts()]
    assert again[0] == dialog.t("fi", "case.still_nobody")
    assert dialog.t("fi", "case.opened_nobody") not in again
    assert not any("Oulu" in t for t in again)  # the offices were told once
    assert again[-1] == dialog.t("fi", "case.waiting")


async def test_emergency_numbers_of_the_region(ready: Orienta) -> None:
    dialog = Dialog(ready, "u5")
    await start(dialog, "ar", "العربية")
    await dialog.press_data("k:r:north_ostrobothnia")
    await dialog.say("/menu")
    await dialog.press(dialog.t("ar", "menu.emergency"))
    texts = [bare(t) for t in dialog.texts()]
    assert texts[0] == bare(dialog.t("ar", "emergency.numbers"))
    assert texts[1].startswith(
        dialog.t("ar", "case.numbers_region", region="X", numbers="").split("X")[0]
    )
    assert "080 005 005" in texts[1] and dialog.t("ar", "emergency.kind.violence") in texts[1]
    assert "1522" not in texts[1]  # not Italy's line
    # Saturday: no Arabic speaker works, but everyone on duty is alerted (Olena is).
    assert texts[2] == dialog.t("ar", "case.emergency_alerted")
    book, case_id = case_of(dialog)
    case = book.case(case_id)
    assert case is not None and case.urgency == "emergency" and case.reason == "emergency"
    assert case.region == "north_ostrobothnia"


async def test_misunderstood_twice_then_a_person(ready: Orienta) -> None:
    dialog = Dialog(ready, "u6")
    await start(dialog, "it", "Italiano")
    await dialog.say("zxqv blorp")
    await dialog.say("qqq wwww")
    assert dialog.texts()[-1] == dialog.t("it", "fallback.offer")
    await dialog.press(dialog.t("it", "button.human"))
    book, case_id = case_of(dialog)
    case = book.case(case_id)
    assert case is not None and case.reason == "misunderstood" and case.language == "it"
    assert case.summary["words"][-2:] == ["zxqv blorp", "qqq wwww"]
    assert case.summary["bot_messages"] >= 2  # counted, not listed


async def test_when_the_store_fails_danger_still_gets_the_numbers(
    orienta: Orienta, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    for method in ("unit", "context"):  # the turn's unit of work, and its first read
        monkeypatch.setattr(orienta.store, method, database_down)
    dialog = Dialog(orienta, "u9", language_code="fr")
    await dialog.say("je veux me suicider")
    assert dialog.texts() == [dialog.t("fr", "emergency.numbers"), dialog.t("fr", "error.internal")]
    await dialog.say("bonjour")
    assert dialog.texts() == [dialog.t("fr", "error.internal")]


async def test_when_the_store_fails_the_apology_is_in_the_persons_language(
    orienta: Orienta, monkeypatch: pytest.MonkeyPatch
) -> None:
    def database_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    for method in ("unit", "context"):  # the turn's unit of work, and its first read
        monkeypatch.setattr(orienta.store, method, database_down)
    dialog = Dialog(orienta, "u10")  # no client language: the text decides
    await dialog.say("Доброго дня, мені потрібна допомога з житлом для моєї родини")
    assert dialog.texts() == [dialog.t("uk", "error.internal")]
    await dialog.say("مرحبا، أحتاج إلى مساعدة في العثور على سكن لعائلتي")
    assert dialog.texts() == [dialog.t("ar", "error.internal")]
    assert dialog.last[0].direction == "rtl"


async def test_an_away_mediator_is_not_on_duty_for_an_emergency(ready: Orienta) -> None:
    """Olena is the only one working on Saturday; switched away, an emergency alerts
    nobody, and a person writing in Ukrainian is not told someone is coming."""
    from bot.services.staff_accounts import StaffAccounts
    from tests.web.staff import account

    olena = next(m for m in CaseBook(ready.store).mediators() if m.name == "Olena")
    user = account(ready, "olena", "mediator", mediator_id=olena.id)
    StaffAccounts(ready.store).set_away(user, True, SATURDAY)
    assert CaseBook(ready.store).on_duty(SATURDAY) == []
    dialog = Dialog(ready, "u7")
    await start(dialog, "ar", "العربية")
    await dialog.say("/menu")
    await dialog.press(dialog.t("ar", "menu.emergency"))
    texts = [bare(t) for t in dialog.texts()]
    assert dialog.t("ar", "case.emergency_nobody") in texts
    assert dialog.t("ar", "case.emergency_alerted") not in texts
    asking = Dialog(ready, "u8")
    await start(asking, "uk", "Українська")
    await asking.say("/mediator")
    assert bare(asking.texts()[0]) == asking.t("uk", "case.opened_nobody")  # not "opened"
    # Back: on duty again.
    StaffAccounts(ready.store).set_away(user, False, SATURDAY)
    assert [m.name for m in CaseBook(ready.store).on_duty(SATURDAY)] == ["Olena"]


ASKED_BEFORE_CONSENT = {
    "fr": "Bonjour, je voudrais parler avec une personne s'il vous plaît",
    "uk": "Добрий день, я хочу поговорити з людиною, будь ласка",
    "ar": "مرحبا، أريد التحدث مع شخص من فضلك",
}


@pytest.mark.parametrize("lang", sorted(ASKED_BEFORE_CONSENT))
async def test_asking_for_a_person_before_consent_reaches_the_summary(
    ready: Orienta, lang: str
) -> None:
    """Someone who asks for a person before the consent question, then agrees: the case
    opens right after the consent and its summary carries their words — never "the
    person did not agree to keep their messages"."""
    from tests.dialog import NAMES

    person = Dialog(ready, f"asked-{lang}")
    await person.say("/start")
    await person.say(ASKED_BEFORE_CONSENT[lang])
    await person.press(NAMES[lang])
    await person.press(person.t(lang, "consent.agree"))
    book, case_id = case_of(person)
    case = book.case(case_id)
    assert case is not None
    assert case.summary["words"] == [ASKED_BEFORE_CONSENT[lang]]
    assert case.summary["consented"] is True


async def test_a_summary_without_words_tells_apart_declined_and_not_typed(ready: Orienta) -> None:
    """ "No message kept: the person did not agree" only when they did not agree."""
    from bot.services.casework import summary_text

    person = Dialog(ready, "no-words")
    await start(person, "fr", "Français")
    await person.say("/mediator")
    book, case_id = case_of(person)
    case = book.case(case_id)
    assert case is not None
    t = ready.catalogs.translator("en")
    text = summary_text(case, t, {}, "Europe/Rome")
    assert t.gettext("staff.no_words") in text
    assert t.gettext("staff.no_bodies") not in text


async def test_emergency_numbers_where_the_region_is_not_known(ready: Orienta) -> None:
    """Nobody knows where the person is yet: one short line per region — its name and
    numbers, no services' names or addresses — so their own is quick to find."""
    dialog = Dialog(ready, "u-anywhere")
    await start(dialog, "fr", "Français")
    await dialog.say("mon mari me frappe et j'ai peur")
    numbers = next(
        t for t in dialog.texts() if t.startswith(dialog.t("fr", "case.numbers_all", numbers=""))
    )
    lines = bare(numbers).splitlines()[1:]
    with ready.store.session() as session:
        regions = session.execute(text("SELECT id FROM regions")).all()
    assert len(lines) == len(regions) >= 2
    assert all(line.startswith("• ") and "☎️" in line for line in lines)
    assert "📍" not in numbers
