"""Mermaid flowcharts generated from a flow, for review by administrators.

With ``text`` (message id -> text in a language) the nodes and menu edges show the
texts people read instead of message ids. Every label is escaped for Mermaid: quotes,
angle brackets, ``&``, ``#`` and backticks become Mermaid entity codes, so a text can
neither end its label nor add markup (the page escapes it again for HTML).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.engine.model import (
    BranchStep,
    CallStep,
    EndStep,
    Flow,
    MenuStep,
    Step,
)
from bot.engine.validation import step_targets

__all__ = ["mermaid", "mermaid_text"]

_LONGEST = 90
_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}


def mermaid_text(text: str, longest: int = _LONGEST) -> str:
    """``text`` safe inside a quoted Mermaid label: shortened, one line per line,
    special characters as entity codes."""
    text = " ".join(text.split()) if "\n" not in text else text
    if len(text) > longest:
        text = text[: longest - 1].rstrip() + "…"
    escaped = "".join(_ENTITIES.get(c, c) for c in text)
    return "<br/>".join(line.strip() for line in escaped.splitlines() if line.strip())


def _label(step_id: str, step: Step, text: Callable[[str], str] | None) -> str:
    msgid = getattr(step, "text", None)
    if msgid and text is not None:
        detail = mermaid_text(text(msgid))
    else:
        detail = mermaid_text(msgid or getattr(step, "action", None) or "")
    if isinstance(step, CallStep):
        detail = f"→ {mermaid_text(step.flow)}"
    return f"{step_id}<br/><i>{step.kind}</i>" + (f"<br/>{detail}" if detail else "")


def _node(step_id: str, step: Step, text: Callable[[str], str] | None) -> str:
    label = _label(step_id, step, text)
    if isinstance(step, MenuStep):
        return f'  {step_id}{{{{"{label}"}}}}'
    if isinstance(step, BranchStep):
        return f'  {step_id}{{"{label}"}}'
    if isinstance(step, EndStep):
        return f'  {step_id}(["{label}"])'
    return f'  {step_id}["{label}"]'


def mermaid(flow: Flow, text: Callable[[str], str] | None = None) -> str:
    """A ``flowchart TD`` of the flow: menus as hexagons, branches as diamonds; with
    ``text``, the texts of its messages and buttons instead of their ids."""
    lines = ["flowchart TD", f'  start(("{flow.id}")) --> {flow.start}']
    for step_id, step in flow.steps.items():
        lines.append(_node(step_id, step, text))
    for step_id, step in flow.steps.items():
        if isinstance(step, MenuStep):
            for option in step.options:
                shown = text(option.label) if text is not None else option.label
                label = mermaid_text(f"{option.icon} {shown}".strip(), 40)
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
                lines.append(f'  {step_id} -- "{mermaid_text(test)}" --> {target}')
            lines.append(f'  {step_id} -- "else" --> {step.otherwise}')
        else:
            for target in dict.fromkeys(step_targets(step)):
                lines.append(f"  {step_id} --> {target}")
    return "\n".join(dict.fromkeys(lines)) + "\n"
