"""The dialogue engine: ``step(flows, config, state, event) -> Outcome``.

Pure and synchronous: no I/O, no clock, no randomness. The runner feeds it
events (text already understood by the NLU, button presses, commands, service
results) and carries out the actions it returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.engine.actions import (
    Action,
    Button,
    CallService,
    Forget,
    Msg,
    RecordConsent,
    Say,
    SetLanguage,
)
from bot.engine.announcements import announcement_choice, announcement_reply
from bot.engine.events import Command, Event, Press, ServiceResult, Text, Unreadable
from bot.engine.model import (
    ActionStep,
    AnswerStep,
    AskStep,
    BookStep,
    BranchStep,
    CallStep,
    Condition,
    EndStep,
    EscalateStep,
    FlowSet,
    MenuOption,
    MenuStep,
    MessageStep,
    Step,
)
from bot.engine.state import Frame, State
from bot.engine.texts import LANGUAGE_NAMES, TEXTS, UNREADABLE

__all__ = [
    "CASE_VAR",
    "COMMANDS",
    "HELD_VARS",
    "SERVICE_PREFIXES",
    "EngineConfig",
    "Outcome",
    "emergency_buttons",
    "home_buttons",
    "is_emergency",
    "step",
]

ServiceName = Literal["knowledge", "booking", "escalation"]

#: Slash commands and the flow each one opens (``cancel`` is handled apart).
COMMANDS: Mapping[str, str] = {
    "start": "welcome",
    "help": "help",
    "language": "language",
    "menu": "menu",
    "mediator": "mediator",
    "forget": "forget",
}
#: Intents that leave whatever step the user is in (emergency is handled before them).
ANYWHERE = frozenset({"human_mediator", "change_language"})
#: Button payloads ``<prefix>:<data>`` belong to a service: its step gets the data.
SERVICE_PREFIXES: Mapping[str, ServiceName] = {"k": "knowledge", "b": "booking", "e": "escalation"}
_MAX_STEPS_PER_TURN = 64
_DATA_VAR = "_data"
_PENDING_INTENT, _PENDING_TEXT = "_intent", "_text"
#: A message kept until a step is answered (consent, the danger check, a language).
_HELD_TEXT, _HELD_INTENT = "_held", "_held_intent"
#: The variables that hold such a message (erased when unanswered: see bot.store.retention).
HELD_VARS = (_HELD_TEXT, _HELD_INTENT)
#: Share of the intent threshold at which a held question is still answered.
_HELD_CONFIDENCE = 0.6
#: Intents not worth holding: they need no answer once the step is done.
_NOT_HELD = frozenset({"", "greet", "thanks", "goodbye", "affirm", "deny", "change_language"})
#: The flow that asks "Are you in danger right now?" on a weak crisis signal.
DANGER_CHECK = "danger_check"
HUMAN = "human_mediator"
#: While a request waits for a mediator: the flow that says where it stands, the state
#: variable the runner sets, and the intents that get that answer rather than their route.
CASE_WAITING, CASE_VAR = "case_waiting", "_case"
_TO_PERSON = frozenset({"greet", "human_mediator", "out_of_scope", "affirm", "deny"})
_BUTTON = re.compile(r"^(\d+)\.(\d+)$")


@dataclass(frozen=True)
class EngineConfig:
    """Engine tuning; built from the settings by the runner."""

    served: tuple[str, ...]
    fallback_lang: str = "en"
    intent_threshold: float = 0.5
    #: At this emergency probability the bot asks "Are you in danger right now?" ...
    emergency_threshold: float = 0.3
    #: ... and at this one it takes the emergency path at once.
    emergency_strong: float = 0.6
    misunderstood_limit: int = 2
    #: The intent that means "I am in danger" (``nlu.intents.EMERGENCY``, handed in by the
    #: wiring: the engine imports no NLU).
    emergency_intent: str = "emergency"
    #: Languages Orienta does not serve, and the served language its speakers are first
    #: answered in (they choose theirs at once).
    foreign_notes: Mapping[str, str] = field(default_factory=lambda: {"ru": "uk"})
    #: The flow that hosts each service: a service button pressed outside its step
    #: (a reminder, an older message) starts this flow with the button's data.
    service_flows: Mapping[str, str] = field(
        default_factory=lambda: {
            "knowledge": "rights",
            "booking": "appointments",
            "escalation": "mediator",
        }
    )


@dataclass(frozen=True)
class Outcome:
    """The engine's answer to one event."""

    state: State
    actions: tuple[Action, ...] = ()


