"""The dashboard's charts, drawn from a :class:`bot.services.dashboard.Dashboard` in the
staff member's language: conversations per day by language, time to a mediator
(median and 90th percentile) by language, ratings, drop-off per flow step and
unanswered rights questions by topic and language. Small counts follow the service's
rule (:func:`bot.services.dashboard.visible`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from markupsafe import Markup

from bot.i18n import N_
from bot.services.dashboard import MIN_COUNT, UNKNOWN, Dashboard, visible
from bot.web.charts import PALETTE, Chart, Series, columns, rows

__all__ = ["dashboard_charts", "language_colour"]

Gettext = Callable[..., str]
#: Each language keeps its colour on every chart.
_ORDER = ("ar", "fr", "it", "fi", "uk", "en", UNKNOWN)


def language_colour(lang: str) -> str:
    return PALETTE[_ORDER.index(lang) if lang in _ORDER else len(_ORDER) % len(PALETTE)]


def dashboard_charts(board: Dashboard, _: Gettext, rtl: bool) -> dict[str, Markup]:
    """Each section's chart (or its empty text), by the section's id."""
    hidden = f"<{MIN_COUNT}"

    def name(lang: str) -> str:
        return _(N_("console.dashboard.unknown_language")) if lang == UNKNOWN else lang.upper()

    # Conversations: a column per day of the period, stacked by language.
    days = board.days_in_period()
    per_day = {(d.day, d.lang): d.conversations for d in board.conversations}
    conversations = Chart(
        "chart-conversations",
        _(N_("console.dashboard.conversations")),
        _(N_("console.dashboard.chart.conversations")),
        [day.isoformat() for day in days],
        [
            Series(
                name(lang),
                [visible(per_day.get((day, lang), 0)) for day in days],
                language_colour(lang),
            )
            for lang in board.languages
        ],
        _(N_("console.dashboard.empty.conversations")),
        rtl=rtl,
        hidden=hidden,
        hidden_extent=MIN_COUNT,
    )

    # Time to a mediator: median and 90th percentile per language, only for languages
    # with five cases behind them (the rule is about cases; minutes are never "<5").
    escalated = [e for e in board.escalations if e.reached >= MIN_COUNT]
    too_few = [name(e.lang) for e in board.escalations if 0 < e.reached < MIN_COUNT]
    waits = Chart(
        "chart-waits",
        _(N_("console.dashboard.waits")),
        _(N_("console.dashboard.chart.waits")),
        [name(e.lang) for e in escalated],
        [
            Series(
                _(N_("console.dashboard.median")),
                [e.median_minutes or 0 for e in escalated],
                PALETTE[0],
            ),
            Series(
                _(N_("console.dashboard.p90")),
                [e.p90_minutes or 0 for e in escalated],
                PALETTE[4],
            ),
        ],
        _(N_("console.dashboard.too_few_waits"), languages=", ".join(too_few))
        if too_few
        else _(N_("console.dashboard.empty.waits")),
        stacked=False,
        rtl=rtl,
    )

    ratings = Chart(
        "chart-ratings",
        _(N_("console.dashboard.ratings")),
        _(N_("console.dashboard.chart.ratings")),
        [f"{rating} ★" for rating in sorted(board.ratings)],
        [Series("", [visible(count) for _r, count in sorted(board.ratings.items())])],
        _(N_("console.dashboard.empty.ratings")),
        rtl=rtl,
        hidden=hidden,
        hidden_extent=MIN_COUNT,
    )

    dropouts = Chart(
        "chart-dropouts",
        _(N_("console.dashboard.dropouts")),
        _(N_("console.dashboard.chart.dropouts")),
        [f"{d.flow} · {d.step}" for d in board.dropouts],
        [Series("", [visible(d.conversations) for d in board.dropouts], PALETTE[2])],
        _(N_("console.dashboard.empty.dropouts")),
        rtl=rtl,
        hidden=hidden,
        hidden_extent=MIN_COUNT,
    )

    # Unanswered questions: a bar per topic (regions together), stacked by language.
    by_topic: Counter[tuple[str, str]] = Counter()
    for gap in board.gaps:
        by_topic[gap.topic, gap.lang] += gap.questions
    topics = sorted(
        {t for t, _l in by_topic},
        key=lambda t: -sum(n for (topic, _l), n in by_topic.items() if topic == t),
    )
    languages = sorted({lang for _t, lang in by_topic})
    gaps = Chart(
        "chart-gaps",
        _(N_("console.dashboard.gaps")),
        _(N_("console.dashboard.chart.gaps")),
        [topic or _(N_("console.dashboard.no_topic")) for topic in topics],
        [
            Series(
                name(lang),
                [visible(by_topic[topic, lang]) for topic in topics],
                language_colour(lang),
            )
            for lang in languages
        ],
        _(N_("console.dashboard.empty.gaps")),
        rtl=rtl,
        hidden=hidden,
        hidden_extent=MIN_COUNT,
    )
    waits_drawn = rows(waits)
    if too_few and not waits.is_empty():
        note = _(N_("console.dashboard.too_few_waits"), languages=", ".join(too_few))
        waits_drawn = waits_drawn + Markup('<p class="hint">{}</p>').format(note)
    return {
        "conversations": columns(conversations),
        "escalations": waits_drawn,
        "ratings": columns(ratings),
        "dropouts": rows(dropouts),
        "gaps": rows(gaps),
    }
