"""Language identification: fastText ``lid.176``, lingua and word frequencies, plus priors.

Three opinions are mixed over a fixed set of candidate languages (the served
ones, Russian, English and the few others people write here, :data:`CANDIDATES`):
fastText ``lid.176`` restricted to the candidates, ``lingua-language-detector``
restricted to the same (its n-gram models are strongest on short text) and
``wordfreq`` vocabulary evidence (how common each word is in each language).
Weights were tuned on the cross-author dev split and on translated program
messages (real published text, see ``bench/langid.py``); they never answer
``und`` for a clear sentence. Letter and Arabizi rules come after.

:meth:`LanguageIdentifier.detect` says which language a text is in (or
``und``); :meth:`LanguageIdentifier.decide` applies the SPEC's rules for a
conversation: a short or ambiguous message never flips the language, a
confident longer message in another served language does, and a confident
message in a language Orienta does not serve (Russian above all) is reported as
``foreign`` so the bot offers a choice instead of guessing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.fasttext_build import import_fasttext
from nlu.text import clean_user_text, dominant_script_share, fold, letters, words

__all__ = [
    "CANDIDATES",
    "Detection",
    "LangDecision",
    "LanguageIdentifier",
    "is_ambiguous",
    "is_short",
]

#: The languages a message may be identified as: the served ones, Russian, English and
#: the other languages people write to a social service here.
CANDIDATES: tuple[str, ...] = (
    "ar", "fr", "it", "fi", "uk", "ru", "en", "de", "es", "pt", "tr", "fa", "sv", "pl", "ro", "so",
)  # fmt: skip

UNDETERMINED = "und"
#: lid.176 labels folded into one of our codes (Egyptian Arabic is Arabic).
_ALIASES = {"arz": "ar"}
_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъё")
_SHORT_WORDS = 4
_MIXED_SCRIPTS = 0.8
_SHORT_LETTERS = 16


def is_short(text: str) -> bool:
    """Short messages (a few words) are too ambiguous to change the conversation language."""
    return len(words(text)) < _SHORT_WORDS or letters(text) < _SHORT_LETTERS


def is_ambiguous(text: str) -> bool:
    """Short, or written in several scripts at once: never enough to change language."""
    return is_short(text) or dominant_script_share(text) < _MIXED_SCRIPTS


@dataclass(frozen=True)
class Detection:
    """The most likely language of one text, ``und`` when there is none."""

    lang: str
    confidence: float


@dataclass(frozen=True)
class LangDecision:
    """What the conversation does with a message's language."""

    detected: Detection
    lang: str | None
    switch_to: str | None = None
    foreign: str | None = None


@dataclass(frozen=True)
class _Thresholds:
    detect: float = 0.3
    switch: float = 0.8
    switch_with_history: float = 0.7
    foreign: float = 0.8
    hint_weight_short: float = 0.35
    hint_weight_long: float = 0.15
    confident: float = 0.8
    vocabulary_weight: float = 0.6
    # The mix of opinions (tuned on the dev splits, see bench/langid.py).
    fasttext_weight: float = 0.2
    lingua_weight: float = 0.6
    wordfreq_weight: float = 0.5
    wordfreq_sharpness: float = 3.0
    # wordfreq's "small" lists load in ~0.6 s against ~5 s for "best" (the large lists) and,
    # with the weights above, identify as well on the dev split.
    wordfreq_list: str = "small"


def _blend(
    scores: Mapping[str, float], evidence: Mapping[str, float], weight: float
) -> dict[str, float]:
    """Mix a distribution with other evidence: (1 - weight) * scores + weight * evidence."""
    mixed = {code: p * (1.0 - weight) for code, p in scores.items()}
    for code, p in evidence.items():
        mixed[code] = mixed.get(code, 0.0) + weight * p
    return mixed


