"""Build the engine's frozen model from flow documents (plain data already checked
against ``flows/schema.json``). Reading YAML, its line numbers and its checks live in
:mod:`bot.authoring.flowfiles`: the engine knows no file format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    Flow,
    FlowSet,
    MenuOption,
    MenuStep,
    MessageStep,
    Route,
    Step,
    Validation,
)

__all__ = ["build_flowset", "build_step"]


def build_step(step_id: str, raw: Mapping[str, Any]) -> Step:
    """Build one model step from its schema-valid mapping."""
    kind = raw["kind"]
    if kind == "message":
        return MessageStep(step_id, raw["text"], raw["next"])
    if kind == "menu":
        options = tuple(
            MenuOption(
                label=o["label"],
                icon=o.get("icon", ""),
                next=o.get("next"),
                flow=o.get("flow"),
                set=dict(o.get("set", {})),
                intents=tuple(o.get("intents", ())),
            )
            for o in raw["options"]
        )
        return MenuStep(step_id, raw["text"], options, raw.get("columns", 1))
    if kind == "ask":
        return AskStep(
            step_id,
            raw["text"],
            raw["var"],
            raw["next"],
            raw["error"],
            raw["on_fail"],
            Validation(**raw.get("validate", {})),
            raw.get("retries", 2),
        )
    if kind == "answer":
        return AnswerStep(
            step_id, raw["next"], raw["on_missing"], raw.get("topic"), raw.get("topic_var")
        )
    if kind == "book":
        return BookStep(step_id, raw["next"], raw["on_fail"], raw.get("service"))
    if kind == "escalate":
        return EscalateStep(step_id, raw["reason"], raw["next"], raw.get("urgency", "normal"))
    if kind == "branch":
        cases = tuple((Condition(**c["if"]), c["next"]) for c in raw["cases"])
        return BranchStep(step_id, cases, raw["else"])
    if kind == "call":
        return CallStep(step_id, raw["flow"], raw.get("next"))
    if kind == "action":
        return ActionStep(step_id, raw["action"], raw["next"])
    return EndStep(step_id, raw.get("text"))


def build_flowset(
    docs: Mapping[str, tuple[str, Mapping[str, Any]]], routes: Mapping[str, Any], version: str = ""
) -> FlowSet:
    """Build the model from schema-valid documents."""
    flows = {
        flow_id: Flow(
            flow_id,
            doc["start"],
            {sid: build_step(sid, raw) for sid, raw in doc["steps"].items()},
            source=file,
            description=doc.get("description", ""),
        )
        for flow_id, (file, doc) in docs.items()
    }
    built_routes = {
        intent: Route(intent, r["flow"], dict(r.get("set", {}))) for intent, r in routes.items()
    }
    return FlowSet(flows, built_routes, version)
