"""Mermaid diagrams with the texts people read, in a language, escaped for Mermaid."""

from __future__ import annotations

from pathlib import Path

from bot.authoring.flowfiles import load_flows
from bot.engine.diagram import mermaid, mermaid_text
from bot.i18n import Catalogs

ROOT = Path(__file__).resolve().parents[2]


def test_the_diagram_shows_texts_in_a_language() -> None:
    flow = load_flows(ROOT / "flows").flows["help"]
    catalogs = Catalogs(ROOT / "locales")
    by_id = mermaid(flow)
    assert "help.commands" in by_id and "button.menu" in by_id
    for lang in ("ar", "fi"):
        t = catalogs.translator(lang)
        drawn = mermaid(flow, t.gettext)
        assert "help.commands" not in drawn and "button.menu" not in drawn
        assert mermaid_text(t.gettext("help.commands")) in drawn
        assert mermaid_text(t.gettext("button.menu"), 40) in drawn
    # The step ids stay, so the diagram still names what the YAML calls them.
    assert "choose<br/><i>menu</i>" in drawn


def test_texts_cannot_break_out_of_a_label() -> None:
    nasty = 'He said "hi" <script>alert(1)</script> & #lt; `code`'
    escaped = mermaid_text(nasty)
    assert not any(c in escaped for c in '"<>`')
    assert escaped.startswith("He said #quot;hi#quot; #lt;script#gt;")
    assert "#amp;" in escaped and "#35;lt;" in escaped
    flow = load_flows(ROOT / "flows").flows["thanks"]
    drawn = mermaid(flow, lambda msgid: nasty)
    (node,) = [line for line in drawn.splitlines() if line.startswith("  reply")]
    assert node.count('"') == 2  # the label's own quotes only
    long = mermaid_text("word " * 100)
    assert len(long) <= 90 and long.endswith("…")
    assert mermaid_text("two\nlines") == "two<br/>lines"
