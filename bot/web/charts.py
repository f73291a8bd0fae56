"""Small bar charts drawn on the server as SVG, for the console's dashboard.

No script and no inline style (the console's CSP forbids both): shapes carry SVG
presentation attributes (``fill``, ``stroke``) and the stylesheet sets the rest.
Every chart has a ``<title>`` and a ``<desc>`` the SVG is labelled by, each bar its own
``<title>`` (its series, category and value), and the page puts the same numbers in a
table beside it.

Colours come from the Okabe–Ito palette, told apart with the common kinds of colour
blindness. Right-to-left pages get a mirrored chart: categories run from the right,
bars grow leftwards and labels sit on the right.

A value of None is one too small to show (the caller decides which, see
:func:`bot.services.dashboard.visible`): it is never drawn at its size. Alone in its
bar, it is a dashed outline up to ``hidden_extent`` (the threshold it lies below) or,
with an extent of 0, its ``hidden`` label. In a stack of several series it adds
nothing to the stack's height (five for each would make a column look far bigger
than it is): one thin hatched mark at the stack's end says that small counts, named in
its title, are left out. A chart with no categories, or only zeros, is the ``empty``
text instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

__all__ = ["PALETTE", "Chart", "Series", "columns", "nice_max", "rows"]

#: Okabe & Ito's colour-blind-safe colours (yellow left out: too pale on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
_WIDTH = 720
_FONT = 12
_MAX_LABELS = 6
_LABEL_CHARS = 26


@dataclass(frozen=True)
class Series:
    """One series: a value per category (None: too small to show)."""

    label: str
    values: Sequence[float | None]
    colour: str = ""


@dataclass(frozen=True)
class Chart:
    """What a chart shows; ``ident`` must be unique on the page."""

    ident: str
    title: str
    desc: str
    categories: Sequence[str]
    series: Sequence[Series]
    empty: str
    stacked: bool = True
    rtl: bool = False
    hidden: str = "<5"
    hidden_extent: float = 0

    def colour(self, index: int) -> str:
        return self.series[index].colour or PALETTE[index % len(PALETTE)]

    def is_empty(self) -> bool:
        return not self.categories or not any(
            value is None or value for s in self.series for value in s.values
        )

    @property
    def layered(self) -> bool:
        """Several series stacked: small counts are marked, not stacked."""
        return self.stacked and len(self.series) > 1

    def extent(self, value: float | None) -> float:
        """How much of the scale a value takes."""
        if value is None:
            return 0 if self.layered else self.hidden_extent
        return value

    def top(self) -> float:
        """The scale's end: a round number at least as big as the biggest bar."""
        extent = [[self.extent(v) for v in s.values] for s in self.series]
        if self.stacked:
            return nice_max(max(sum(col) for col in zip(*extent, strict=True)))
        return nice_max(max(max(values) for values in extent))


def nice_max(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value))


def columns(chart: Chart) -> Markup:
    """Vertical columns, one per category (stacked or side by side per series)."""
    if chart.is_empty():
        return _empty(chart)
    n, top = len(chart.categories), chart.top()
    legend = _LEGEND if len(chart.series) > 1 else 8
    left, right, bottom, height = 44, 8, 34, 260
    plot = _Plot(chart.rtl)
    y0, y1 = legend + 8, height - bottom
    band = (_WIDTH - left - right) / n
    parts = _legend(chart) + _grid_horizontal(plot, top, left, _WIDTH - right, y0, y1)
    every = math.ceil(n / _MAX_LABELS)
    for i, category in enumerate(chart.categories):
        x = left + i * band
        base: float = y1
        left_out: list[str] = []
        for s_index, series in enumerate(chart.series):
            width = band * (0.7 if chart.stacked else 0.8 / len(chart.series))
            bx = (
                x
                + band * (0.15 if chart.stacked else 0.1)
                + (0 if chart.stacked else s_index * width)
            )
            value = series.values[i]
            if value is None and chart.layered:
                left_out.append(series.label)
                continue
            size = chart.extent(value) / top * (y1 - y0)
            top_y = base - size if chart.stacked else y1 - size
            parts.append(_bar(chart, plot, s_index, category, value, bx, top_y, width, size))
            if chart.stacked:
                base -= size
        if left_out:
            box = (x + band * 0.15, base - _MARK - 1, band * 0.7, _MARK)
            parts.append(_mark(chart, plot, category, left_out, *box))
        if i % every == 0 or n <= _MAX_LABELS:
            parts.append(plot.text(x + band / 2, y1 + 16, _short(category), "middle", "label"))
    return _svg(chart, height, parts)


def rows(chart: Chart) -> Markup:
    """Horizontal bars, one row per category, labelled with the value at their end."""
    if chart.is_empty():
        return _empty(chart)
    top = chart.top()
    legend = _LEGEND if len(chart.series) > 1 else 8
    label_width, value_width, row = 190, 56, 28
    plot = _Plot(chart.rtl)
    x0, x1 = label_width, _WIDTH - value_width
    y0 = legend + 8
    height = y0 + row * len(chart.categories) + 26
    parts = _legend(chart) + _grid_vertical(plot, top, x0, x1, y0, height - 24)
    for i, category in enumerate(chart.categories):
        y = y0 + i * row
        parts.append(plot.text(x0 - 8, y + row / 2 + 4, _short(category), "end", "label"))
        start: float = x0
        left_out: list[str] = []
        for s_index, series in enumerate(chart.series):
            thick = (row - 8) if chart.stacked else (row - 8) / len(chart.series)
            by = y + 4 + (0 if chart.stacked else s_index * thick)
            value = series.values[i]
            if value is None and chart.layered:
                left_out.append(series.label)
                continue
            size = chart.extent(value) / top * (x1 - x0)
            bx = start if chart.stacked else x0
            parts.append(_bar(chart, plot, s_index, category, value, bx, by, size, thick, True))
            if chart.stacked:
                start += size
            elif value is None or value:
                shown = chart.hidden if value is None else _number(value)
                parts.append(plot.text(bx + size + 4, by + thick / 2 + 4, shown, "start", "value"))
        if left_out:
            parts.append(_mark(chart, plot, category, left_out, start + 1, y + 4, _MARK, row - 8))
        if chart.stacked and len(chart.series) == 1:
            value = chart.series[0].values[i]
            shown = chart.hidden if value is None else _number(value or 0)
            parts.append(plot.text(start + 4, y + row / 2 + 4, shown, "start", "value"))
    return _svg(chart, height, parts)


