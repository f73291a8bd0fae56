"""Graph checks on a loaded :class:`FlowSet`, each error naming file, flow and step.

Checks: unknown step or flow targets, unreachable steps, dead ends (steps from
which no way out of the flow can be reached), unknown intents, the flows the
engine itself relies on, and message ids missing from a served locale.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from bot.engine.errors import FlowError, Rank
from bot.engine.model import (
    AnswerStep,
    AskStep,
    BookStep,
    BranchStep,
    CallStep,
    EndStep,
    Flow,
    FlowSet,
    MenuStep,
    Step,
)

__all__ = ["REQUIRED_FLOWS", "check_flowset", "flowset_msgids", "step_msgids", "step_targets"]

#: Flows the engine enters by itself (commands, fallbacks, safety).
REQUIRED_FLOWS = ("welcome", "menu", "help", "language", "fallback", "emergency", "mediator")


def step_targets(step: Step) -> list[str]:
    """Step ids of the same flow this step can lead to."""
    match step:
        case MenuStep():
            return [o.next for o in step.options if o.next]
        case AskStep():
            return [step.next, step.on_fail]
        case AnswerStep():
            return [step.next, step.on_missing]
        case BookStep():
            return [step.next, step.on_fail]
        case BranchStep():
            return [target for _, target in step.cases] + [step.otherwise]
        case CallStep():
            return [step.next] if step.next else []
        case EndStep():
            return []
    return [step.next]


def _leaves_flow(step: Step) -> bool:
    """True when the step can end or leave its flow by itself."""
    if isinstance(step, EndStep):
        return True
    if isinstance(step, CallStep) and step.next is None:
        return True
    return isinstance(step, MenuStep) and any(o.flow for o in step.options)


def step_msgids(step: Step) -> list[str]:
    """Message ids a step shows."""
    match step:
        case MenuStep():
            return [step.text, *(o.label for o in step.options)]
        case AskStep():
            return [step.text, step.error]
        case EndStep():
            return [step.text] if step.text else []
    text = getattr(step, "text", None)
    return [text] if isinstance(text, str) else []


def flowset_msgids(flowset: FlowSet, source: str | None = None) -> list[str]:
    """The message ids the flows use (only those of the file ``source``), in order."""
    found: dict[str, None] = {}
    for flow in flowset.flows.values():
        if source is None or flow.source == source:
            for step in flow.steps.values():
                found.update(dict.fromkeys(step_msgids(step)))
    return list(found)


def _reachable(flow: Flow) -> set[str]:
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in flow.steps:
            continue
        seen.add(sid)
        todo.extend(step_targets(flow.steps[sid]))
    return seen


def _can_exit(flow: Flow) -> set[str]:
    """Steps from which an exit of the flow is reachable (fixpoint on reverse edges)."""
    exits = {sid for sid, step in flow.steps.items() if _leaves_flow(step)}
    changed = True
    while changed:
        changed = False
        for sid, step in flow.steps.items():
            if sid not in exits and any(t in exits for t in step_targets(step)):
                exits.add(sid)
                changed = True
    return exits


def _check_flow(
    flow: Flow, flowset: FlowSet, intents: Collection[str] | None
) -> Iterator[FlowError]:
    def err(step: str, message: str, rank: int = Rank.REFERENCE) -> FlowError:
        return FlowError(flow.source, flow.id, step, message, rank=rank)

    if flow.start not in flow.steps:
        yield err("", f"start step '{flow.start}' does not exist")
    for sid, step in flow.steps.items():
        for target in step_targets(step):
            if target not in flow.steps:
                yield err(sid, f"unknown step '{target}'")
        called = [step.flow] if isinstance(step, CallStep) else []
        if isinstance(step, MenuStep):
            called += [o.flow for o in step.options if o.flow]
            for option in step.options:
                for intent in option.intents:
                    if intents is not None and intent not in intents:
                        yield err(sid, f"unknown intent '{intent}'")
                for var in option.set:
                    if var == "consent":
                        yield err(
                            sid,
                            "'consent' can only be set by a record_consent action",
                            Rank.SHAPE,
                        )
        for target_flow in called:
            if target_flow not in flowset.flows:
                yield err(sid, f"unknown flow '{target_flow}'")
        if isinstance(step, AnswerStep) and step.topic is None and step.topic_var is None:
            yield err(sid, "answer step needs a topic or a topic_var", Rank.SHAPE)
    reachable = _reachable(flow)
    for sid in flow.steps:
        if sid not in reachable:
            yield err(sid, "unreachable step", Rank.SHAPE)
    exits = _can_exit(flow)
    for sid in sorted(reachable - exits):
        yield err(sid, "dead end: no way out of the flow from this step", Rank.SHAPE)


def check_flowset(
    flowset: FlowSet,
    catalogs: Mapping[str, Collection[str]] | None = None,
    intents: Collection[str] | None = None,
) -> list[FlowError]:
    """Every graph error of the flow set; with ``catalogs`` (msgids per locale) also
    every message id missing from a locale; with ``intents`` (the known intent names,
    given by the caller: the engine knows no NLU) also every unknown intent."""
    errors: list[FlowError] = []
    for flow in flowset.flows.values():
        errors.extend(_check_flow(flow, flowset, intents))
    for name in REQUIRED_FLOWS:
        if name not in flowset.flows:
            errors.append(FlowError("", name, "", "the engine needs this flow; it is missing"))
    for intent, route in flowset.routes.items():
        if intents is not None and intent not in intents:
            errors.append(FlowError("routes.yaml", "", "", f"unknown intent '{intent}'"))
        if route.flow not in flowset.flows:
            errors.append(
                FlowError(
                    "routes.yaml",
                    "",
                    "",
                    f"intent '{intent}' routes to unknown flow '{route.flow}'",
                )
            )
    if catalogs is not None:
        for flow in flowset.flows.values():
            for sid, step in flow.steps.items():
                for msgid in step_msgids(step):
                    for lang, known in sorted(catalogs.items()):
                        if msgid not in known:
                            errors.append(
                                FlowError(
                                    flow.source,
                                    flow.id,
                                    sid,
                                    f"message id '{msgid}' has no translation in '{lang}'",
                                    rank=Rank.TRANSLATION,
                                )
                            )
    return sorted(errors)