def alarm_of(config: EngineConfig, event: Event) -> Literal["", "strong", "weak"]:
    """How strongly a message says someone is in danger: ``strong`` (a crisis phrase, a
    high emergency probability: act at once), ``weak`` (ask first) or empty."""
    if not isinstance(event, Text):
        return ""
    emergency = event.confidence if event.intent == config.emergency_intent else 0.0
    if event.crisis or event.alarm == "strong" or emergency >= config.emergency_strong:
        return "strong"
    if event.alarm == "weak" or emergency >= config.emergency_threshold:
        return "weak"
    return ""


def is_emergency(config: EngineConfig, event: Event) -> bool:
    """Whether a message says, beyond doubt, that someone is in danger."""
    return alarm_of(config, event) == "strong"


def home_buttons() -> tuple[tuple[Button, ...], ...]:
    """The two ways on offered after every answer: the menu and a person."""
    return ((Button(TEXTS["menu"], "menu", "↩️"), Button(TEXTS["human"], "human", "🙋")),)


def emergency_buttons() -> tuple[tuple[Button, ...], ...]:
    """🆘 on its own row, then the home buttons (after a crisis)."""
    return ((Button(TEXTS["emergency"], "sos", "🆘"),), *home_buttons())


@dataclass
class _Turn:
    flows: FlowSet
    config: EngineConfig
    state: State
    actions: list[Action] = field(default_factory=list)
    budget: int = _MAX_STEPS_PER_TURN

    # -- output -----------------------------------------------------------------
    def say(
        self, text: str, buttons: tuple[tuple[Button, ...], ...] = (), **params: str | Msg
    ) -> None:
        self.actions.append(Say(text, params, buttons))

    # -- navigation ---------------------------------------------------------------
    def jump(self, flow_id: str, **values: str) -> None:
        """Leave whatever runs now and start ``flow_id`` from the top."""
        self.state = replace(self.state, stack=(), waiting="", retries=0)
        if values:
            self.state = self.state.with_vars(**values)
        self.enter(flow_id)

    def enter(self, flow_id: str) -> None:
        flow = self.flows.flows[flow_id]
        self.state = replace(self.state, stack=(*self.state.stack, Frame(flow_id, flow.start)))
        self.run()

    def goto(self, step_id: str) -> None:
        frame = self.state.frame
        assert frame is not None
        self.state = replace(
            self.state,
            stack=(*self.state.stack[:-1], Frame(frame.flow, step_id)),
            waiting="",
            retries=0,
        )
        self.run()

    def current(self) -> Step | None:
        frame = self.state.frame
        if frame is None:
            return None
        return self.flows.step(frame.flow, frame.step)

    def run(self) -> None:
        """Run steps from the current frame until one waits or the stack empties."""
        while self.state.frame is not None and not self.state.waiting:
            self.budget -= 1
            if self.budget < 0:
                self.state = replace(self.state, stack=(), waiting="")
                self.say(TEXTS["loop"], home_buttons())
                return
            frame = self.state.frame
            assert frame is not None
            current = self.flows.step(frame.flow, frame.step)
            if not self._run_one(current):
                return

    def _advance(self, step_id: str) -> bool:
        frame = self.state.frame
        assert frame is not None
        self.state = replace(
            self.state, stack=(*self.state.stack[:-1], Frame(frame.flow, step_id)), retries=0
        )
        return True

    def _run_one(self, current: Step) -> bool:
        """Run one step; True to keep running, False when the turn should stop."""
        match current:
            case MessageStep():
                self.say(current.text)
                return self._advance(current.next)
            case MenuStep():
                self.prompt_menu(current)
                return False
            case AskStep():
                self.say(current.text, home_buttons())
                self.state = replace(self.state, waiting="text")
                return False
            case AnswerStep():
                topic = current.topic or self.state.vars.get(current.topic_var or "", "")
                self.start_service("knowledge", topic=topic)
                return False
            case BookStep():
                self.start_service("booking", service=current.service or "")
                return False
            case EscalateStep():
                self.start_service("escalation", reason=current.reason, urgency=current.urgency)
                return False
            case BranchStep():
                for condition, target in current.cases:
                    if self.holds(condition):
                        return self._advance(target)
                return self._advance(current.otherwise)
            case CallStep():
                if current.next is not None:
                    self._advance(current.next)
                else:
                    self.state = replace(self.state, stack=self.state.stack[:-1])
                self.enter(current.flow)
                return False
            case ActionStep():
                if current.action == "resume_held" and self.resume_held():
                    return False
                self.do_action(current.action)
                return self._advance(current.next)
            case EndStep():
                if current.text:
                    self.say(current.text)
                self.state = replace(self.state, stack=self.state.stack[:-1])
                return True
        raise AssertionError(f"unknown step {current!r}")

    def start_service(self, target: ServiceName, **args: str) -> None:
        """Begin a service step, handing it the data of a button that led here."""
        data = self.state.vars.get(_DATA_VAR, "")
        if data:
            self.state = self.state.with_vars(**{_DATA_VAR: ""})
            args["data"] = data
        self.call_service(target, "start", **args)

    def call_service(self, target: ServiceName, op: str, **args: str) -> None:
        self.actions.append(CallService(target, op, {**args, "lang": self.lang}))
        self.state = replace(self.state, waiting="service")

    def prompt_menu(self, menu: MenuStep) -> None:
        seq = self.state.seq + 1
        buttons = [Button(o.label, f"{seq}.{i}", o.icon) for i, o in enumerate(menu.options)]
        rows = tuple(
            tuple(buttons[i : i + menu.columns]) for i in range(0, len(buttons), menu.columns)
        )
        self.say(menu.text, rows)
        self.state = replace(self.state, waiting="button", seq=seq)

    def reprompt(self) -> None:
        """Show the step we are waiting on again (or the home buttons at rest)."""
        current = self.current()
        if isinstance(current, MenuStep) and self.state.waiting == "button":
            self.prompt_menu(current)
        elif isinstance(current, AskStep) and self.state.waiting == "text":
            self.say(current.text, home_buttons())
        elif self.state.waiting == "input":
            self.say(TEXTS["use_buttons"], home_buttons())
        else:
            self.say(TEXTS["what_next"], home_buttons())

    def holds(self, condition: Condition) -> bool:
        if condition.var == "language":
            value: str | None = self.state.lang
        elif condition.var == "consent":
            value = self.state.consent or None
        else:
            value = self.state.vars.get(condition.var)
        if condition.is_set is not None:
            return (value is not None and value != "") == condition.is_set
        return value == condition.equals

    def do_action(self, action: str) -> None:
        if action == "set_language":
            lang = self.state.vars.get("language", "")
            if lang in self.config.served:
                self.state = replace(self.state, lang=lang)
                self.actions.append(SetLanguage(lang))
        elif action == "record_consent":
            self.state = replace(self.state, consent="given")
            self.actions.append(RecordConsent(True))
        elif action == "decline_consent":
            self.state = replace(self.state, consent="declined").with_vars(
                **{_HELD_TEXT: "", _HELD_INTENT: ""}
            )
            self.actions.append(RecordConsent(False))
        elif action == "forget":
            self.actions.append(Forget())
            self.state = State(lang=self.state.lang, stack=self.state.stack, seq=self.state.seq)
        elif action == "clear_vars":
            self.state = replace(self.state, vars=State().vars)

    @property
    def lang(self) -> str:
        return self.state.lang or self.config.fallback_lang

    # -- events -------------------------------------------------------------------
    def not_understood(self) -> None:
        misunderstood = self.state.misunderstood + 1
        self.state = replace(self.state, misunderstood=misunderstood)
        if misunderstood >= self.config.misunderstood_limit:
            self.state = replace(self.state, misunderstood=0)
            self.jump("fallback")
        else:
            self.say(TEXTS["not_understood"])
            self.reprompt()

    def on_command(self, event: Command) -> None:
        name = event.name.lower()
        if name == "cancel":
            self.state = replace(self.state, stack=(), waiting="")
            self.say(TEXTS["cancelled"], home_buttons())
        elif name == "appointments" and "list_appointments" in self.flows.routes:
            self.follow_route("list_appointments")
        elif name == "start" and self.state.consent and self.case_waiting():
            self.jump(CASE_WAITING)  # the chat reopened: pick up where the request stands
        elif name in COMMANDS:
            self.jump(COMMANDS[name])
        else:
            self.say(TEXTS["unknown_command"])
            self.reprompt()

    def follow_route(self, intent: str, question: str = "") -> None:
        """Go where the intent leads; a question that leads to the knowledge base
        goes with it, so the best article for it can be chosen."""
        route = self.flows.routes[intent]
        values = dict(route.set)
        if question and route.flow == self.config.service_flows.get("knowledge"):
            values["question"] = question[:300]
        self.jump(route.flow, **values)

    def on_press(self, event: Press) -> None:
        data = event.data
        if data == "sos":  # the 🆘 button offered outside the menu: before consent too
            self.jump("emergency", crisis_kind="other", sos="button")
            return
        if not self.state.consent and data in ("menu", "human"):
            # Nothing but the welcome before the consent answer; a person asked for is
            # found right after it.
            if data == "human":
                self.state = self.state.with_vars(**{_HELD_TEXT: "", _HELD_INTENT: HUMAN})
            self.back_to_welcome()
            return
        if data == "menu":
            self.jump("menu")
            return
        if data == "human":
            self.jump("mediator")
            return
        if data.startswith("lang:"):
            self.switch_language(data.removeprefix("lang:"), announce=True)
            self.reprompt()
            return
        prefix, colon, rest = data.partition(":")
        if colon and prefix in SERVICE_PREFIXES:
            self.on_service_press(SERVICE_PREFIXES[prefix], rest)
            return
        match = _BUTTON.match(data)
        current = self.current()
        if (
            match is None
            or self.state.waiting != "button"
            or not isinstance(current, MenuStep)
            or int(match.group(1)) != self.state.seq
            or int(match.group(2)) >= len(current.options)
        ):
            self.say(TEXTS["old_button"])
            if not self.state.consent and self.state.frame is None:
                self.back_to_welcome()
            else:
                self.reprompt()
            return
        self.choose(current.options[int(match.group(2))])

    def back_to_welcome(self) -> None:
        """Re-offer the welcome step the person is at (or start the welcome)."""
        if self._in_flow("welcome"):
            self.reprompt()
        else:
            self.jump("welcome")

    def on_service_press(self, service: ServiceName, data: str) -> None:
        """A service's button: the waiting step gets it; otherwise the service's flow
        starts with it (the service checks the data is still valid)."""
        if self.state.waiting == "input" and _service_of(self.current()) == service:
            self.state = replace(self.state, waiting="", misunderstood=0)
            self.call_service(service, "input", data=data)
            return
        flow = self.config.service_flows.get(service)
        if flow is None or flow not in self.flows.flows:
            self.say(TEXTS["old_button"])
            self.reprompt()
            return
        self.jump(flow, **{_DATA_VAR: data})

    def choose(self, option: MenuOption) -> None:
        self.state = replace(self.state, waiting="", misunderstood=0)
        if option.set:
            self.state = self.state.with_vars(**option.set)
        if option.flow:
            self.jump(option.flow)
        elif option.next:
            self.goto(option.next)

    def switch_language(self, lang: str, *, announce: bool) -> None:
        if lang not in self.config.served or lang == self.state.lang:
            return
        previous = self.state.lang
        self.state = replace(self.state, lang=lang)
        self.actions.append(SetLanguage(lang))
        if announce and previous:
            back = Button(LANGUAGE_NAMES[previous], f"lang:{previous}", "🔁")
            self.say(
                TEXTS["switched"],
                ((back,),),
                language=Msg(LANGUAGE_NAMES[lang]),
                previous=Msg(LANGUAGE_NAMES[previous]),
            )

    def on_text(self, event: Text) -> None:
        if not event.text.strip():
            self.say(UNREADABLE["empty"])
            self.reprompt()
            return
        if self.state.lang is None and event.lang in self.config.served:
            self.state = replace(self.state, lang=event.lang)
        elif event.switch_to:
            self.switch_language(event.switch_to, announce=True)
        confident = event.intent is not None and event.confidence >= self.config.intent_threshold
        alarm = alarm_of(self.config, event)
        if alarm == "strong" or (alarm == "weak" and DANGER_CHECK not in self.flows.flows):
            self.jump("emergency", crisis_kind=event.crisis_kind or "other", sos="")
            return
        if alarm == "weak":
            # Not sure: ask "Are you in danger right now?"; "no" goes on with this message.
            self.hold(event, confident, always=True)
            self.jump(DANGER_CHECK, crisis_kind=event.crisis_kind or "other")
            return
        note = self.config.foreign_notes.get(event.foreign or "")
        chosen = self.state.consent and note is not None and self.state.lang == note
        if event.foreign and self.state.waiting != "text" and not chosen:
            # (Someone who chose Ukrainian and writes Russian is understood and answered
            # in Ukrainian: the choice is not asked again, the request not dropped.)
            self.hold(event, confident)
            if self.state.lang is None and note in self.config.served:
                # Russian: the note and the choice in Ukrainian, the buttons in each
                # language's own name; nothing is remembered until the person picks.
                self.state = replace(self.state, lang=note)
            self.jump("language", foreign=event.foreign)
            return
        if not self.state.consent:
            self.before_consent(event, confident)
            return
        if self.case_waiting() and not (
            confident and event.intent in self.flows.routes and event.intent not in _TO_PERSON
        ):
            # "Is anyone there?": a person is coming; say so, never "not understood".
            self.jump(CASE_WAITING)
            return
        if confident and event.intent in ANYWHERE and event.intent in self.flows.routes:
            self.state = replace(self.state, misunderstood=0)
            self.follow_route(event.intent)  # a person or another language, from any step
            return
        if self.state.waiting == "text":
            self.answer_ask(event.text)
            return
        current = self.current()
        service = _service_of(current) if self.state.waiting == "input" else None
        if service is not None:
            # The waiting service reads the text first ("mardi matin" is a day to the
            # booking, a question to the knowledge base); it passes the text back when
            # it asks for something else, and then the intent's route is followed.
            route = self.flows.routes.get(event.intent or "") if confident else None
            frame = self.state.frame
            leaves = route is not None and frame is not None and route.flow != frame.flow
            self.state = replace(self.state, waiting="").with_vars(
                **{
                    _PENDING_INTENT: route.intent if route is not None and leaves else "",
                    _PENDING_TEXT: event.text[:300] if leaves else "",
                }
            )
            self.call_service(
                service,
                "input",
                text=event.text[:500],
                intent=(event.intent or "") if confident else "",
                leaves="1" if leaves else "",
            )
            return
        if self.state.waiting == "button" and isinstance(current, MenuStep):
            picked = self._match_option(current, event, confident)
            if picked is not None:
                if picked.flow == self.config.service_flows.get("knowledge"):
                    # A question typed at the menu is answered, not only its topic.
                    text = event.text.strip()
                    self.state = self.state.with_vars(question="" if text.isdigit() else text[:300])
                self.choose(picked)
                return
        if confident and event.intent is not None and event.intent in self.flows.routes:
            self.state = replace(self.state, misunderstood=0)
            self.follow_route(event.intent, event.text)
            return
        self.not_understood()

    def case_waiting(self) -> bool:
        """The person's request waits for a mediator (the runner sets ``_case``)."""
        return self.state.vars.get(CASE_VAR) == "waiting" and CASE_WAITING in self.flows.flows

    def before_consent(self, event: Text, confident: bool) -> None:
        """Nothing but the welcome before the consent answer: a button's words answer its
        menu; a question is held until consent (answered right after, erased if declined)."""
        current = self.current()
        if self._in_flow("welcome") and self.state.waiting == "button":
            assert isinstance(current, MenuStep)
            picked = self._match_option(current, event, confident)
            if picked is not None:
                self.choose(picked)
                return
        held = self.hold(event, confident)
        if not self._in_flow("welcome"):
            self.jump("welcome")
            return
        self.say(TEXTS["held"] if held else TEXTS["buttons_first"])
        self.reprompt()

    def hold(self, event: Text, confident: bool, *, always: bool = False) -> bool:
        """Keep a message to answer after the current step (consent, the danger check, a
        language choice): a question with somewhere to go, or with ``always`` any text."""
        # A question held while a step is answered may be a little less sure than one
        # acted on at once: the person sees the answer's topic and can go elsewhere.
        likely = event.confidence >= self.config.intent_threshold * _HELD_CONFIDENCE
        intent = (event.intent or "") if confident or likely else ""
        if not always and (intent in _NOT_HELD or intent not in self.flows.routes):
            return False
        self.state = self.state.with_vars(**{_HELD_TEXT: event.text[:300], _HELD_INTENT: intent})
        return True

    def resume_held(self) -> bool:
        """Answer the held message now, if it leads somewhere; False otherwise."""
        intent = self.state.vars.get(_HELD_INTENT, "")
        text = self.state.vars.get(_HELD_TEXT, "")
        self.state = self.state.with_vars(**{_HELD_TEXT: "", _HELD_INTENT: ""})
        if intent in _NOT_HELD or intent not in self.flows.routes:
            return False
        self.state = replace(self.state, misunderstood=0)
        self.follow_route(intent, text)
        return True

    def _in_flow(self, flow_id: str) -> bool:
        return any(frame.flow == flow_id for frame in self.state.stack)

    def _match_option(self, menu: MenuStep, event: Text, confident: bool) -> MenuOption | None:
        text = event.text.strip()
        if text.isdigit() and 1 <= int(text) <= len(menu.options):
            return menu.options[int(text) - 1]
        if confident:
            for option in menu.options:
                if event.intent in option.intents:
                    return option
        return None

    def answer_ask(self, text: str) -> None:
        current = self.current()
        assert isinstance(current, AskStep)
        value = _validated(current, text.strip())
        if value is not None:
            self.state = replace(
                self.state.with_vars(**{current.var: value}), waiting="", misunderstood=0
            )
            self.goto(current.next)
            return
        retries = self.state.retries + 1
        if retries > current.retries:
            self.goto(current.on_fail)
            return
        self.state = replace(self.state, retries=retries)
        self.say(current.error, home_buttons())

    def on_service(self, event: ServiceResult) -> None:
        current = self.current()
        if self.state.waiting != "service" or current is None:
            return
        intent = self.state.vars.get(_PENDING_INTENT, "")
        text = self.state.vars.get(_PENDING_TEXT, "")
        self.state = replace(self.state, waiting="").with_vars(
            **{_PENDING_INTENT: "", _PENDING_TEXT: ""}
        )
        self.actions.extend(event.says)
        if event.vars:
            self.state = self.state.with_vars(**event.vars)
        if event.passed:
            if intent in self.flows.routes:
                self.follow_route(intent, text)
            else:
                self.state = replace(self.state, waiting="input")
                self.not_understood()
            return
        if event.wait:
            self.state = replace(self.state, waiting="input")
            return
        if isinstance(current, AnswerStep):
            self.goto(current.next if event.ok else current.on_missing)
        elif isinstance(current, BookStep):
            self.goto(current.next if event.ok else current.on_fail)
        elif isinstance(current, EscalateStep):
            self.goto(current.next)

    def finish(self) -> Outcome:
        """Close the turn: when the conversation rests, the last message offers the way on."""
        actions = self.actions
        at_rest = self.state.frame is None and not self.state.waiting
        if at_rest and actions and isinstance(actions[-1], Say) and not actions[-1].buttons:
            actions[-1] = replace(actions[-1], buttons=home_buttons())
        if at_rest and self.state.waiting:
            self.state = replace(self.state, waiting="")
        return Outcome(self.state, tuple(actions))


