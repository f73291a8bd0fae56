"""Flow checks in root-cause order, each error with its file and line: a YAML syntax
error or an unknown step kind first, and the dangling references it causes not at all."""

from __future__ import annotations

from pathlib import Path

from bot.authoring.flowfiles import check_flow_texts, flow_texts, step_lines
from bot.engine.errors import FlowError, FlowLoadError, Rank, root_cause_first

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"


def check(**files: str) -> list[str]:
    texts = {
        **flow_texts(FLOWS),
        **{name.replace("_yaml", ".yaml"): t for name, t in files.items()},
    }
    _, errors = check_flow_texts(FLOWS, texts)
    return [str(e) for e in errors]


def shipped(name: str) -> str:
    return (FLOWS / name).read_text("utf-8")


def test_a_typo_in_a_step_kind_is_the_one_error_with_its_line() -> None:
    typo = shipped("welcome.yaml").replace(
        "  hello:\n    kind: message", "  hello:\n    kind: mesage"
    )
    line = typo.splitlines().index("    kind: mesage") + 1
    errors = check(welcome_yaml=typo)
    assert errors[0].startswith(
        f"welcome.yaml:{line}: flow 'welcome', step 'hello': unknown step kind 'mesage'"
    )
    # Not repeated as "schema" errors of the step, nor as references to 'hello' (the
    # branch's else), nor as steps that became unreachable from it.
    assert errors == errors[:1], errors


def test_a_syntax_error_comes_first_and_its_flow_is_not_reported_missing() -> None:
    broken = shipped("greeting.yaml").replace("    next: to_menu", "    next: [to_menu")
    dangling = shipped("help.yaml").replace("next: how", "next: howto")
    errors = check(greeting_yaml=broken, help_yaml=dangling)
    line = broken.splitlines().index("    next: [to_menu") + 1  # where the bracket opens
    assert errors[0].startswith(f"greeting.yaml:{line}: YAML syntax")
    # routes.yaml sends 'greet' to 'greeting': a consequence, not reported. An unrelated
    # mistake elsewhere still is, after the root cause.
    assert errors[1:] == ["help.yaml:5: flow 'help', step 'explain': unknown step 'howto'"]


def test_schema_errors_point_at_the_key() -> None:
    bad = shipped("thanks.yaml").replace("text: smalltalk.welcome", "text: Not An Id")
    errors = check(thanks_yaml=bad)
    assert errors == [
        "thanks.yaml:7: flow 'thanks', step 'reply': schema: steps/reply/text: "
        "'Not An Id' does not match '^[a-z][a-z0-9_]*(\\\\.[a-z0-9_]+)+$'"
    ]


def test_root_cause_order_and_the_load_error() -> None:
    late = FlowError("a.yaml", "a", "x", "unreachable step", 9, Rank.SHAPE)
    cause = FlowError("b.yaml", "b", "y", "unknown step kind 'z'", 30, Rank.KIND)
    syntax = FlowError("c.yaml", "", "", "YAML syntax: oops", 2, Rank.SYNTAX)
    assert root_cause_first([late, cause, syntax, late]) == [syntax, cause, late]
    assert str(FlowLoadError([late, cause])).splitlines()[0] == (
        "b.yaml:30: flow 'b', step 'y': unknown step kind 'z'"
    )


def test_step_lines() -> None:
    lines = step_lines(shipped("greeting.yaml"))
    assert lines == {"hello": 5, "to_menu": 9}
    assert step_lines("steps: [") == {}
