"""Flow loading: schema and graph checks name the file, the flow and the step."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.authoring.flowfiles import load_flows
from bot.engine.errors import FlowLoadError
from bot.i18n import Catalogs
from bot.settings import SERVED_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "data" / "flows" / "invalid"


def _catalogs() -> dict[str, frozenset[str]]:
    catalogs = Catalogs(ROOT / "locales")
    return {lang: catalogs.msgids(lang) for lang in ("en", *SERVED_LANGUAGES)}


def _with(tmp_path: Path, *extra: Path) -> Path:
    folder = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", folder)
    for path in extra:
        shutil.copy(path, folder / path.name)
    return folder


def test_shipped_flows_load_cleanly() -> None:
    flowset = load_flows(ROOT / "flows", _catalogs())
    assert {"welcome", "menu", "help", "language", "fallback"} <= set(flowset.flows)


@pytest.mark.parametrize(
    ("file", "flow", "step", "message"),
    [
        ("unknown_step.yaml", "broken_unknown_step", "first", "unknown step 'nowhere'"),
        ("unreachable.yaml", "broken_unreachable", "orphan", "unreachable step"),
        ("dead_end.yaml", "broken_dead_end", "first", "dead end"),
        ("unknown_intent.yaml", "broken_intent", "pick", "unknown intent 'ask_for_pizza'"),
        (
            "missing_msgid.yaml",
            "broken_msgid",
            "first",
            "message id 'nowhere.to_be_found' has no translation in 'ar'",
        ),
        ("schema.yaml", "broken_schema", "first", "schema: steps/first/text"),
        ("unknown_flow.yaml", "broken_call", "first", "unknown flow 'no_such_flow'"),
    ],
)
def test_each_error_names_file_flow_and_step(
    tmp_path: Path, file: str, flow: str, step: str, message: str
) -> None:
    folder = _with(tmp_path, INVALID / file)
    with pytest.raises(FlowLoadError) as caught:
        load_flows(folder, _catalogs())
    matching = [
        e
        for e in caught.value.errors
        if e.file == file and e.flow == flow and e.step == step and message in e.message
    ]
    assert matching, [str(e) for e in caught.value.errors]
    error = matching[0]
    assert re.match(rf"{re.escape(file)}:\d+: flow '{flow}', step '{step}': ", str(error))
    # The line is the step's own (or, for a schema error, the key at fault within it).
    line = (INVALID / file).read_text().splitlines()[error.line - 1]
    assert line.strip().startswith((f"{step}:", "text:"))


def test_missing_required_flow_is_reported(tmp_path: Path) -> None:
    folder = _with(tmp_path)
    (folder / "fallback.yaml").unlink()
    with pytest.raises(FlowLoadError, match=r"fallback.*the engine needs this flow"):
        load_flows(folder)


def test_route_to_unknown_intent_is_reported(tmp_path: Path) -> None:
    folder = _with(tmp_path)
    routes = folder / "routes.yaml"
    routes.write_text(routes.read_text() + "  make_coffee: {flow: menu}\n")
    with pytest.raises(FlowLoadError, match=r"routes\.yaml: unknown intent 'make_coffee'"):
        load_flows(folder)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    folder = _with(tmp_path)
    (folder / "zz_bad.yaml").write_text("flow: x\nsteps: [unclosed\n")
    with pytest.raises(FlowLoadError, match=r"zz_bad\.yaml:2: YAML syntax"):
        load_flows(folder)
