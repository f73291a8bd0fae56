"""The pure engine, without NLU, store or channel: (state, event) -> (state, actions)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.authoring.flowfiles import load_flows
from bot.engine.actions import CallService, RecordConsent, Say, SetLanguage
from bot.engine.core import EngineConfig, Outcome, step
from bot.engine.events import Command, Event, Press, ServiceResult, Text, Unreadable
from bot.engine.model import FlowSet
from bot.engine.state import Frame, State
from bot.settings import SERVED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
CONFIG = EngineConfig(served=SERVED_LANGUAGES)


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> FlowSet:
    folder = tmp_path_factory.mktemp("flows") / "flows"
    shutil.copytree(ROOT / "flows", folder)
    shutil.copy(ROOT / "tests/data/flows/valid/ask.yaml", folder / "ask.yaml")
    return load_flows(folder)


def says(outcome: Outcome) -> list[str]:
    return [a.text for a in outcome.actions if isinstance(a, Say)]


def run(flows: FlowSet, state: State, *events: Event) -> Outcome:
    outcome = Outcome(state)
    for event in events:
        outcome = step(flows, CONFIG, outcome.state, event)
    return outcome


CONSENTED = State(lang="fr", consent="given")


def test_start_asks_language_then_consent(flows: FlowSet) -> None:
    out = step(flows, CONFIG, State(), Command("start"))
    assert says(out) == ["welcome.hello", "welcome.choose_language"]
    assert out.state.waiting == "button" and out.state.frame == Frame("welcome", "choose_language")
    out = step(flows, CONFIG, out.state, Press(f"{out.state.seq}.3"))  # Suomi
    assert SetLanguage("fi") in out.actions and out.state.lang == "fi"
    out = step(flows, CONFIG, out.state, Press(f"{out.state.seq}.0"))  # agree
    assert RecordConsent(True) in out.actions
    assert says(out) == ["welcome.consent_thanks", "menu.topics"]


def test_engine_is_pure(flows: FlowSet) -> None:
    state = State(lang="it")
    first = step(flows, CONFIG, state, Command("start"))
    second = step(flows, CONFIG, state, Command("start"))
    assert first == second
    assert state == State(lang="it")


def test_state_round_trips_through_json(flows: FlowSet) -> None:
    out = run(flows, CONSENTED, Command("menu"))
    assert State.from_dict(out.state.to_dict()) == out.state


def test_text_before_consent_starts_welcome(flows: FlowSet) -> None:
    out = step(flows, CONFIG, State(), Text("bonjour", "greet", 0.9, lang="fr"))
    assert out.state.lang == "fr"
    assert says(out)[0] == "welcome.hello"


def test_menu_option_picked_by_intent_and_by_number(flows: FlowSet) -> None:
    menu = run(flows, CONSENTED, Command("menu"))
    by_intent = step(flows, CONFIG, menu.state, Text("aide logement", "rights_housing", 0.9))
    assert (
        CallService("knowledge", "start", {"topic": "housing", "lang": "fr"}) in by_intent.actions
    )
    by_number = step(flows, CONFIG, menu.state, Text("2", None, 0.0))
    assert by_number.state.vars["topic"] == "health"


def test_low_confidence_does_not_guess(flows: FlowSet) -> None:
    menu = run(flows, CONSENTED, Command("menu"))
    out = step(flows, CONFIG, menu.state, Text("logement?", "rights_housing", 0.2))
    assert says(out) == ["fallback.not_understood", "menu.topics"]
    again = step(flows, CONFIG, out.state, Text("???", "rights_housing", 0.2))
    assert says(again) == ["fallback.offer"]


def test_emergency_interrupts_any_flow(flows: FlowSet) -> None:
    menu = run(flows, State(), Command("start"))
    out = step(flows, CONFIG, menu.state, Text("...", "emergency", 0.75))
    assert says(out) == ["emergency.numbers"]
    assert any(isinstance(a, CallService) and a.args["urgency"] == "emergency" for a in out.actions)
    crisis = step(flows, CONFIG, menu.state, Text("...", "greet", 0.9, crisis=True))
    assert says(crisis) == ["emergency.numbers"]


def test_service_result_continues_the_flow(flows: FlowSet) -> None:
    asked = run(flows, CONSENTED, Text("logement", "rights_housing", 0.9))
    assert asked.state.waiting == "service"
    assert asked.actions[-1] == CallService(
        "knowledge", "start", {"topic": "housing", "lang": "fr"}
    )
    assert asked.state.vars["question"] == "logement"  # the text goes with the route
    found = step(flows, CONFIG, asked.state, ServiceResult(True, (Say("kb.article"),)))
    assert says(found) == ["kb.article", "rights.next_steps"]
    missing = step(flows, CONFIG, asked.state, ServiceResult(False))
    assert says(missing) == ["rights.missing"]
    assert missing.actions[-1].buttons  # type: ignore[union-attr]  # never a dead end


def test_stale_and_forged_buttons_are_refused(flows: FlowSet) -> None:
    menu = run(flows, CONSENTED, Command("menu"))
    for data in (f"{menu.state.seq - 1}.0", f"{menu.state.seq}.99", "1.0; drop", "x" * 64):
        out = step(flows, CONFIG, menu.state, Press(data))
        assert says(out) == ["error.old_button", "menu.topics"], data


def test_ask_validates_retries_and_fails_over(flows: FlowSet) -> None:
    # Enter the test flow as a `call` step would: a frame on its start step.
    entering = State(lang="fr", consent="given", stack=(Frame("ask_age", "ask"),))
    waiting = step(flows, CONFIG, entering, ServiceResult(True))  # ignored: not waiting
    assert waiting.actions == ()
    from bot.engine.core import _Turn

    turn = _Turn(flows, CONFIG, CONSENTED)
    turn.jump("ask_age")
    waiting = turn.finish()
    assert waiting.state.waiting == "text"
    bad = step(flows, CONFIG, waiting.state, Text("abc"))
    assert says(bad) == ["fallback.not_understood"] and bad.state.retries == 1
    good = step(flows, CONFIG, bad.state, Text("18"))
    assert says(good) == ["help.how_to_use", "smalltalk.welcome"]
    assert good.state.vars["age"] == "18"
    failed = step(flows, CONFIG, bad.state, Text("999"))
    assert says(failed) == ["fallback.offer"]


def test_unreadable_and_unknown_command_get_answers(flows: FlowSet) -> None:
    out = step(flows, CONFIG, CONSENTED, Unreadable("voice"))
    assert says(out) == ["error.unreadable_voice", "home.what_next"]
    out = step(flows, CONFIG, CONSENTED, Command("frobnicate"))
    assert says(out) == ["error.unknown_command", "home.what_next"]


def test_foreign_language_offers_choice_and_person(flows: FlowSet) -> None:
    out = step(flows, CONFIG, CONSENTED, Text("...", None, 0.0, lang="fr", foreign="ru"))
    assert says(out) == ["language.not_served", "language.choose"]
    assert out.state.vars["foreign"] == "ru"
    chosen = step(flows, CONFIG, out.state, Press(f"{out.state.seq}.4"))
    assert chosen.state.lang == "uk" and chosen.state.vars.get("foreign", "") == ""


def test_emergency_on_first_contact_answers_in_the_detected_language(flows: FlowSet) -> None:
    out = step(flows, CONFIG, State(), Text("...", "emergency", 0.9, lang="uk", crisis=True))
    assert out.state.lang == "uk" and says(out) == ["emergency.numbers"]


@pytest.mark.parametrize(
    ("intent", "first"), [("human_mediator", "mediator"), ("change_language", "language")]
)
def test_person_and_language_work_from_inside_a_question(
    flows: FlowSet, intent: str, first: str
) -> None:
    from bot.engine.core import _Turn

    turn = _Turn(flows, CONFIG, CONSENTED)
    turn.jump("ask_age")
    asking = turn.finish()
    assert asking.state.waiting == "text"
    out = step(flows, CONFIG, asking.state, Text("...", intent, 0.9))
    assert out.state.stack[0].flow == first
    assert "age" not in out.state.vars


def test_a_waiting_service_gets_presses_and_text(flows: FlowSet) -> None:
    booking = run(flows, CONSENTED, Command("appointments"))
    assert booking.actions[-1] == CallService("booking", "start", {"service": "", "lang": "fr"})
    shown = step(
        flows,
        CONFIG,
        booking.state,
        ServiceResult(
            True,
            (Say("booking.choose_service"),),
            {"bk_service": "x", "appointment_action": ""},
            wait=True,
        ),
    )
    assert shown.state.waiting == "input" and shown.state.vars["bk_service"] == "x"
    assert "appointment_action" not in shown.state.vars  # an empty value removes a var
    pressed = step(flows, CONFIG, shown.state, Press("b:s:legal"))
    assert pressed.actions == (CallService("booking", "input", {"data": "s:legal", "lang": "fr"}),)
    typed = step(flows, CONFIG, shown.state, Text("mardi matin", "rights_work", 0.4))
    assert typed.actions == (
        CallService(
            "booking", "input", {"text": "mardi matin", "intent": "", "leaves": "", "lang": "fr"}
        ),
    )
    # another service's button, or a press while nothing waits: old and refused
    assert says(step(flows, CONFIG, typed.state, Press("b:s:legal"))) == []
    done = step(flows, CONFIG, pressed.state, ServiceResult(True, (Say("booking.booked"),)))
    assert says(done) == ["booking.booked"] and done.state.frame is None
    assert {b.payload for row in done.actions[-1].buttons for b in row} == {"menu", "human"}  # type: ignore[union-attr]


def test_text_for_something_else_is_passed_back_and_followed(flows: FlowSet) -> None:
    booking = run(
        flows,
        CONSENTED,
        Command("appointments"),
        ServiceResult(True, (Say("booking.choose_service"),), wait=True),
    )
    typed = step(flows, CONFIG, booking.state, Text("aide logement", "rights_housing", 0.9))
    assert typed.actions[-1] == CallService(
        "booking",
        "input",
        {"text": "aide logement", "intent": "rights_housing", "leaves": "1", "lang": "fr"},
    )
    passed = step(flows, CONFIG, typed.state, ServiceResult(True, passed=True))
    assert passed.actions[-1] == CallService(
        "knowledge", "start", {"topic": "housing", "lang": "fr"}
    )
    assert "_intent" not in passed.state.vars and passed.state.vars["question"] == "aide logement"


def test_a_service_button_pressed_later_starts_its_flow_with_the_data(flows: FlowSet) -> None:
    rest = run(flows, CONSENTED, Command("help"))
    reminder = step(flows, CONFIG, rest.state, Press("b:x:42"))
    assert reminder.actions[-1] == CallService(
        "booking", "start", {"service": "", "data": "x:42", "lang": "fr"}
    )
    assert "_data" not in reminder.state.vars
    unknown = step(flows, CONFIG, rest.state, Press("z:1"))
    assert says(unknown)[0] == "error.old_button"


def test_weak_alarm_asks_before_alarming(flows: FlowSet) -> None:
    """A weak crisis signal asks "Are you in danger right now?": yes takes the full
    emergency path, no answers the message itself."""
    asked = step(
        flows,
        CONFIG,
        CONSENTED,
        Text("j'ai peur, logement", "rights_housing", 0.6, alarm="weak", crisis_kind="shelter"),
    )
    assert says(asked) == ["danger.ask"]
    assert not any(isinstance(a, CallService) for a in asked.actions)  # nobody alerted yet
    yes = step(flows, CONFIG, asked.state, Press(asked.actions[-1].buttons[0][0].payload))  # type: ignore[union-attr]
    assert says(yes) == ["emergency.numbers"]
    call = next(a for a in yes.actions if isinstance(a, CallService))
    assert call.args["urgency"] == "emergency" and yes.state.vars["crisis_kind"] == "shelter"
    no = step(flows, CONFIG, asked.state, Press(asked.actions[-1].buttons[1][0].payload))  # type: ignore[union-attr]
    assert says(no) == ["danger.safe"]
    assert no.actions[-1] == CallService(
        "knowledge", "start", {"topic": "housing", "lang": "fr"}
    )  # the held question is answered
    emergency = step(flows, CONFIG, CONSENTED, Text("...", "emergency", 0.35))
    assert says(emergency) == ["danger.ask"]  # a low emergency probability asks too


def test_question_before_consent_is_held_then_answered(flows: FlowSet) -> None:
    started = run(flows, State(), Command("start"))
    greeted = step(flows, CONFIG, started.state, Text("salut", "greet", 0.95, lang="fr"))
    assert says(greeted) == ["welcome.buttons_first", "welcome.choose_language"]
    held = step(
        flows,
        CONFIG,
        greeted.state,
        Text("je cherche un logement", "rights_housing", 0.9, lang="fr"),
    )
    assert says(held) == ["welcome.held", "welcome.choose_language"]
    assert not any(isinstance(a, CallService) for a in held.actions)
    chose = step(flows, CONFIG, held.state, Press(held.actions[-1].buttons[1][0].payload))  # type: ignore[union-attr]
    assert says(chose) == ["welcome.privacy"]
    agree = chose.actions[-1].buttons[0][0].payload  # type: ignore[union-attr]
    done = step(flows, CONFIG, chose.state, Press(agree))
    assert says(done) == ["welcome.consent_thanks"]
    assert done.actions[-1] == CallService("knowledge", "start", {"topic": "housing", "lang": "fr"})
    decline = chose.actions[-1].buttons[-1][0].payload  # type: ignore[union-attr]
    declined = step(flows, CONFIG, chose.state, Press(decline))
    assert "_held" not in declined.state.vars and "_held_intent" not in declined.state.vars
    assert "welcome.consent_declined" in says(declined)
