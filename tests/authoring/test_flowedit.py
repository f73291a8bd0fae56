"""Editing a flow step by step: each edit written back as YAML that reads back as the
edited document, passes the checks, loads into the engine, keeps the file's comments and
changes only the lines it should."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from bot.authoring import flowedit
from bot.authoring.flowfiles import check_flow_texts, flow_texts, load_flows
from bot.authoring.flowyaml import rewrite
from bot.authoring.yamltree import parse
from bot.engine.model import CallStep, EndStep, MenuStep, MessageStep

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"


def edited(file: str, edit: object) -> tuple[str, str]:
    """(shipped text, text after ``edit(doc)``)."""
    text = (FLOWS / file).read_text("utf-8")
    doc = edit(parse(text).doc)  # type: ignore[operator]
    out = rewrite(text, doc)
    assert parse(out).doc == doc  # what is written reads back as the edited document
    return text, out


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def loads(file: str, text: str):  # type: ignore[no-untyped-def]
    """The flow set with ``file`` replaced, through every check but translations."""
    return load_flows(FLOWS, texts={**flow_texts(FLOWS), file: text})


@pytest.mark.parametrize("path", sorted(FLOWS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_file_is_written_back_as_it_is(path: Path) -> None:
    text = path.read_text("utf-8")
    assert rewrite(text, parse(text).doc) == text


def test_adding_a_menu_option_leading_to_an_existing_step() -> None:
    before, after = edited(
        "rights.yaml",
        lambda d: flowedit.add_option(d, "next_steps", "rights.ask_person", "step:escalate", "🙋"),
    )
    assert changed_lines(before, after) == [
        '+      - {label: rights.ask_person, icon: "🙋", next: escalate}'
    ]
    step = loads("rights.yaml", after).flows["rights"].steps["next_steps"]
    assert isinstance(step, MenuStep)
    assert (step.options[-1].label, step.options[-1].next) == ("rights.ask_person", "escalate")


def test_reordering_removing_and_retargeting_options() -> None:
    _, moved = edited("help.yaml", lambda d: flowedit.move_option(d, "choose", 2, -1))
    step = loads("help.yaml", moved).flows["help"].steps["choose"]
    assert isinstance(step, MenuStep)
    assert [o.label for o in step.options] == [
        "button.menu",
        "privacy.my_data",
        "menu.language",
        "button.human",
    ]
    # At an end nothing moves.
    assert parse(
        edited("help.yaml", lambda d: flowedit.move_option(d, "choose", 0, -1))[1]
    ).doc == (parse((FLOWS / "help.yaml").read_text()).doc)
    before, removed = edited("help.yaml", lambda d: flowedit.remove_option(d, "choose", 1))
    assert changed_lines(before, removed) == [
        '-      - {label: menu.language, icon: "🌐", flow: language}'
    ]
    before, sent = edited(
        "help.yaml", lambda d: flowedit.set_option_target(d, "choose", 0, "step:explain")
    )
    # The new key takes the old one's place.
    assert changed_lines(before, sent) == [
        '-      - {label: button.menu, icon: "↩️", flow: menu}',
        '+      - {label: button.menu, icon: "↩️", next: explain}',
    ]
    step = loads("help.yaml", sent).flows["help"].steps["choose"]
    assert isinstance(step, MenuStep) and step.options[0].next == "explain"


def test_a_menu_keeps_one_option_and_targets_are_checked() -> None:
    doc = parse((FLOWS / "goodbye.yaml").read_text()).doc
    with pytest.raises(flowedit.EditError, match="not_a_menu"):
        flowedit.add_option(doc, "bye", "x.y", "step:bye")
    doc = parse((FLOWS / "mediator.yaml").read_text()).doc
    menus = [sid for sid, raw in doc["steps"].items() if raw["kind"] == "menu"]
    for sid in menus:
        only = doc
        while len(only["steps"][sid]["options"]) > 1:
            only = flowedit.remove_option(only, sid, 0)
        with pytest.raises(flowedit.EditError, match="last_option"):
            flowedit.remove_option(only, sid, 0)
    doc = parse((FLOWS / "help.yaml").read_text()).doc
    for target in ("nowhere", "step:", "step:Bad Id", "file:x"):
        with pytest.raises(flowedit.EditError, match="bad_target"):
            flowedit.set_option_target(doc, "choose", 0, target)


def test_a_wrong_target_is_refused_by_the_checks_with_its_line() -> None:
    _, out = edited(
        "help.yaml", lambda d: flowedit.set_option_target(d, "choose", 0, "step:nowhere")
    )
    flowset, errors = check_flow_texts(FLOWS, {**flow_texts(FLOWS), "help.yaml": out})
    assert [str(e) for e in errors] == [
        "help.yaml:13: flow 'help', step 'choose': unknown step 'nowhere'"
    ]
    assert out.splitlines()[12] == "  choose:" and flowset is not None


def test_adding_steps_of_known_kinds_after_a_step() -> None:
    before, after = edited(
        "greeting.yaml",
        lambda d: flowedit.add_step(d, "tip", "message", "hello", text="smalltalk.tip"),
    )
    assert after == before.replace(
        "    next: to_menu\n",
        "    next: tip\n  tip:\n    kind: message\n    text: smalltalk.tip\n    next: to_menu\n",
    )
    flow = loads("greeting.yaml", after).flows["greeting"]
    assert list(flow.steps) == ["hello", "tip", "to_menu"]
    assert isinstance(flow.steps["tip"], MessageStep) and flow.steps["tip"].next == "to_menu"

    _, menu = edited(
        "greeting.yaml",
        lambda d: flowedit.add_step(d, "pick", "menu", "hello", text="a.b", label="a.c"),
    )
    step = loads("greeting.yaml", menu).flows["greeting"].steps["pick"]
    assert isinstance(step, MenuStep) and step.options[0].next == "to_menu"

    _, call = edited(
        "greeting.yaml", lambda d: flowedit.add_step(d, "helpme", "call", "hello", flow="help")
    )
    flow = loads("greeting.yaml", call).flows["greeting"]
    assert isinstance(flow.steps["helpme"], CallStep) and flow.steps["helpme"].flow == "help"

    _, end = edited("greeting.yaml", lambda d: flowedit.add_step(d, "bye", "end", "hello"))
    flowset, errors = check_flow_texts(FLOWS, {**flow_texts(FLOWS), "greeting.yaml": end})
    assert flowset is not None and isinstance(flowset.flows["greeting"].steps["bye"], EndStep)
    assert [e.message for e in errors] == ["unreachable step"]  # to_menu: nothing leads there

    doc = parse((FLOWS / "greeting.yaml").read_text()).doc
    for args, reason in (
        (("hello", "message", "to_menu"), "taken_id"),
        (("Bad", "message", "hello"), "bad_id"),
        (("x", "message", "to_menu"), "bad_after"),  # a call without next
        (("x", "branch", "hello"), "bad_kind"),
        (("x", "message", "hello"), "missing"),
    ):
        with pytest.raises(flowedit.EditError, match=reason):
            flowedit.add_step(doc, *args)


def test_comments_stay_where_they_were() -> None:
    before, after = edited(
        "welcome.yaml",
        lambda d: flowedit.move_option(d, "privacy", 0, +1),
    )
    assert "# the language was just picked in the language flow" in after
    assert "    # A question typed before consent is answered now" in after
    assert len(changed_lines(before, after)) == 2  # one line moved
    # A comment above an option moves with it.
    text = (
        "flow: m\nstart: pick\nsteps:\n  pick:\n    kind: menu\n    text: a.b\n"
        "    options:\n      # the first one\n      - {label: a.one, next: done}\n"
        "      - {label: a.two, next: done}  # the second one\n  done:\n    kind: end\n"
    )
    moved = rewrite(text, flowedit.move_option(parse(text).doc, "pick", 0, +1))
    assert moved.splitlines()[7:10] == [
        "      - {label: a.two, next: done}  # the second one",
        "      # the first one",
        "      - {label: a.one, next: done}",
    ]
    routes = (FLOWS / "routes.yaml").read_text()
    assert rewrite(routes, parse(routes).doc).startswith("# Where an intent leads")


def test_new_message_ids_do_not_clash() -> None:
    taken = {"menu.topics_option", "menu.topics_option2"}
    assert flowedit.new_msgid("menu", "topics", "option", taken) == "menu.topics_option3"
    assert flowedit.new_msgid("menu", "topics", "text", taken) == "menu.topics_text"
