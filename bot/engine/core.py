"""The dialogue engine: ``step(flows, config, state, event) -> Outcome``.

Pure and synchronous: no I/O, no clock, no randomness. The runner feeds it
events (text already understood by the NLU, button presses, commands, service
results) and carries out the actions it returns.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine.actions import (
    Button,
    Msg,
    Say,
    SetLanguage,
)
from bot.engine.announcements import announcement_choice, announcement_reply
from bot.engine.config import (
    ANYWHERE,
    BUTTON_REF,
    CASE_VAR,
    CASE_WAITING,
    COMMANDS,
    DANGER_CHECK,
    DATA_VAR,
    HELD_CONFIDENCE,
    HELD_INTENT,
    HELD_TEXT,
    HELD_VARS,
    HUMAN,
    NOT_HELD,
    PENDING_INTENT,
    PENDING_TEXT,
    SERVICE_PREFIXES,
    TO_PERSON,
    EngineConfig,
    Outcome,
    ServiceName,
    alarm_of,
    emergency_buttons,
    home_buttons,
    is_emergency,
)
from bot.engine.events import Command, Event, Press, ServiceResult, Text, Unreadable
from bot.engine.machine import Machine, service_of
from bot.engine.model import (
    AnswerStep,
    BookStep,
    EscalateStep,
    FlowSet,
    MenuOption,
    MenuStep,
)
from bot.engine.state import State
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


class _Turn(Machine):
    """One turn: the event handled, the flows run until they wait."""

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
        if route.flow == self.config.service_flows.get("escalation"):
            # The words that asked for a person go to the case summary (a request held
            # until the consent answer is not among the stored messages).
            values["question"] = question[:300]
        elif question and route.flow == self.config.service_flows.get("knowledge"):
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
                self.state = self.state.with_vars(**{HELD_TEXT: "", HELD_INTENT: HUMAN})
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
        match = BUTTON_REF.match(data)
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
        if self.state.waiting == "input" and service_of(self.current()) == service:
            self.state = replace(self.state, waiting="", misunderstood=0)
            self.call_service(service, "input", data=data)
            return
        flow = self.config.service_flows.get(service)
        if flow is None or flow not in self.flows.flows:
            self.say(TEXTS["old_button"])
            self.reprompt()
            return
        self.jump(flow, **{DATA_VAR: data})

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
            confident and event.intent in self.flows.routes and event.intent not in TO_PERSON
        ):
            # "Is anyone there?": a person is coming; say so, never "not understood".
            self.jump(CASE_WAITING)
            return
        if confident and event.intent == self.config.language_intent and event.named_lang:
            # "3arbiya 3afak": the language is named, so no menu to choose it from.
            self.state = replace(self.state, misunderstood=0)
            self.switch_language(event.named_lang, announce=True)
            self.reprompt()
            return
        if confident and event.intent in ANYWHERE and event.intent in self.flows.routes:
            self.state = replace(self.state, misunderstood=0)
            self.follow_route(event.intent)  # a person or another language, from any step
            return
        if self.state.waiting == "text":
            self.answer_ask(event.text)
            return
        current = self.current()
        service = service_of(current) if self.state.waiting == "input" else None
        if service is not None:
            # The waiting service reads the text first ("mardi matin" is a day to the
            # booking, a question to the knowledge base); it passes the text back when
            # it asks for something else, and then the intent's route is followed.
            route = self.flows.routes.get(event.intent or "") if confident else None
            frame = self.state.frame
            leaves = route is not None and frame is not None and route.flow != frame.flow
            self.state = replace(self.state, waiting="").with_vars(
                **{
                    PENDING_INTENT: route.intent if route is not None and leaves else "",
                    PENDING_TEXT: event.text[:300] if leaves else "",
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
        likely = event.confidence >= self.config.intent_threshold * HELD_CONFIDENCE
        intent = (event.intent or "") if confident or likely else ""
        if not always and (intent in NOT_HELD or intent not in self.flows.routes):
            return False
        self.state = self.state.with_vars(**{HELD_TEXT: event.text[:300], HELD_INTENT: intent})
        return True

    def resume_held(self) -> bool:
        """Answer the held message now, if it leads somewhere; False otherwise."""
        intent = self.state.vars.get(HELD_INTENT, "")
        text = self.state.vars.get(HELD_TEXT, "")
        self.state = self.state.with_vars(**{HELD_TEXT: "", HELD_INTENT: ""})
        if intent in NOT_HELD or intent not in self.flows.routes:
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

    def on_service(self, event: ServiceResult) -> None:
        current = self.current()
        if self.state.waiting != "service" or current is None:
            return
        intent = self.state.vars.get(PENDING_INTENT, "")
        text = self.state.vars.get(PENDING_TEXT, "")
        self.state = replace(self.state, waiting="").with_vars(
            **{PENDING_INTENT: "", PENDING_TEXT: ""}
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
