"""Load flow YAML files: schema validation, then frozen model objects.

``load_flows`` returns the raw documents checked against ``flows/schema.json``
and built into a :class:`FlowSet`; graph checks live in ``validation.py``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.engine.errors import FlowError, FlowLoadError
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
from bot.engine.validation import check_flowset

__all__ = [
    "ROUTES_FILE",
    "build_flowset",
    "build_step",
    "check_flow_texts",
    "flow_texts",
    "load_flow_documents",
    "load_flows",
    "parse_flow_text",
]

ROUTES_FILE = "routes.yaml"
_SCHEMA_FILE = "schema.json"


def _schema(flows_dir: Path, definition: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((flows_dir / _SCHEMA_FILE).read_text("utf-8"))
    return {**schema, "$ref": f"#/$defs/{definition}"}


def _schema_errors(doc: Any, schema: dict[str, Any], file: str) -> list[FlowError]:
    validator = jsonschema.Draft202012Validator(schema)
    flow = doc.get("flow", "") if isinstance(doc, dict) else ""
    errors = []
    for err in validator.iter_errors(doc):
        path = list(err.absolute_path)
        step = str(path[1]) if len(path) > 1 and path[0] == "steps" else ""
        where = "/".join(str(p) for p in path) or "(top)"
        errors.append(FlowError(file, str(flow), step, f"schema: {where}: {err.message}"))
    return errors


def parse_flow_text(
    text: str, file: str, flows_dir: Path
) -> tuple[dict[str, Any] | None, list[FlowError]]:
    """Parse and schema-check one flow document (used by the loader and the console)."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, [FlowError(file, "", "", f"YAML syntax: {exc}")]
    errors = _schema_errors(doc, _schema(flows_dir, "flow"), file)
    return (doc if not errors else None), errors


def flow_texts(flows_dir: Path) -> dict[str, str]:
    """The text of every ``*.yaml`` under ``flows_dir``, by file name."""
    return {path.name: path.read_text("utf-8") for path in sorted(flows_dir.glob("*.yaml"))}


def load_flow_documents(
    flows_dir: Path, texts: Mapping[str, str] | None = None
) -> tuple[dict[str, tuple[str, dict[str, Any]]], dict[str, Any], list[FlowError]]:
    """Parse every flow file: (flows by id with file, routes, errors). The files are
    ``texts`` (file name -> YAML, e.g. a console draft) or those under ``flows_dir``;
    the schema always comes from ``flows_dir``."""
    docs: dict[str, tuple[str, dict[str, Any]]] = {}
    routes: dict[str, Any] = {}
    errors: list[FlowError] = []
    for file, text in sorted((texts if texts is not None else flow_texts(flows_dir)).items()):
        if file == ROUTES_FILE:
            try:
                raw = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                errors.append(FlowError(file, "", "", f"YAML syntax: {exc}"))
                continue
            found = _schema_errors(raw, _schema(flows_dir, "routes"), file)
            errors.extend(found)
            if not found:
                routes = raw["routes"]
            continue
        doc, found = parse_flow_text(text, file, flows_dir)
        errors.extend(found)
        if doc is None:
            continue
        if doc["flow"] in docs:
            errors.append(
                FlowError(
                    file, doc["flow"], "", f"duplicate flow id (also in {docs[doc['flow']][0]})"
                )
            )
            continue
        docs[doc["flow"]] = (file, doc)
    return docs, routes, errors


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


def _fingerprint(texts: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for file, text in sorted(texts.items()):
        digest.update(file.encode())
        digest.update(text.encode())
    return digest.hexdigest()[:12]


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


def check_flow_texts(
    flows_dir: Path, texts: Mapping[str, str], catalogs: Mapping[str, Collection[str]] | None = None
) -> tuple[FlowSet | None, list[FlowError]]:
    """Every check of ``orienta flows check`` on flow files given as texts: the flow set
    built from them (None when a file does not parse or fails the schema; it is built,
    and usable for a diagram, despite graph or translation errors) and the errors."""
    docs, routes, errors = load_flow_documents(flows_dir, texts)
    if errors:
        return None, errors
    flowset = build_flowset(docs, routes, _fingerprint(texts))
    return flowset, check_flowset(flowset, catalogs)


def load_flows(
    flows_dir: Path,
    catalogs: Mapping[str, Collection[str]] | None = None,
    texts: Mapping[str, str] | None = None,
) -> FlowSet:
    """Load, schema-check and graph-check every flow (the files under ``flows_dir``, or
    ``texts``); raise :class:`FlowLoadError` on errors."""
    flowset, errors = check_flow_texts(
        flows_dir, texts if texts is not None else flow_texts(flows_dir), catalogs
    )
    if flowset is None or errors:
        raise FlowLoadError(errors)
    return flowset
