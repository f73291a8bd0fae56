"""How the engine runs flows: saying, jumping between flows and steps, running steps
until one waits, menus, conditions, actions and services. The events a turn handles are
in :mod:`bot.engine.core`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

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
from bot.engine.config import (
    DATA_VAR,
    HELD_INTENT,
    HELD_TEXT,
    MAX_STEPS_PER_TURN,
    EngineConfig,
    ServiceName,
    home_buttons,
)
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
    MenuStep,
    MessageStep,
    Step,
)
from bot.engine.state import Frame, State
from bot.engine.texts import TEXTS

__all__ = ["Machine", "service_of"]


@dataclass
class Machine:
    """The running part of a turn (:class:`bot.engine.core._Turn` adds the events)."""

    flows: FlowSet
    config: EngineConfig
    state: State
    actions: list[Action] = field(default_factory=list)
    budget: int = MAX_STEPS_PER_TURN

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
        data = self.state.vars.get(DATA_VAR, "")
        if data:
            self.state = self.state.with_vars(**{DATA_VAR: ""})
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
                **{HELD_TEXT: "", HELD_INTENT: ""}
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

    def resume_held(self) -> bool:
        """Answer a message held until a step was answered (the turn's business)."""
        raise NotImplementedError


def service_of(current: Step | None) -> ServiceName | None:
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