class LanguageIdentifier:
    """fastText lid.176 with Arabizi markers and priors. Load once, share freely."""

    def __init__(
        self,
        model_path: Path,
        served: Sequence[str],
        arabizi_markers: Iterable[str] = (),
        vocabulary: Mapping[str, str] | None = None,
    ) -> None:
        self._model_path = model_path
        self._model: Any = None
        self.served = tuple(served)
        self.arabizi_markers = frozenset(m.strip().lower() for m in arabizi_markers if m.strip())
        self.vocabulary: Mapping[str, str] = vocabulary or {}
        self.thresholds = _Thresholds()

    @classmethod
    def from_files(
        cls,
        model_path: Path,
        served: Sequence[str],
        markers_file: Path | None,
        vocabulary: Mapping[str, str] | None = None,
    ) -> LanguageIdentifier:
        """Build from the model file, the Arabizi marker list and an exclusive vocabulary
        (word -> the one served language whose NLU examples use it)."""
        markers: list[str] = []
        if markers_file is not None and markers_file.is_file():
            markers = [
                line
                for line in markers_file.read_text("utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
        return cls(model_path, served, markers, vocabulary)

    def _loaded(self) -> Any:
        if self._model is None:
            self._model = import_fasttext().load_model(str(self._model_path))
        return self._model

    def scores(self, text: str, k: int = 40) -> dict[str, float]:
        """Probabilities by candidate language for the folded text (may be empty)."""
        folded = fold(text)
        if letters(folded) < 2:
            return {}
        t = self.thresholds
        plain = plain_words(text)
        result: dict[str, float] = {}
        for weight, opinion in (
            (t.fasttext_weight, self._fasttext(folded, k)),
            (t.lingua_weight, _lingua(plain)),
            (t.wordfreq_weight, _word_frequencies(plain, t.wordfreq_sharpness, t.wordfreq_list)),
        ):
            for code, p in opinion.items():
                result[code] = result.get(code, 0.0) + weight * p
        total = sum(result.values())
        if total <= 0.0:
            return {}
        result = {code: p / total for code, p in result.items()}
        arabizi = self._arabizi_share(folded)
        if arabizi > 0.0:
            result = _blend(result, {"ar": 1.0}, arabizi)
        result = self._cyrillic_letters(folded, result)
        if max(result.values(), default=0.0) < self.thresholds.confident or is_short(folded):
            evidence, coverage = self._vocabulary_evidence(folded)
            if evidence:
                result = _blend(result, evidence, min(self.thresholds.vocabulary_weight, coverage))
        return result

    def _fasttext(self, folded: str, k: int) -> dict[str, float]:
        """lid.176 restricted to the candidates, renormalised."""
        labels, probs = self._loaded().predict(folded.replace("\n", " "), k=k)
        result: dict[str, float] = {}
        for label, prob in zip(labels, probs, strict=True):
            code = str(label).removeprefix("__label__")
            code = _ALIASES.get(code, code)
            if code in CANDIDATES:
                result[code] = result.get(code, 0.0) + float(prob)
        total = sum(result.values())
        return {code: p / total for code, p in result.items()} if total > 0 else {}

    @staticmethod
    def _cyrillic_letters(folded: str, scores: dict[str, float]) -> dict[str, float]:
        """Letters only one of the two languages has settle Ukrainian versus Russian."""
        ukrainian = any(c in _UKRAINIAN_ONLY for c in folded)
        russian = any(c in _RUSSIAN_ONLY for c in folded)
        if ukrainian == russian:
            return scores
        winner, loser = ("uk", "ru") if ukrainian else ("ru", "uk")
        moved = dict(scores)
        moved[winner] = moved.get(winner, 0.0) + moved.pop(loser, 0.0)
        return moved

    def _vocabulary_evidence(self, folded: str) -> tuple[dict[str, float], float]:
        """Languages of the words found in the exclusive vocabulary, and the share of
        the text's words found there."""
        tokens = words(folded)
        if not tokens or not self.vocabulary:
            return {}, 0.0
        counts: dict[str, float] = {}
        for token in tokens:
            lang = self.vocabulary.get(token)
            if lang == "uk" and not any(c in _UKRAINIAN_ONLY for c in token):
                # A Cyrillic word without і ї є ґ may be Russian too ("да", "ладно"): Russian
                # must never be taken for Ukrainian, so such words are no evidence.
                continue
            if lang:
                counts[lang] = counts.get(lang, 0.0) + 1.0
        found = sum(counts.values())
        if not found:
            return {}, 0.0
        return {lang: n / found for lang, n in counts.items()}, found / len(tokens)

    def _arabizi_share(self, folded: str) -> float:
        """Share of a Latin-script text's words that are Arabizi markers (0 if not Latin)."""
        tokens = [t for t in words(folded) if t.isascii() and not t.isdigit()]
        if not tokens or not self.arabizi_markers:
            return 0.0
        hits = sum(
            1
            for t in tokens
            if t in self.arabizi_markers
            or (any(c in "2379" for c in t) and any(c.isalpha() for c in t))
        )
        share = hits / len(tokens)
        return min(1.0, share * 1.6) if hits >= 1 and share >= 0.25 else 0.0

    def detect(self, text: str, hint: str | None = None) -> Detection:
        """The language of ``text``; ``hint`` (a ``language_code`` prior) weighs more on
        short texts. ``und`` when nothing is likely enough."""
        scores = self.scores(text)
        if not scores:
            return Detection(UNDETERMINED, 0.0)
        if hint:
            # The prior is a share of probability mass put on the hinted language.
            weight = (
                self.thresholds.hint_weight_short
                if is_short(text)
                else self.thresholds.hint_weight_long
            )
            scores = _blend(scores, {hint: 1.0}, weight)
        lang, confidence = max(scores.items(), key=lambda item: item[1])
        if confidence < self.thresholds.detect:
            return Detection(UNDETERMINED, round(confidence, 4))
        return Detection(lang, round(min(1.0, confidence), 4))

    def decide(
        self, text: str, current: str | None, hint: str | None = None, recent: Sequence[str] = ()
    ) -> LangDecision:
        """Apply the conversation rules to one message.

        ``current`` is the conversation language, ``hint`` Telegram's
        ``language_code`` (or the web chat's), ``recent`` the languages detected
        in the last messages, newest first.
        """
        detection = self.detect(text, hint if current is None else None)
        short = is_ambiguous(text)
        lang, conf = detection.lang, detection.confidence
        if current is None:
            first = lang if lang in self.served else (hint if hint in self.served else None)
            foreign = (
                lang
                if (
                    lang not in self.served
                    and lang != UNDETERMINED
                    and not short
                    and conf >= self.thresholds.foreign
                )
                else None
            )
            return LangDecision(detection, first, None, foreign)
        if lang in (current, UNDETERMINED) or short:
            return LangDecision(detection, current)
        if lang in self.served:
            backed = sum(1 for past in recent[:2] if past == lang)
            needed = self.thresholds.switch_with_history if backed else self.thresholds.switch
            if conf >= needed:
                return LangDecision(detection, lang, switch_to=lang)
            return LangDecision(detection, current)
        if conf >= self.thresholds.foreign:
            return LangDecision(detection, current, foreign=lang)
        return LangDecision(detection, current)


_URL = re.compile(r"https?://\S+|www\.\S+")


def plain_words(text: str) -> str:
    """The words of ``text`` in lower case, accents kept (lingua and wordfreq read
    them): no URLs, digits or punctuation."""
    cleaned = _URL.sub(" ", clean_user_text(text)).lower().replace("’", "'")
    return " ".join(token for token in words(cleaned) if not token.isdigit())


@lru_cache(maxsize=1)
def _lingua_detector() -> Any:
    """High-accuracy mode (the low-accuracy one loses short messages); every model is
    loaded now (~6 s), not lazily on the first messages in each script."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in CANDIDATES
    ]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return builder.with_preloaded_language_models().build()


def _lingua(text: str) -> dict[str, float]:
    """lingua's confidence values over the candidates (empty for no letters)."""
    if not text:
        return {}
    values = _lingua_detector().compute_language_confidence_values(text)
    return {
        value.language.iso_code_639_1.name.lower(): float(value.value)
        for value in values
        if value.value > 0.0
    }


@lru_cache(maxsize=1)
def _wordfreq_languages(wordlist: str) -> tuple[str, ...]:
    import wordfreq

    available = wordfreq.available_languages(wordlist=wordlist)
    return tuple(code for code in CANDIDATES if code in available)


@lru_cache(maxsize=65536)
def _zipf(token: str, code: str, wordlist: str) -> float:
    import wordfreq

    return float(wordfreq.zipf_frequency(token, code, wordlist=wordlist))


def _word_frequencies(plain: str, sharpness: float, wordlist: str) -> dict[str, float]:
    """A distribution over languages from how common the text's words are in each
    (mean Zipf frequency, softmax with ``sharpness``)."""
    tokens = plain.split()
    if not tokens:
        return {}
    means = {
        code: sum(_zipf(token, code, wordlist) for token in tokens) / len(tokens)
        for code in _wordfreq_languages(wordlist)
    }
    top = max(means.values(), default=0.0)
    if top <= 0.0:
        return {}
    weights = {code: math.exp(sharpness * (mean - top)) for code, mean in means.items()}
    total = sum(weights.values())
    return {code: w / total for code, w in weights.items()}
