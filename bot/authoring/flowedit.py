"""Editing a flow document step by step, for people who do not write YAML: a menu
option added, moved, removed or sent elsewhere; a step of a known kind added after
another. Each operation returns a new document (the input is not changed); the console
writes it with :func:`bot.authoring.flowyaml.rewrite` and checks it like typed YAML.

A place a step or option leads to is a *target*: ``"step:<id>"`` (a step of the same
flow) or ``"flow:<id>"`` (another flow).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from typing import Any

__all__ = [
    "NEW_STEP_KINDS",
    "EditError",
    "add_option",
    "add_step",
    "move_option",
    "new_msgid",
    "remove_option",
    "set_option_target",
    "step_leads_on",
    "target_of",
]

#: Kinds a step can be added as from the console (the others need an author's YAML).
NEW_STEP_KINDS = ("message", "menu", "call", "escalate", "end")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
#: The keys of a step that say where it goes next, in the order they are written.
_ONWARD = ("next", "on_fail", "on_missing", "else")


class EditError(ValueError):
    """An edit that cannot be made (the reason is a message id for the console)."""


def _steps(doc: Mapping[str, Any]) -> dict[str, Any]:
    steps = doc.get("steps")
    if not isinstance(steps, dict):
        raise EditError("console.flows.edit.no_steps")
    return steps


def _menu(doc: dict[str, Any], step: str) -> list[dict[str, Any]]:
    raw = _steps(doc).get(step)
    if not isinstance(raw, dict) or raw.get("kind") != "menu":
        raise EditError("console.flows.edit.not_a_menu")
    options = raw.setdefault("options", [])
    if not isinstance(options, list):
        raise EditError("console.flows.edit.not_a_menu")
    return options


def _parse_target(target: str) -> tuple[str, str]:
    kind, _, name = target.partition(":")
    if kind not in ("step", "flow") or not _ID.match(name):
        raise EditError("console.flows.edit.bad_target")
    return ("next" if kind == "step" else "flow"), name


def target_of(option: Mapping[str, Any]) -> str:
    """Where a menu option leads, as a target."""
    if option.get("next"):
        return f"step:{option['next']}"
    return f"flow:{option.get('flow', '')}"


def _with_target(option: Mapping[str, Any], target: str) -> dict[str, Any]:
    """The option leading to ``target``, its key where the old one was."""
    key, name = _parse_target(target)
    out: dict[str, Any] = {}
    placed = False
    for k, v in option.items():
        if k in ("next", "flow"):
            if not placed:
                out[key] = name
                placed = True
            continue
        out[k] = v
    if not placed:
        out[key] = name
    return out


def set_option_target(doc: Mapping[str, Any], step: str, index: int, target: str) -> dict[str, Any]:
    new = copy.deepcopy(dict(doc))
    options = _menu(new, step)
    if not 0 <= index < len(options):
        raise EditError("console.flows.edit.no_option")
    options[index] = _with_target(options[index], target)
    return new


def add_option(
    doc: Mapping[str, Any], step: str, label: str, target: str, icon: str = ""
) -> dict[str, Any]:
    """A new last option of the menu ``step``, showing message ``label``."""
    new = copy.deepcopy(dict(doc))
    option: dict[str, Any] = {"label": label}
    if icon:
        option["icon"] = icon
    _menu(new, step).append(_with_target(option, target))
    return new


def move_option(doc: Mapping[str, Any], step: str, index: int, delta: int) -> dict[str, Any]:
    """The option one place up (``delta`` -1) or down (+1); at an end, unchanged."""
    new = copy.deepcopy(dict(doc))
    options = _menu(new, step)
    if not 0 <= index < len(options):
        raise EditError("console.flows.edit.no_option")
    other = index + delta
    if 0 <= other < len(options):
        options[index], options[other] = options[other], options[index]
    return new


def remove_option(doc: Mapping[str, Any], step: str, index: int) -> dict[str, Any]:
    new = copy.deepcopy(dict(doc))
    options = _menu(new, step)
    if not 0 <= index < len(options):
        raise EditError("console.flows.edit.no_option")
    if len(options) == 1:
        raise EditError("console.flows.edit.last_option")
    del options[index]
    return new


def step_leads_on(raw: Mapping[str, Any]) -> bool:
    """Whether a new step can be put after this one (it has a single ``next``)."""
    return isinstance(raw.get("next"), str) and raw.get("kind") not in ("branch", "menu")


def add_step(
    doc: Mapping[str, Any],
    step_id: str,
    kind: str,
    after: str,
    *,
    text: str = "",
    flow: str = "",
    label: str = "",
) -> dict[str, Any]:
    """A new step ``step_id`` put after step ``after``: ``after`` now leads to it, and
    it leads where ``after`` led. ``text`` is its message id (message, menu, end);
    ``flow`` the flow a call runs; a menu gets one option, ``label``, going on. An end
    step ends the flow there (what came after ``after`` is then reached otherwise or
    reported as unreachable)."""
    new = copy.deepcopy(dict(doc))
    steps = _steps(new)
    if not _ID.match(step_id):
        raise EditError("console.flows.edit.bad_id")
    if step_id in steps:
        raise EditError("console.flows.edit.taken_id")
    before = steps.get(after)
    if not isinstance(before, dict) or not step_leads_on(before):
        raise EditError("console.flows.edit.bad_after")
    onward = before["next"]
    if kind == "message":
        raw: dict[str, Any] = {"kind": "message", "text": text, "next": onward}
    elif kind == "menu":
        raw = {"kind": "menu", "text": text, "options": [{"label": label, "next": onward}]}
    elif kind == "call":
        raw = {"kind": "call", "flow": flow, "next": onward}
    elif kind == "escalate":
        raw = {"kind": "escalate", "reason": "flow", "next": onward}
    elif kind == "end":
        raw = {"kind": "end", **({"text": text} if text else {})}
    else:
        raise EditError("console.flows.edit.bad_kind")
    if any(not raw.get(k, "x") for k in ("text", "flow")) or (kind == "menu" and not label):
        raise EditError("console.flows.edit.missing")
    before["next"] = step_id
    # The new step is written right after the one it follows.
    new["steps"] = {
        k: v
        for sid, raw_step in steps.items()
        for k, v in _after(sid, raw_step, after, step_id, raw)
    }
    return new


def _after(sid: str, raw_step: Any, after: str, step_id: str, raw: Any) -> list[tuple[str, Any]]:
    return [(sid, raw_step), (step_id, raw)] if sid == after else [(sid, raw_step)]


def new_msgid(flow: str, step: str, what: str, taken: Collection[str]) -> str:
    """A message id not in ``taken`` for a new text of ``step``: ``flow.step_what``,
    numbered when needed."""
    base = f"{flow}.{step}_{what}"
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"
