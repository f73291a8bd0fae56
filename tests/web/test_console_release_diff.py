"""The draft's diff on /console/releases (and a release's on its page) compares with
the file in force: the published one, else the shipped one, so one changed line shows
as one changed line, not the whole file as new."""

from __future__ import annotations

import html
import re
from pathlib import Path

from bot.app import Orienta
from tests.web.staff import account, signed_in

ROOT = Path(__file__).resolve().parents[2]


def diff_spans(page: str) -> list[tuple[str, str]]:
    return [
        (kind, html.unescape(text))
        for kind, text in re.findall(r'<span class="(add|del|hunk)">([^<]*)</span>', page)
    ]


async def test_the_draft_diff_shows_only_the_changed_lines(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    shipped = (ROOT / "flows" / "help.yaml").read_text("utf-8")
    changed = shipped.replace(
        "      - {label: button.menu,", "      - {label: button.menu, intents: [greet],", 1
    )
    assert changed != shipped
    async with signed_in(orienta, "ada") as ada:
        saved = await ada.post("/console/flows/help.yaml", {"text": changed})
        assert saved.status_code == 303, saved.text
        page = (await ada.get("/console/releases")).text
        spans = diff_spans(page)
        assert not any(text.startswith("@@ -0,0") for kind, text in spans if kind == "hunk")
        assert [kind for kind, _ in spans if kind != "hunk"] == ["del", "add"]
        assert [t for k, t in spans if k == "add"] == ["+" + changed.splitlines()[16]]
        published = await ada.post("/console/releases/publish", {"note": "one more intent"})
        assert published.status_code == 303
        release = (await ada.get("/console/releases/1")).text
        assert [kind for kind, _ in diff_spans(release) if kind != "hunk"] == ["del", "add"]
