"""Flow files as written: YAML parsed with line numbers, checked against
``flows/schema.json`` and the engine's graph checks, errors in root-cause order.

A YAML syntax error or an unknown step kind comes first, with its file and line; what
it causes (a reference to the step or flow it broke, a step no longer reachable) is not
reported again. The files that pass are built into the engine's :class:`FlowSet` by
:mod:`bot.engine.loader` (which knows no YAML).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.authoring.yamltree import YamlSyntaxError, line_of, parse
from bot.engine.errors import FlowError, FlowLoadError, Rank, root_cause_first
from bot.engine.loader import build_flowset
from bot.engine.model import STEP_KINDS, FlowSet
from bot.engine.validation import check_flowset
from nlu.intents import INTENTS

__all__ = [
    "ROUTES_FILE",
    "FlowDocs",
    "check_flow_texts",
    "flow_texts",
    "load_flow_documents",
    "load_flows",
    "parse_flow_text",
    "step_lines",
]

ROUTES_FILE = "routes.yaml"
_SCHEMA_FILE = "schema.json"


def _schema(flows_dir: Path, definition: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((flows_dir / _SCHEMA_FILE).read_text("utf-8"))
    return {**schema, "$ref": f"#/$defs/{definition}"}


def _schema_errors(
    doc: Any, schema: dict[str, Any], file: str, node: yaml.Node | None
) -> tuple[list[FlowError], set[str]]:
    """The schema errors of a document, and the steps they are in. A step whose kind is
    unknown gets one error saying so, not the others its wrong shape causes."""
    validator = jsonschema.Draft202012Validator(schema)
    flow = doc.get("flow", "") if isinstance(doc, dict) else ""
    steps = doc.get("steps") if isinstance(doc, dict) else None
    errors: list[FlowError] = []
    broken: set[str] = set()
    unknown_kind: set[str] = set()
    if isinstance(steps, dict):
        for sid, raw in steps.items():
            if isinstance(raw, dict) and "kind" in raw and raw["kind"] not in STEP_KINDS:
                unknown_kind.add(str(sid))
                errors.append(
                    FlowError(
                        file,
                        str(flow),
                        str(sid),
                        f"unknown step kind '{raw['kind']}' (known kinds: {', '.join(STEP_KINDS)})",
                        line_of(node, ("steps", sid, "kind")),
                        Rank.KIND,
                    )
                )
    for err in validator.iter_errors(doc):
        path = list(err.absolute_path)
        step = str(path[1]) if len(path) > 1 and path[0] == "steps" else ""
        if step:
            broken.add(step)
        if step in unknown_kind:
            continue
        where = "/".join(str(p) for p in path) or "(top)"
        errors.append(
            FlowError(
                file,
                str(flow),
                step,
                f"schema: {where}: {err.message}",
                line_of(node, path),
                Rank.SCHEMA,
            )
        )
    return errors, broken | unknown_kind


@dataclass
class FlowDocs:
    """Parsed flow files: the good documents by flow id (with their file), the routes,
    the errors, the line of every step, and what is broken (to silence consequences)."""

    docs: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    routes: dict[str, Any] = field(default_factory=dict)
    errors: list[FlowError] = field(default_factory=list)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    broken_files: set[str] = field(default_factory=set)
    broken_flows: set[str] = field(default_factory=set)
    broken_steps: dict[str, set[str]] = field(default_factory=dict)


def step_lines(text: str) -> dict[str, int]:
    """The 1-based line of each step of a flow file ({} when it does not parse)."""
    try:
        parsed = parse(text)
    except YamlSyntaxError:
        return {}
    steps = parsed.doc.get("steps") if isinstance(parsed.doc, dict) else None
    if not isinstance(steps, dict):
        return {}
    return {str(sid): line_of(parsed.node, ("steps", sid)) for sid in steps}


def parse_flow_text(
    text: str, file: str, flows_dir: Path
) -> tuple[dict[str, Any] | None, list[FlowError]]:
    """Parse and schema-check one flow document (the document only when it passes)."""
    found = FlowDocs()
    doc = _parse_into(found, file, text, flows_dir)
    return (doc if not found.errors else None), found.errors


def _parse_into(found: FlowDocs, file: str, text: str, flows_dir: Path) -> dict[str, Any] | None:
    """Parse one flow file into ``found``; the document with its good steps (None when
    it is not a flow document at all)."""
    try:
        parsed = parse(text)
    except YamlSyntaxError as exc:
        found.errors.append(FlowError(file, "", "", f"YAML syntax: {exc}", exc.line, Rank.SYNTAX))
        found.broken_files.add(file)
        found.broken_flows.add(file.removesuffix(".yaml"))
        return None
    doc = parsed.doc
    errors, broken = _schema_errors(doc, _schema(flows_dir, "flow"), file, parsed.node)
    found.errors.extend(errors)
    if not isinstance(doc, dict) or not isinstance(doc.get("flow"), str):
        found.broken_files.add(file)
        found.broken_flows.add(file.removesuffix(".yaml"))
        return None
    steps: dict[str, Any] = doc["steps"] if isinstance(doc.get("steps"), dict) else {}
    for sid in steps:
        found.lines[(file, str(sid))] = line_of(parsed.node, ("steps", sid))
    if errors:
        top = [e for e in errors if not e.step]
        found.broken_steps.setdefault(doc["flow"], set()).update(broken)
        if top or not steps:
            found.broken_flows.add(doc["flow"])
            return None
        doc = {**doc, "steps": {k: v for k, v in steps.items() if k not in broken}}
        if not doc["steps"]:
            found.broken_flows.add(doc["flow"])
            return None
    return doc


def load_flow_documents(flows_dir: Path, texts: Mapping[str, str] | None = None) -> FlowDocs:
    """Parse every flow file: those given as ``texts`` (file name -> YAML, e.g. a console
    draft) or those under ``flows_dir``; the schema always comes from ``flows_dir``.
    Files with schema errors keep their good steps (for the graph checks)."""
    found = FlowDocs()
    for file, text in sorted((texts if texts is not None else flow_texts(flows_dir)).items()):
        if file == ROUTES_FILE:
            try:
                parsed = parse(text)
            except YamlSyntaxError as exc:
                found.errors.append(
                    FlowError(file, "", "", f"YAML syntax: {exc}", exc.line, Rank.SYNTAX)
                )
                found.broken_files.add(file)
                continue
            errors, _ = _schema_errors(parsed.doc, _schema(flows_dir, "routes"), file, parsed.node)
            found.errors.extend(errors)
            if not errors:
                found.routes = parsed.doc["routes"]
            continue
        doc = _parse_into(found, file, text, flows_dir)
        if doc is None:
            continue
        if doc["flow"] in found.docs:
            found.errors.append(
                FlowError(
                    file,
                    doc["flow"],
                    "",
                    f"duplicate flow id (also in {found.docs[doc['flow']][0]})",
                    line_of(parse(text).node, ("flow",)),
                    Rank.DUPLICATE,
                )
            )
            continue
        found.docs[doc["flow"]] = (file, doc)
    return found


def flow_texts(flows_dir: Path) -> dict[str, str]:
    """The text of every ``*.yaml`` under ``flows_dir``, by file name."""
    return {path.name: path.read_text("utf-8") for path in sorted(flows_dir.glob("*.yaml"))}


def _fingerprint(texts: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for file, text in sorted(texts.items()):
        digest.update(file.encode())
        digest.update(text.encode())
    return digest.hexdigest()[:12]


def _consequence(error: FlowError, found: FlowDocs) -> bool:
    """An error another, reported one causes: a reference to a broken step or flow, a
    step of a broken flow no longer reachable or leading nowhere, a missing flow whose
    file is broken, routes when routes.yaml is broken."""
    broken_here = found.broken_steps.get(error.flow, set())
    for target in broken_here:
        if error.message in (
            f"unknown step '{target}'",
            f"start step '{target}' does not exist",
        ):
            return True
    if broken_here and error.rank == Rank.SHAPE:
        return True
    for flow in found.broken_flows:
        if error.message.endswith(f"unknown flow '{flow}'"):
            return True
        if error.flow == flow and error.message.startswith("the engine needs this flow"):
            return True
    return False


def check_flow_texts(
    flows_dir: Path, texts: Mapping[str, str], catalogs: Mapping[str, Collection[str]] | None = None
) -> tuple[FlowSet | None, list[FlowError]]:
    """Every check of ``orienta flows check`` on flow files given as texts: the flow set
    built from them (None when a file does not parse or fails the schema; it is built,
    and usable for a diagram, despite graph or translation errors) and the errors, root
    causes first, each with its line."""
    found = load_flow_documents(flows_dir, texts)
    flowset = build_flowset(found.docs, found.routes, _fingerprint(texts))
    graph = check_flowset(flowset, catalogs, INTENTS)
    if ROUTES_FILE in found.broken_files:
        graph = [e for e in graph if e.file != ROUTES_FILE]
    graph = [
        replace(e, line=found.lines.get((e.file, e.step), 0))
        for e in graph
        if not _consequence(e, found)
    ]
    # A step leading nowhere leaves the steps after it unreachable and itself a dead
    # end: those follow from the dangling reference, which is reported.
    dangling = {e.flow for e in graph if e.message.startswith(("unknown step '", "start step '"))}
    graph = [
        e
        for e in graph
        if not (e.flow in dangling and e.message.startswith(("unreachable step", "dead end")))
    ]
    errors = root_cause_first([*found.errors, *graph])
    if found.errors:
        return None, errors
    return flowset, errors


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