def _service_of(current: Step | None) -> ServiceName | None:
    """The service a step calls, if it calls one."""
    match current:
        case AnswerStep():
            return "knowledge"
        case BookStep():
            return "booking"
        case EscalateStep():
            return "escalation"
    return None


def _validated(ask: AskStep, text: str) -> str | None:
    rule = ask.validate
    if not text or len(text) > rule.max_length:
        return None
    if rule.type == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return None
        if (rule.min is not None and number < rule.min) or (
            rule.max is not None and number > rule.max
        ):
            return None
    elif rule.type == "phone":
        digits = re.sub(r"[\s().-]", "", text)
        if not re.fullmatch(r"\+?\d{6,15}", digits):
            return None
        return digits
    elif rule.type == "regex" and rule.pattern and not re.fullmatch(rule.pattern, text):
        return None
    return text


def step(flows: FlowSet, config: EngineConfig, state: State, event: Event) -> Outcome:
    """Advance one conversation by one event. Pure: same input, same output."""
    turn = _Turn(flows, config, state)
    choice = announcement_choice(event)
    if choice is not None:  # /stop, /news and their buttons: anywhere, then carry on
        turn.actions.extend(announcement_reply(choice))
        if turn.state.frame is not None:
            turn.reprompt()
        return turn.finish()
    match event:
        case Command():
            turn.on_command(event)
        case Press():
            turn.on_press(event)
        case Text():
            turn.on_text(event)
        case ServiceResult():
            turn.on_service(event)
        case Unreadable():
            turn.say(UNREADABLE[event.kind])
            turn.reprompt()
    return turn.finish()
