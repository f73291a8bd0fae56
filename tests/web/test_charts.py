"""The dashboard's SVG charts: values map to bar sizes on a round scale, a value too
small to show is an outline that does not tell it, no data gives the empty text, every
chart is labelled by its title and description, right-to-left charts are mirrored, and
the dashboard's charts follow the service's rule for small counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from bot.services.dashboard import Dashboard, DayCount, Escalations, shown_minutes
from bot.store.stats import DropOut, Gap
from bot.web.charts import Chart, Series, columns, nice_max, rows
from bot.web.dashboard_charts import dashboard_charts

NS = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def _rects(svg: ET.Element, kind: str = "bar") -> list[ET.Element]:
    return [r for r in svg.iter(f"{NS}rect") if r.get("class") == kind]


def _size(rect: ET.Element, attribute: str) -> float:
    return float(rect.get(attribute) or "nan")


def test_round_scale() -> None:
    assert [nice_max(v) for v in (0, 0.4, 1, 3, 7, 11, 24, 26, 480)] == [
        1,
        0.5,
        1,
        5,
        10,
        20,
        25,
        50,
        500,
    ]


def test_column_heights_follow_the_values() -> None:
    chart = Chart(
        "c", "Ratings", "One column per rating", ["1", "2", "3"], [Series("", [10, 5, 0])], "none"
    )
    svg = _svg(columns(chart))
    bars = _rects(svg)
    assert [b.get("data-value") for b in bars] == ["10", "5"]  # a zero draws nothing
    tall, short = (_size(b, "height") for b in bars)
    assert tall == 2 * short
    # The scale ends at 10: the tallest bar fills the plot from its baseline to the top line.
    lines = sorted(float(line.get("y1") or 0) for line in svg.iter(f"{NS}line"))
    assert tall == lines[-1] - lines[0]
    assert _size(bars[0], "y") + tall == lines[-1]
    assert [t.text for t in svg.iter(f"{NS}text") if t.get("class") == "axis"] == ["0", "5", "10"]


def test_stacked_and_grouped_rows() -> None:
    stacked = _svg(
        rows(Chart("s", "Gaps", "d", ["housing"], [Series("FR", [6]), Series("AR", [12])], "-"))
    )
    fr, ar = _rects(stacked)
    assert _size(ar, "width") == 2 * _size(fr, "width")
    assert _size(ar, "x") == _size(fr, "x") + _size(fr, "width")  # one after the other
    assert fr.get("fill") != ar.get("fill")
    grouped = _svg(
        rows(
            Chart(
                "g",
                "Waits",
                "d",
                ["FR"],
                [Series("median", [4.5]), Series("p90", [9])],
                "-",
                stacked=False,
            )
        )
    )
    median, p90 = _rects(grouped)
    assert _size(median, "x") == _size(p90, "x")  # side by side, from the same axis
    assert _size(p90, "width") == 2 * _size(median, "width")
    values = [t.text for t in grouped.iter(f"{NS}text") if t.get("class") == "value"]
    assert values == ["4.5", "9"]


def test_a_value_too_small_to_show_is_an_outline_of_the_threshold() -> None:
    chart = Chart(
        "h",
        "Conversations",
        "d",
        ["mon", "tue"],
        [Series("FR", [20, None])],
        "-",
        hidden_extent=5,
    )
    svg = _svg(columns(chart))
    (bar,) = _rects(svg)
    (outline,) = _rects(svg, "hidden")
    assert outline.get("data-value") is None and outline.get("fill") == "none"
    assert _size(outline, "height") == _size(bar, "height") / 4  # 5 of 20, whatever it was
    assert outline.findtext(f"{NS}title") == "tue · FR: <5"
    # Without an extent, only the "<5" label is written.
    bare = _svg(rows(Chart("b", "t", "d", ["FR"], [Series("", [None])], "-")))
    assert not _rects(bare, "hidden") and not _rects(bare)
    assert [t.text for t in bare.iter(f"{NS}text") if t.get("class") == "value"] == ["<5"]


def test_no_data_gives_the_empty_text() -> None:
    empty = "Ratings appear here once people rate a conversation."
    for chart in (
        Chart("e", "t", "d", [], [], empty),
        Chart("e", "t", "d", ["1", "2"], [Series("", [0, 0])], empty),
    ):
        assert columns(chart) == rows(chart) == f'<p class="empty">{empty}</p>'


def test_labelled_escaped_and_mirrored_for_right_to_left() -> None:
    chart = Chart(
        "x",
        "Questions <b>",
        "Bars & more",
        ["a", "b"],
        [Series("<script>", [5, 10])],
        "-",
    )
    left = _svg(columns(chart))
    assert left.get("role") == "img"
    assert left.get("aria-labelledby") == "x-title x-desc"
    assert left.findtext(f"{NS}title") == "Questions <b>"  # escaped, so parsed back as text
    assert left.findtext(f"{NS}desc") == "Bars & more"
    right = _svg(columns(Chart(**{**chart.__dict__, "rtl": True})))
    assert right.get("direction") == "rtl" and left.get("direction") is None
    first_left, second_left = _rects(left)
    first_right, second_right = _rects(right)
    assert _size(first_left, "x") < _size(second_left, "x")
    assert _size(first_right, "x") > _size(second_right, "x")  # the first category on the right
    mirrored = _size(first_right, "x") + _size(first_right, "width")
    assert mirrored == pytest.approx(720 - _size(first_left, "x"))


def test_dashboard_charts_never_draw_a_small_count() -> None:
    day = date(2026, 11, 23)
    board = Dashboard(
        days=1,
        start=datetime(2026, 11, 23, tzinfo=UTC),
        end=datetime(2026, 11, 23, 9, tzinfo=UTC),
        conversations=[DayCount(day, "fr", 3), DayCount(day, "ar", 7)],
        conversation_totals={"fr": 3, "ar": 7},
        dropouts=[DropOut("welcome", "privacy", 2)],
        gaps=[Gap("housing", "fr", "anderlecht", 4), Gap("housing", "fr", "", 2)],
        escalations=[Escalations("fr", 3, 3, 4.0, 6.0), Escalations("ar", 5, 5, 2.0, 3.0)],
        ratings={1: 0, 2: 0, 3: 0, 4: 1, 5: 0},
        appointments=[],
        feedback=[],
        languages=["ar", "fr"],
    )
    drawn = dashboard_charts(board, lambda msgid, **_: msgid, True)
    assert drawn["escalations"].endswith('<p class="hint">console.dashboard.too_few_waits</p>')
    charts = {k: _svg(v.split('<p class="hint">')[0]) for k, v in drawn.items()}
    assert [r.get("data-value") for r in _rects(charts["conversations"])] == ["7"]
    assert len(_rects(charts["conversations"], "hidden-mark")) == 1  # French: left out
    assert not _rects(charts["dropouts"]) and not _rects(charts["ratings"])
    # Unanswered questions add up over regions before the rule: 4 + 2 is shown.
    assert [r.get("data-value") for r in _rects(charts["gaps"])] == ["6"]
    # Time to a mediator from five cases on: Arabic drawn, French left out (named).
    assert [r.get("data-value") for r in _rects(charts["escalations"])] == ["2", "3"]
    assert "<5" not in ET.tostring(charts["escalations"], encoding="unicode")
    for name, chart in charts.items():
        assert chart.get("direction") == "rtl"
        if name == "escalations":
            continue  # minutes, not counts
        titles = [t.text or "" for t in chart.iter(f"{NS}title")]
        assert not [t for t in titles if t.endswith((": 1", ": 2", ": 3", ": 4"))]


def test_small_counts_in_a_stack_add_nothing_to_its_height() -> None:
    languages = [Series("AR", [None, 8]), Series("FR", [None, None]), Series("UK", [4, None])]
    chart = Chart("s", "Conversations", "d", ["mon", "tue"], languages, "-", hidden_extent=5)
    svg = _svg(columns(chart))
    four, eight = _rects(svg)
    assert _size(eight, "height") == 2 * _size(four, "height")  # 4 and 8, nothing else added
    axis = [t.text for t in svg.iter(f"{NS}text") if t.get("class") == "axis"]
    assert axis == ["0", "5", "10"]  # the scale fits the drawn values (not 4 + 5 + 5)
    marks = _rects(svg, "hidden-mark")
    assert [m.findtext(f"{NS}title") for m in marks] == ["mon · AR, FR: <5", "tue · FR, UK: <5"]
    assert all(_size(m, "height") <= 5 for m in marks)
    # On top of its column: just above the drawn bar.
    assert _size(marks[0], "y") + _size(marks[0], "height") <= _size(four, "y")
    assert not _rects(svg, "hidden")  # no outline five high per language
    gaps = _svg(rows(Chart("g", "Gaps", "d", ["housing"], languages[:2], "-", hidden_extent=5)))
    assert len(_rects(gaps, "hidden-mark")) == 1 and not _rects(gaps, "hidden")


def _board(escalations: list[Escalations]) -> Dashboard:
    return Dashboard(
        days=1,
        start=datetime(2026, 11, 23, tzinfo=UTC),
        end=datetime(2026, 11, 23, 9, tzinfo=UTC),
        conversations=[],
        conversation_totals={},
        dropouts=[],
        gaps=[],
        escalations=escalations,
        ratings={},
        appointments=[],
        feedback=[],
        languages=[],
    )


def test_minutes_are_never_written_as_a_small_count() -> None:
    def say(msgid: str, **params: str) -> str:
        return f"{msgid} {' '.join(params.values())}".strip()

    few = dashboard_charts(_board([Escalations("fr", 3, 3, 1.0, 2.0)]), say, False)
    assert "<5" not in few["escalations"] and "<svg" not in few["escalations"]
    assert "console.dashboard.too_few_waits FR" in few["escalations"]
    board = _board([Escalations("fr", 3, 3, 1.0, 2.0), Escalations("ar", 9, 8, 42.0, 90.0)])
    svg = dashboard_charts(board, say, False)["escalations"]
    assert "<5" not in svg.split("<desc")[0] and "too_few_waits" in svg
    drawn = _svg(svg.split('<p class="hint">')[0])
    assert [r.get("data-value") for r in _rects(drawn)] == ["42", "90"]
    axis = [t.text for t in drawn.iter(f"{NS}text") if t.get("class") == "axis"]
    assert axis == ["0", "50", "100"]
    assert shown_minutes(2.0, 3) == "" and shown_minutes(42.0, 8) == "42.0"
