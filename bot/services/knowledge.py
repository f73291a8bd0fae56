"""The rights knowledge base: the best article for a topic or a question, for the
user's region and situation, with its source, next steps and "did this help?".

A question typed before the region and situation are known is kept until they are,
then answered. Only articles for the person's region, else for their country, else for
every region (general advice, with no one country's organisation as its source) are
ever shown, and only those for their situation: help meant for another country or for
another group (people from Ukraine, care leavers) is never presented as the answer.
An article limited to adults is never the answer to a question about a child (nor the
other way round), and a question whose intent names a topic gets that topic's
articles; when none fits, the person is told so and offered a person. The source is
shown as a person reads it: organisation, title and a web link, never a file name;
general advice says it is the programme's own, for every country.

Button data (after the ``k:`` prefix): ``r:<region>`` and ``a:<audience>``
answer the two questions asked once; ``v:<article>`` shows another article;
``y:<article>`` / ``n:<article>`` answer "did this help?"; ``p`` changes the
region and situation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.content import AGE_GROUPS, ALL, TOPICS, person_source
from bot.engine.actions import Button, Say
from bot.engine.config import home_buttons
from bot.engine.events import ServiceResult
from bot.i18n import N_, format_day
from bot.services.ages import age_of
from bot.services.interfaces import ServiceContext
from bot.services.ranking import Bm25Index
from bot.store.knowledge import ArticleView, Choice, KnowledgeStore

__all__ = ["KB_TEXTS", "KnowledgeService"]

KB_TEXTS = {
    "article": N_("kb.article"),
    "article_no_link": N_("kb.article_no_link"),
    "article_general": N_("kb.article_general"),
    "ask_region": N_("kb.ask_region"),
    "ask_audience": N_("kb.ask_audience"),
    "region_other": N_("kb.region_other"),
    "helped": N_("kb.did_it_help"),
    "yes": N_("kb.yes"),
    "no": N_("kb.no"),
    "thanks_yes": N_("kb.thanks_helpful"),
    "thanks_no": N_("kb.thanks_not_helpful"),
    "more": N_("kb.more"),
    "change": N_("kb.change_situation"),
    "book": N_("kb.book"),
    "no_match": N_("kb.no_match"),
    "label": N_("button.content"),
}
_REGION, _AUDIENCE, _TOPIC, _QUESTION = "region", "audience", "kb_topic", "question"
#: Each situation's own icon, so people who read poorly tell them apart ("general" is
#: "none of these / another situation"); a situation added later gets 👤.
SITUATION_ICONS = {
    "temporary_protection": "🛡️",
    "asylum_seekers": "📝",
    "care_leavers": "🧑",
    "families": "👨‍👩‍👧",
    "general": "❔",
}
_PRIOR = 0.35  # added to a normalised text score when the article's topic is the intent's
_LOCAL = 0.1  # an article written for the user's region or situation beats a general one
_MIN_SCORE = 0.5  # below this raw BM25 score the question matched nothing
_AGREES = 0.6  # the topic's best article scores this share of the best: the topic holds
_CACHE_SECONDS = 30.0


@dataclass
class _LangIndex:
    articles: dict[str, ArticleView]
    index: Bm25Index
    built: float
    stamp: tuple[int, ...]
    countries: dict[str, str] = field(default_factory=dict)  # region id -> ISO country


@dataclass
class KnowledgeService:
    """Answers rights questions from the articles in the database."""

    store: KnowledgeStore
    monotonic: Callable[[], float] = time.monotonic
    _indexes: dict[str, _LangIndex] = field(default_factory=dict)

    # -- the service protocol ------------------------------------------------------
    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        topic = args.get("topic", "")
        data = args.get("data", "")
        if data:
            return self._press(ctx, data)
        question = ctx.vars.get(_QUESTION, "")
        return self._answer(ctx, topic if topic in TOPICS else "", question, strict=True)

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        intent = args.get("intent", "")
        if args.get("leaves"):
            return ServiceResult(ok=True, passed=True)  # e.g. "I want an appointment"
        topic = intent.removeprefix("rights_") if intent.startswith("rights_") else ""
        return self._answer(
            ctx,
            topic or ctx.vars.get(_TOPIC, ""),
            args.get("text", ""),
            searching=True,
            strict=bool(topic),
        )

    # -- steps ---------------------------------------------------------------------
    def _press(self, ctx: ServiceContext, data: str) -> ServiceResult:
        code, _, value = data.partition(":")
        topic = ctx.vars.get(_TOPIC, "")
        held = ctx.vars.get(_QUESTION, "")  # typed before the region or situation was known
        if code == "r" and (value == ALL or value in {r.id for r in self.store.regions()}):
            return self._answer(ctx, topic, held, extra={_REGION: value}, strict=True)
        if code == "a" and value in {a.id for a in self.store.audiences()}:
            return self._answer(ctx, topic, held, extra={_AUDIENCE: value}, strict=True)
        if code == "p":
            return self._answer(ctx, topic, "", extra={_REGION: "", _AUDIENCE: ""})
        if code in ("y", "n"):
            article = self._article(ctx.lang, value)
            if article is not None:
                self.store.record_feedback(article.id, ctx.lang, code == "y", ctx.now)
            text = KB_TEXTS["thanks_yes"] if code == "y" else KB_TEXTS["thanks_no"]
            return ServiceResult(ok=True, says=(Say(text),))
        if code == "v":
            article = self._article(ctx.lang, value)
            if article is not None:
                return self._show(ctx, article, [], {})
        return self._answer(ctx, topic, "")

    def _answer(
        self,
        ctx: ServiceContext,
        topic: str,
        question: str,
        *,
        extra: Mapping[str, str] | None = None,
        searching: bool = False,
        strict: bool = False,
    ) -> ServiceResult:
        vars_ = {**ctx.vars, **(extra or {})}
        changes = {**(extra or {}), _TOPIC: topic, _QUESTION: ""}
        region, audience = vars_.get(_REGION, ""), vars_.get(_AUDIENCE, "")
        if not self._index(ctx.lang).articles:
            self.store.record_gap(ctx.lang, topic, region, ctx.now.date())
            return ServiceResult(ok=False, vars=changes)  # no articles published yet
        if not region or not audience:  # the question waits for the answers
            held = {**changes, _QUESTION: question[:300]}
            if not region:
                return self._ask(
                    ctx, KB_TEXTS["ask_region"], "r", self.store.regions(), held, other=True
                )
            return self._ask(
                ctx, KB_TEXTS["ask_audience"], "a", self.store.audiences(), held, other=False
            )
        ranked = self.rank(ctx.lang, topic, question, region, audience, strict=strict)
        if not ranked:  # an unanswered question: counted for the dashboard, not kept
            self.store.record_gap(ctx.lang, topic, region, ctx.now.date())
            if searching:
                return ServiceResult(
                    ok=False,
                    wait=True,
                    vars=changes,
                    says=(Say(KB_TEXTS["no_match"], buttons=home_buttons()),),
                )
            return ServiceResult(ok=False, vars=changes)
        best, others = ranked[0], ranked[1:3]
        return self._show(ctx, best, others, changes)

    def _ask(
        self,
        ctx: ServiceContext,
        text: str,
        code: str,
        choices: Sequence[Choice],
        changes: Mapping[str, str],
        *,
        other: bool,
    ) -> ServiceResult:
        rows = [
            (
                Button(
                    KB_TEXTS["label"],
                    f"k:{code}:{c.id}",
                    "📍" if code == "r" else SITUATION_ICONS.get(c.id, "👤"),
                    {"label": c.name.get(ctx.lang) or c.name.get("en") or c.id},
                ),
            )
            for c in choices
        ]
        if other:
            rows.append((Button(KB_TEXTS["region_other"], f"k:{code}:{ALL}", "🌍"),))
        return ServiceResult(
            ok=True, wait=True, vars=changes, says=(Say(text, buttons=(*rows, *home_buttons())),)
        )

    def _show(
        self,
        ctx: ServiceContext,
        article: ArticleView,
        others: Sequence[ArticleView],
        changes: Mapping[str, str],
    ) -> ServiceResult:
        source, link = person_source(article.source_title, article.source_url)
        kind = "article" if link else "article_no_link" if source else "article_general"
        text = Say(
            KB_TEXTS[kind],
            {
                "title": article.title,
                "body": article.body,
                "source": source,
                "link": link,
                "reviewed": format_day(article.reviewed, ctx.lang),
            },
        )
        rows: list[tuple[Button, ...]] = [
            (
                Button(KB_TEXTS["yes"], f"k:y:{article.id}", "👍"),
                Button(KB_TEXTS["no"], f"k:n:{article.id}", "👎"),
            )
        ]
        rows += [
            (Button(KB_TEXTS["more"], f"k:v:{o.id}", "📄", {"title": o.title[:48]}),)
            for o in others
        ]
        rows.append(
            (Button(KB_TEXTS["book"], "b:new", "📅"), Button(KB_TEXTS["change"], "k:p", "📍"))
        )
        ask = Say(KB_TEXTS["helped"], buttons=(*rows, *home_buttons()))
        return ServiceResult(
            ok=True, wait=True, says=(text, ask), vars={**changes, _TOPIC: article.topic}
        )

    # -- ranking -------------------------------------------------------------------
    def rank(
        self,
        lang: str,
        topic: str,
        question: str,
        region: str,
        audience: str,
        *,
        strict: bool = False,
    ) -> list[ArticleView]:
        """Articles for the user's region and situation, best first; none when none fits.

        Without a question: the topic's articles, those written for the user's region
        or situation first. With one: only articles for the age group it is about (a
        child, an adult, when it says), ranked by BM25 over character n-grams, plus a
        prior for the topic; with ``strict`` (the question's own intent named the
        topic) only that topic's articles, unless none of them matches at all. Articles
        the question does not match are never offered.
        """
        entry = self._index(lang)
        age = age_of(question)
        country = entry.countries.get(region, "")
        in_scope = [a for a in entry.articles.values() if _fits(a, region, audience, age, country)]
        if not question.strip():
            chosen = [a for a in in_scope if a.topic == topic] if topic else []
            return sorted(chosen, key=lambda a: (-_locality(a, region, audience, country), a.id))
        raw = entry.index.scores(question, [a.id for a in in_scope])
        matching = [a for a in in_scope if raw[a.id] >= _MIN_SCORE]
        best = max((raw[a.id] for a in matching), default=0.0)
        if best < _MIN_SCORE:
            return []
        # The topic counts when the question's words agree with it (an intent can be
        # wrong: "une école pour mes enfants" once read as housing).
        on_topic = [a for a in matching if a.topic == topic]
        agrees = bool(on_topic) and max(raw[a.id] for a in on_topic) >= _AGREES * best
        if strict and agrees:
            matching, best = on_topic, max(raw[a.id] for a in on_topic)
        scored = []
        for article in matching:
            score = raw[article.id] / best
            if agrees and article.topic == topic:
                score += _PRIOR
            score += _LOCAL * _locality(article, region, audience, country)
            scored.append((score, article))
        scored.sort(key=lambda pair: (-pair[0], pair[1].id))
        return [article for _, article in scored]

    def _article(self, lang: str, article_id: str) -> ArticleView | None:
        return self._index(lang).articles.get(article_id)

    def _index(self, lang: str) -> _LangIndex:
        now = self.monotonic()
        entry = self._indexes.get(lang)
        if entry is not None and now - entry.built < _CACHE_SECONDS:
            return entry
        stamp = self.store.stamp()
        if entry is not None and entry.stamp == stamp:
            entry.built = now
            return entry
        articles = {a.id: a for a in self.store.articles(lang)}
        index = Bm25Index({a.id: f"{a.title}\n{a.title}\n{a.body}" for a in articles.values()})
        countries = {r.id: r.country.upper() for r in self.store.regions() if r.country}
        entry = _LangIndex(articles, index, now, stamp, countries)
        self._indexes[lang] = entry
        return entry


def _fits(
    article: ArticleView, region: str, audience: str, age: str = "", country: str = ""
) -> bool:
    """For the user's place and situation, and for the age group the question is about.

    Place: written for every region, for the user's region, or for the user's country
    (its ISO code among the article's regions); "somewhere else" gets only the articles
    for every region. An article written for another region, even of the same country,
    is another office's help. Situation: an article that names situations is only for
    them (one for people under temporary protection is never a family's answer). Age:
    an article that names no age group is for all ages."""
    regions_ok = ALL in article.regions or (
        region != ALL
        and (region in article.regions or bool(country and country in article.regions))
    )
    situations = [a for a in article.audiences if a not in AGE_GROUPS]
    ages = [a for a in article.audiences if a in AGE_GROUPS]
    situation_ok = not situations or ALL in situations or audience in situations
    return regions_ok and situation_ok and (not age or not ages or age in ages)


def _locality(article: ArticleView, region: str, audience: str, country: str = "") -> int:
    """2 for the user's region, 1 for their country, plus 1 for their situation."""
    place = 2 if region in article.regions else int(bool(country) and country in article.regions)
    return place + int(audience in article.audiences)
