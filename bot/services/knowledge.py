"""The rights knowledge base: the best article for a topic or a question, for the
user's region and situation, with its source, next steps and "did this help?".

Button data (after the ``k:`` prefix): ``r:<region>`` and ``a:<audience>``
answer the two questions asked once; ``v:<article>`` shows another article;
``y:<article>`` / ``n:<article>`` answer "did this help?"; ``p`` changes the
region and situation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.engine.actions import Button, Say
from bot.engine.core import home_buttons
from bot.engine.events import ServiceResult
from bot.i18n import N_, format_day
from bot.services.content import ALL, TOPICS
from bot.services.interfaces import ServiceContext
from bot.services.ranking import Bm25Index
from bot.store.knowledge import ArticleView, Choice, KnowledgeStore

__all__ = ["KB_TEXTS", "KnowledgeService"]

KB_TEXTS = {
    "article": N_("kb.article"),
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
_PRIOR = 0.35  # added to a normalised text score when the article's topic is the intent's
_LOCAL = 0.1  # an article written for the user's region or situation beats a general one
_MIN_SCORE = 0.5  # below this raw BM25 score the question matched nothing
_CACHE_SECONDS = 30.0


@dataclass
class _LangIndex:
    articles: dict[str, ArticleView]
    index: Bm25Index
    built: float
    stamp: tuple[int, ...]


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
        return self._answer(ctx, topic if topic in TOPICS else "", question)

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        intent = args.get("intent", "")
        if args.get("leaves"):
            return ServiceResult(ok=True, passed=True)  # e.g. "I want an appointment"
        topic = intent.removeprefix("rights_") if intent.startswith("rights_") else ""
        return self._answer(
            ctx, topic or ctx.vars.get(_TOPIC, ""), args.get("text", ""), searching=True
        )

    # -- steps ---------------------------------------------------------------------
    def _press(self, ctx: ServiceContext, data: str) -> ServiceResult:
        code, _, value = data.partition(":")
        topic = ctx.vars.get(_TOPIC, "")
        if code == "r" and (value == ALL or value in {r.id for r in self.store.regions()}):
            return self._answer(ctx, topic, "", extra={_REGION: value})
        if code == "a" and value in {a.id for a in self.store.audiences()}:
            return self._answer(ctx, topic, "", extra={_AUDIENCE: value})
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
    ) -> ServiceResult:
        vars_ = {**ctx.vars, **(extra or {})}
        changes = {**(extra or {}), _TOPIC: topic, _QUESTION: ""}
        region, audience = vars_.get(_REGION, ""), vars_.get(_AUDIENCE, "")
        if not self._index(ctx.lang).articles:
            self.store.record_gap(ctx.lang, topic, region, ctx.now.date())
            return ServiceResult(ok=False, vars=changes)  # no articles published yet
        if not region:
            return self._ask(
                ctx, KB_TEXTS["ask_region"], "r", self.store.regions(), changes, other=True
            )
        if not audience:
            return self._ask(
                ctx, KB_TEXTS["ask_audience"], "a", self.store.audiences(), changes, other=False
            )
        ranked = self.rank(ctx.lang, topic, question, region, audience)
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
                    "📍" if code == "r" else "👤",
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
        text = Say(
            KB_TEXTS["article"],
            {
                "title": article.title,
                "body": article.body,
                "source": article.source_title,
                "link": article.source_url,
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
        self, lang: str, topic: str, question: str, region: str, audience: str
    ) -> list[ArticleView]:
        """Articles for the user's region and situation, best first.

        Without a question: the topic's articles, those written for the user's region
        or situation first. With one: BM25 over character n-grams of every article in
        scope, plus a prior for the topic (from the intent or the chosen topic).
        """
        entry = self._index(lang)
        in_scope = [a for a in entry.articles.values() if _fits(a, region, audience)]
        if not question.strip():
            chosen = [a for a in in_scope if a.topic == topic] if topic else []
            return sorted(chosen, key=lambda a: (-_locality(a, region, audience), a.id))
        raw = entry.index.scores(question, [a.id for a in in_scope])
        best = max(raw.values(), default=0.0)
        if best < _MIN_SCORE:
            return []
        scored = []
        for article in in_scope:
            score = raw[article.id] / best
            if topic and article.topic == topic:
                score += _PRIOR
            score += _LOCAL * _locality(article, region, audience)
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
        entry = _LangIndex(articles, index, now, stamp)
        self._indexes[lang] = entry
        return entry


def _fits(article: ArticleView, region: str, audience: str) -> bool:
    """Written for everyone, or for the user's region and situation ("somewhere else"
    gets only the articles written for every region)."""
    regions_ok = ALL in article.regions or (region != ALL and region in article.regions)
    return regions_ok and (ALL in article.audiences or audience in article.audiences)


def _locality(article: ArticleView, region: str, audience: str) -> int:
    return int(region in article.regions) + int(audience in article.audiences)
