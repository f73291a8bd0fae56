"""Mermaid flowcharts generated from a flow, for review by administrators."""

from __future__ import annotations

from bot.engine.model import (
    BranchStep,
    CallStep,
    EndStep,
    Flow,
    MenuStep,
    Step,
)
from bot.engine.validation import step_targets

__all__ = ["mermaid"]


def _label(step_id: str, step: Step) -> str:
    detail = getattr(step, "text", None) or getattr(step, "action", None) or ""
    if isinstance(step, CallStep):
        detail = f"→ {step.flow}"
    text = f"{step_id}<br/><i>{step.kind}</i>" + (f"<br/>{detail}" if detail else "")
    return text.replace('"', "'")


def _node(step_id: str, step: Step) -> str:
    label = _label(step_id, step)
    if isinstance(step, MenuStep):
        return f'  {step_id}{{{{"{label}"}}}}'
    if isinstance(step, BranchStep):
        return f'  {step_id}{{"{label}"}}'
    if isinstance(step, EndStep):
        return f'  {step_id}(["{label}"])'
    return f'  {step_id}["{label}"]'


def mermaid(flow: Flow) -> str:
    """A ``flowchart TD`` of the flow: menus as hexagons, branches as diamonds."""
    lines = ["flowchart TD", f'  start(("{flow.id}")) --> {flow.start}']
    for step_id, step in flow.steps.items():
        lines.append(_node(step_id, step))
    for step_id, step in flow.steps.items():
        if isinstance(step, MenuStep):
            for option in step.options:
                label = f"{option.icon} {option.label}".strip().replace('"', "'")
                target = option.next or f"flow_{option.flow}"
                if option.flow:
                    lines.append(f'  flow_{option.flow}[["{option.flow}"]]')
                lines.append(f'  {step_id} -- "{label}" --> {target}')
        elif isinstance(step, BranchStep):
            for condition, target in step.cases:
                test = (
                    f"{condition.var} = {condition.equals}"
                    if condition.equals is not None
                    else f"{condition.var} set: {condition.is_set}"
                )
                lines.append(f'  {step_id} -- "{test}" --> {target}')
            lines.append(f'  {step_id} -- "else" --> {step.otherwise}')
        else:
            for target in dict.fromkeys(step_targets(step)):
                lines.append(f"  {step_id} --> {target}")
    return "\n".join(dict.fromkeys(lines)) + "\n"