# -- drawing ---------------------------------------------------------------------------
_LEGEND = 26
_MARK = 5  # the thickness of the mark for small counts left out of a stack
_HATCH = (
    '<defs><pattern id="{ident}-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="4" stroke="currentColor" '
    'stroke-width="1.5" /></pattern></defs>'
)


class _Plot:
    """Coordinates drawn left to right, mirrored on a right-to-left page."""

    def __init__(self, rtl: bool) -> None:
        self.rtl = rtl

    def x(self, x: float, width: float = 0) -> float:
        return _WIDTH - x - width if self.rtl else x

    def text(self, x: float, y: float, text: str, anchor: str, kind: str) -> str:
        """A text at ``x`` mirrored; ``start``/``end`` need no swap, as the SVG's
        ``direction="rtl"`` already turns them round."""
        return (
            f'<text class="{kind}" x="{self.x(x):.1f}" y="{y:.1f}" text-anchor="{anchor}" '
            f'font-size="{_FONT}" fill="currentColor">{escape(text)}</text>'
        )


def _bar(
    chart: Chart,
    plot: _Plot,
    index: int,
    category: str,
    value: float | None,
    x: float,
    y: float,
    width: float,
    height: float,
    horizontal: bool = False,
) -> str:
    if value == 0 or (value is None and not chart.hidden_extent):
        return ""
    series = chart.series[index]
    named = f"{category} · {series.label}" if series.label else category
    shown = chart.hidden if value is None else _number(value)
    title = f"<title>{escape(named)}: {escape(shown)}</title>"
    box = f'x="{plot.x(x, width):.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}"'
    colour = chart.colour(index)
    if value is None:  # below the threshold: an outline of it, never the value's size
        return (
            f'<rect class="hidden" data-series="{index}" {box} fill="none" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="3 2">{title}</rect>'
        )
    return (
        f'<rect class="bar" data-series="{index}" data-value="{_number(value)}" {box} '
        f'fill="{colour}">{title}</rect>'
    )


def _mark(
    chart: Chart,
    plot: _Plot,
    category: str,
    labels: Sequence[str],
    x: float,
    y: float,
    width: float,
    height: float,
) -> str:
    """One thin hatched mark at a stack's end: these series' small counts are left out
    (it stands for no amount)."""
    named = f"{category} · {', '.join(labels)}: {chart.hidden}"
    return (
        f'<rect class="hidden-mark" x="{plot.x(x, width):.1f}" y="{y:.1f}" '
        f'width="{width:.1f}" height="{height:.1f}" fill="url(#{escape(chart.ident)}-hatch)" '
        f'stroke="currentColor" stroke-width="1" stroke-dasharray="2 2">'
        f"<title>{escape(named)}</title></rect>"
    )


def _grid_horizontal(
    plot: _Plot, top: float, x0: float, x1: float, y0: float, y1: float
) -> list[str]:
    parts = []
    for step in (0, 0.5, 1):
        y = y1 - step * (y1 - y0)
        a, b = sorted((plot.x(x0), plot.x(x1)))
        parts.append(f'<line class="grid" x1="{a:.1f}" x2="{b:.1f}" y1="{y:.1f}" y2="{y:.1f}" />')
        parts.append(plot.text(x0 - 6, y + 4, _number(top * step), "end", "axis"))
    return parts


def _grid_vertical(
    plot: _Plot, top: float, x0: float, x1: float, y0: float, y1: float
) -> list[str]:
    parts = []
    for step in (0, 0.5, 1):
        x = plot.x(x0 + step * (x1 - x0))
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{y0:.1f}" y2="{y1:.1f}" />')
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{y1 + 14:.1f}" text-anchor="middle" '
            f'font-size="{_FONT}" fill="currentColor">{_number(top * step)}</text>'
        )
    return parts


def _legend(chart: Chart) -> list[str]:
    if len(chart.series) < 2:
        return []
    plot, parts, x = _Plot(chart.rtl), [], 8.0
    for index, series in enumerate(chart.series):
        parts.append(
            f'<rect class="swatch" x="{plot.x(x, 12):.1f}" y="8" width="12" height="12" '
            f'fill="{chart.colour(index)}" />'
        )
        parts.append(plot.text(x + 16, 18, series.label, "start", "legend"))
        x += 16 + 8 * len(series.label) + 18
    return parts


def _svg(chart: Chart, height: float, parts: list[str]) -> Markup:
    ident = escape(chart.ident)
    direction = ' direction="rtl"' if chart.rtl else ""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" '
        f'viewBox="0 0 {_WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc"{direction}>'
        f'<title id="{ident}-title">{escape(chart.title)}</title>'
        f'<desc id="{ident}-desc">{escape(chart.desc)}</desc>'
        f"{_HATCH.format(ident=ident) if chart.layered else ''}{''.join(parts)}</svg>"
    )


def _empty(chart: Chart) -> Markup:
    return Markup(f'<p class="empty">{escape(chart.empty)}</p>')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"
