"""Where features meet (issue 16): consent before anything, a question typed before
consent answered right after it, Russian met with a choice, a weak crisis signal asked
about, in every served language and on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Orienta
from tests.dialog import NAMES, Dialog, bare, consent

QUESTIONS = {
    "fr": "Bonjour, j'ai besoin d'aide pour trouver un logement pour ma famille",
    "it": "Buongiorno, ho bisogno di aiuto per trovare una casa per la mia famiglia",
    "fi": "Hei, tarvitsen apua asunnon löytämisessä minun perheelleni",
    "uk": "Добрий день, мені потрібна допомога, щоб знайти житло для моєї родини",
    "ar": "مرحبا، أحتاج إلى مساعدة في العثور على سكن لعائلتي",
}


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_a_question_before_consent_is_answered_right_after_it(
    orienta: Orienta, lang: str
) -> None:
    person = Dialog(orienta, "held")
    await person.say("/start")
    await person.say(QUESTIONS[lang])
    t = lambda msgid, **p: person.t(lang, msgid, **p)  # noqa: E731
    assert person.texts() == [t("welcome.held"), t("welcome.choose_language")]
    user = orienta.store.user("memory", "held")
    assert user is not None and user.consent_at is None
    # Nothing the person wrote is kept before consent: no stored message body.
    held = orienta.store.conversation("memory", "held", None, datetime.now(UTC))
    assert not [m for m in orienta.store.messages(held.id) if m.body]
    await person.press(NAMES[lang])
    assert person.texts() == [t("welcome.privacy")]
    await person.press(t("consent.agree"))
    after = person.texts()
    assert after[0] == t("welcome.consent_thanks")
    assert t("menu.topics") not in after  # no topics menu: the question is answered

    # The question is answered: a housing answer (an article, or that a person can help).
    assert len(after) > 1 and t("fallback.not_understood") not in after
    record = orienta.store.conversation("memory", "held", None, datetime.now(UTC))
    assert record.state["vars"].get("topic") == "housing"
    assert "_held" not in record.state["vars"]


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_a_greeting_is_not_a_welcome_back_and_declining_erases_the_question(
    orienta: Orienta, lang: str
) -> None:
    person = Dialog(orienta, "greeter")
    await person.say("/start")
    await person.say(QUESTIONS[lang])
    await person.press(NAMES[lang])
    await person.press(person.t(lang, "consent.decline"))
    assert person.texts()[0] == person.t(lang, "welcome.consent_declined")
    record = orienta.store.conversation("memory", "greeter", None, datetime.now(UTC))
    assert "_held" not in record.state.get("vars", {})
    assert all("again" not in x.lower() for x in person.texts())


async def test_an_unanswered_held_question_is_erased_after_the_holding_time(
    orienta: Orienta,
) -> None:
    """Someone who types a question and never answers the consent step: the retention job
    erases the held question once it has waited ``held_hours``; a recent one stays."""
    from bot.engine.core import HELD_VARS
    from bot.store.retention import erase_held

    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    orienta.runner.clock = lambda: now[0]
    people = {chat: Dialog(orienta, chat) for chat in ("gone", "recent")}
    for person in people.values():
        await person.say("/start")
        await person.say(QUESTIONS["fr"])
        now[0] += timedelta(hours=20)
    hours = orienta.settings.held_hours

    def held(chat: str) -> str:
        record = orienta.store.conversation("memory", chat, None, now[0])
        return str(record.state.get("vars", {}).get("_held", ""))

    assert held("gone") and held("recent")
    assert erase_held(orienta.store, now[0] - timedelta(hours=hours), HELD_VARS) == 1
    assert held("gone") == "" and held("recent") == QUESTIONS["fr"]
    assert erase_held(orienta.store, now[0] - timedelta(hours=hours), HELD_VARS) == 0
    # Consenting later: a plain welcome, the erased question is not answered.
    person = people["gone"]
    await person.press(NAMES["fr"])
    await person.press(person.t("fr", "consent.agree"))
    assert person.t("fr", "menu.topics") in person.texts()


async def test_greeting_before_consent_keeps_the_welcome(orienta: Orienta) -> None:
    person = Dialog(orienta, "hello")
    await person.say("/start")
    await person.say("hello")
    texts = person.texts()
    assert person.t("en", "smalltalk.hello") not in texts
    assert texts[-1] == person.t("en", "welcome.choose_language")
    # The language buttons still work: no "this button is old".
    await person.press(NAMES["ar"])
    assert person.texts() == [person.t("ar", "welcome.privacy")]
    assert person.last[0].direction == "rtl"


async def test_menu_button_before_consent_reoffers_the_step(orienta: Orienta) -> None:
    person = Dialog(orienta, "menu")
    await person.say("/start")
    await person.press(NAMES["fi"])
    await person.press_data("menu")
    assert person.texts() == [person.t("fi", "welcome.privacy")]


async def test_russian_first_message_gets_the_choice_with_a_ukrainian_note(
    orienta: Orienta,
) -> None:
    person = Dialog(orienta, "ru", language_code="ru")
    await person.say("Здравствуйте, мне нужна помощь, где можно найти квартиру для семьи?")
    assert person.texts() == [
        person.t("uk", "language.not_served"),
        person.t("uk", "language.choose"),
    ]
    labels = [b.text for b in person.buttons()]
    assert all(name in labels for name in NAMES.values())
    await person.press(NAMES["uk"])
    assert person.texts()[-1] == person.t("uk", "welcome.privacy")
    await person.press(person.t("uk", "consent.agree"))
    assert person.texts()[0] == person.t("uk", "welcome.consent_thanks")


async def test_russian_after_choosing_ukrainian_is_answered_in_ukrainian(
    orienta: Orienta,
) -> None:
    """Someone who chose Ukrainian and then writes Russian is not sent back to the
    language choice: the request is understood and answered in Ukrainian."""
    person = Dialog(orienta, "ru-later", language_code="ru")
    await consent(person, "uk")
    await person.say("удалите все мои данные пожалуйста")
    texts = person.texts()
    assert person.t("uk", "language.not_served") not in texts
    assert person.t("uk", "language.choose") not in texts
    record = orienta.store.conversation("memory", "ru-later", None, datetime.now(UTC))
    assert record.state["lang"] == "uk"
    assert record.state["stack"][-1][0] in ("forget", "privacy")  # my data, or erase it


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_waiting_for_a_person(orienta: Orienta, lang: str) -> None:
    """While a request waits: "is anyone there?" hears that a person is coming, with
    the way to danger help and to cancel; reopening the chat picks up there; the
    request can be cancelled by a button."""
    person = Dialog(orienta, "waiting")
    await consent(person, lang)
    await person.say("/mediator")
    t = lambda msgid, **p: person.t(lang, msgid, **p)  # noqa: E731
    await person.say("???")
    texts = [bare(x) for x in person.texts()]
    assert t("fallback.not_understood") not in texts
    assert texts[-1] == t("case.waiting")
    labels = [b.text for b in person.buttons()]
    assert f"🆘 {t('menu.emergency')}" in labels and f"✖️ {t('case.withdraw')}" in labels
    await person.say("/start")
    assert person.texts()[-1] == t("case.waiting")
    assert t("welcome.again") not in person.texts()
    await person.press(t("case.withdraw"))
    assert person.texts()[0] == t("case.withdrawn")
    user = orienta.store.user("memory", "waiting")
    assert user is not None
    from bot.store.cases import CaseBook

    assert CaseBook(orienta.store).open_case_of(user.id) is None
    await person.say("/start")
    assert person.texts()[0] == t("welcome.again")


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_my_data_and_forget_by_buttons(orienta: Orienta, lang: str) -> None:
    person = Dialog(orienta, "data")
    await consent(person, lang)
    t = lambda msgid, **p: person.t(lang, msgid, **p)  # noqa: E731
    await person.say("/help")
    await person.press(t("privacy.my_data"))
    assert person.texts() == [t("welcome.privacy_details"), t("privacy.choose")]
    await person.press(t("privacy.delete"))
    assert person.texts() == [t("forget.confirm")]
    await person.press(t("forget.yes"))
    assert person.texts() == [t("forget.done")]
    assert orienta.store.user("memory", "data") is None


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_sos_pressed_by_mistake_is_taken_back(orienta: Orienta, lang: str) -> None:
    """🆘 shows the numbers and alerts the team at once; "pressed by mistake" then takes
    the request back (the team is told) and the bot answers as before."""
    from bot.store.cases import CaseBook

    person = Dialog(orienta, "sos")
    await consent(person, lang)
    t = lambda msgid, **p: person.t(lang, msgid, **p)  # noqa: E731
    await person.press(f"🆘 {t('menu.emergency')}")
    texts = [bare(x) for x in person.texts()]
    assert texts[0] == bare(t("emergency.numbers")) and texts[-1] == t("emergency.undo_offer")
    user = orienta.store.user("memory", "sos")
    assert user is not None
    case = CaseBook(orienta.store).open_case_of(user.id)
    assert case is not None and case.urgency == "emergency"
    await person.press(t("emergency.mistake"))
    assert person.texts()[0] == t("case.withdrawn")
    assert CaseBook(orienta.store).open_case_of(user.id) is None
    events = [e.kind for e in CaseBook(orienta.store).pending_events(case.id)]
    assert events[-1] == "withdrawn"  # the team learns it was a mistake
    # A crisis written in words is never offered the undo.
    await person.say("/menu")
    await person.say("I want to kill myself tonight")
    assert t("emergency.undo_offer") not in [bare(x) for x in person.texts()]


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_sos_by_mistake_keeps_an_earlier_request_for_a_person(
    orienta: Orienta, lang: str
) -> None:
    """Waiting for a person, then 🆘 pressed and taken back: the earlier request stands
    (back in the queue as it was, the team told), it is not cancelled."""
    from bot.store.cases import CaseBook

    book = CaseBook(orienta.store)
    person = Dialog(orienta, "waits")
    await consent(person, lang)
    t = lambda msgid, **p: person.t(lang, msgid, **p)  # noqa: E731
    await person.say("/mediator")
    user = orienta.store.user("memory", "waits")
    assert user is not None
    asked = book.open_case_of(user.id)
    assert asked is not None and asked.urgency == "normal"
    await person.say("/menu")
    await person.press(f"🆘 {t('menu.emergency')}")
    raised = book.open_case_of(user.id)
    assert raised is not None and raised.id == asked.id and raised.urgency == "emergency"
    await person.press(t("emergency.mistake"))
    assert bare(person.texts()[0]) == t("case.sos_taken_back", position="1")
    back = book.open_case_of(user.id)
    assert back is not None and back.id == asked.id and back.status == "queued"
    assert (back.urgency, back.reason) == ("normal", asked.reason)
    assert not back.summary.get("sos_button")
    events = [e.kind for e in book.pending_events(asked.id)]
    assert events[-2:] == ["urgency", "lowered"]  # the team saw the alarm and its end


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_an_emergency_case_closes_with_the_way_back_to_help(
    orienta: Orienta, lang: str
) -> None:
    """A mediator closes an emergency case: no 1–5 rating, but how to get help again,
    with a working 🆘 button."""
    from bot.domain.hours import hours_to_json, parse_hours
    from bot.serve import case_relay
    from bot.store.cases import CaseBook

    book = CaseBook(orienta.store)
    now = datetime.now(UTC)
    mediator = book.add_mediator("Sam", [lang], hours_to_json(parse_hours("always")), "UTC", now)
    person = Dialog(orienta, "crisis")
    await consent(person, lang)
    t = lambda msgid, **p: person.t(lang, msgid, **p)  # noqa: E731
    await person.press(f"🆘 {t('menu.emergency')}")
    user = orienta.store.user("memory", "crisis")
    assert user is not None
    case = book.open_case_of(user.id)
    assert case is not None and case.urgency == "emergency"
    book.claim(case.id, mediator.id, now)
    book.finish(case.id, mediator.id, "closed", now)
    await case_relay(orienta, {"memory": person.channel}).run_once()
    person.last = person.channel.take(person.chat_id)
    texts = [bare(x) for x in person.texts()]
    assert t("case.closed_emergency") in texts and t("case.rate") not in texts
    await person.press(f"🆘 {t('menu.emergency')}")
    assert bare(person.texts()[0]) == bare(t("emergency.numbers"))
    again = book.open_case_of(user.id)
    assert again is not None and again.urgency == "emergency"


@pytest.mark.parametrize("lang", sorted(QUESTIONS))
async def test_reopening_the_chat_with_a_mediator(orienta: Orienta, lang: str) -> None:
    """/start sent by the client while a mediator holds the case: the person is told a
    mediator is with them, and the mediator never sees "/start" as if it were typed."""
    from bot.domain.hours import hours_to_json, parse_hours
    from bot.store.cases import CaseBook

    book = CaseBook(orienta.store)
    now = datetime.now(UTC)
    mediator = book.add_mediator("Sam", [lang], hours_to_json(parse_hours("always")), "UTC", now)
    person = Dialog(orienta, "reopen")
    await consent(person, lang)
    await person.say("/mediator")
    user = orienta.store.user("memory", "reopen")
    assert user is not None
    case = book.open_case_of(user.id)
    assert case is not None
    book.claim(case.id, mediator.id, now)
    await person.say("/start")
    assert person.texts() == [person.t(lang, "case.with_mediator")]
    assert all(m.body != "/start" for m in book.transcript(case.id))


#: A request for another language that names it, as people write it: (from, text, to).
NAMED = [
    ("fr", "3arbiya 3afak", "ar"),
    ("fr", "بالعربية من فضلك", "ar"),
    ("ar", "en français svp", "fr"),
    ("uk", "italiano per favore", "it"),
    ("it", "voisitko puhua suomeksi", "fi"),
    ("fi", "українською, будь ласка", "uk"),
]


@pytest.mark.parametrize(("start", "text", "lang"), NAMED)
async def test_a_named_language_is_switched_to_at_once(
    orienta: Orienta, start: str, text: str, lang: str
) -> None:
    """ "3arbiya 3afak" switches to Arabic (with the way back), not to the language menu."""
    person = Dialog(orienta, f"named-{start}-{lang}")
    await consent(person, start)
    await person.say(text)
    texts = [bare(x) for x in person.texts()]
    assert person.t(start, "welcome.choose_language") not in texts
    assert person.t(lang, "welcome.choose_language") not in texts
    record = orienta.store.conversation("memory", person.chat_id, None, datetime.now(UTC))
    assert record.state["lang"] == lang
    assert any(b.data == f"lang:{start}" for b in person.buttons())  # the way back
