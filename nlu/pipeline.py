"""Understanding one message: language, intent, crisis phrases — together."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from nlu.backends.embedded import EmbeddedBackend
from nlu.backends.fallback import CircuitBreaker, FallbackBackend
from nlu.backends.rasa import RasaBackend
from nlu.crisis import WEAK_SCORE, CrisisPhrases, assess
from nlu.fasttext_build import shipped_lid_model
from nlu.intents import CHANGE_LANGUAGE, HUMAN, SMALL_TALK
from nlu.langid import LangDecision, LanguageIdentifier
from nlu.language_names import named_language
from nlu.result import IntentBackend, NluResult
from nlu.training_data import exclusive_vocabulary, language_files, load_examples

__all__ = ["EMERGENCY_SCORE", "RasaOptions", "Understanding", "Understood", "build_understanding"]


#: An emergency probability this high anywhere in the ranking raises (at least) a weak
#: alarm; see :func:`nlu.crisis.assess`.
EMERGENCY_SCORE = WEAK_SCORE


@dataclass(frozen=True)
class Understood:
    """Everything the runner needs to know about a text message.

    ``crisis`` is the curated crisis phrase found (if any); ``crisis_kind`` one of
    :data:`nlu.crisis.CRISIS_KINDS` whenever there is an alarm; ``alarm`` is
    ``"strong"`` (a curated phrase or a high emergency probability: act at once),
    ``"weak"`` (a low but real probability or a weak cue: ask "are you in danger
    right now?") or ``None``.
    """

    language: LangDecision
    nlu: NluResult
    crisis: str | None
    crisis_kind: str | None = None
    alarm: Literal["strong", "weak"] | None = None
    #: The served language a request to change language names ("3arbiya 3afak").
    named: str | None = None

    @property
    def emergency(self) -> bool:
        """Any crisis signal, strong or weak."""
        return self.alarm is not None


#: Where a message's clauses part: sentence ends and commas, Arabic ones included.
_CLAUSES = re.compile(r"[.!?;\n،؛؟,]+")


@dataclass
class Understanding:
    """Language identification + intent backend + crisis phrases."""

    langid: LanguageIdentifier
    intents: IntentBackend
    crisis: CrisisPhrases
    #: The confidence an intent needs (the engine's ``intent_threshold``).
    threshold: float = 0.5

    def warm_up(self) -> None:
        """Load (or train) the models now rather than on the first message."""
        self.langid.detect("warm up")
        load = getattr(self.intents, "load", None)
        if callable(load):
            load()

    async def understand(
        self, text: str, current: str | None, hint: str | None, recent: Sequence[str]
    ) -> Understood:
        language = await asyncio.to_thread(self.langid.decide, text, current, hint, recent)
        result = await self.parse(text, language.lang)
        return self._assessed(text, language, result)

    @property
    def local(self) -> bool:
        """Whether :meth:`understand_now` can answer (the intent backend needs no I/O)."""
        return callable(getattr(self.intents, "classify", None))

    def understand_now(
        self, text: str, current: str | None, hint: str | None, recent: Sequence[str]
    ) -> Understood:
        """:meth:`understand` on the calling thread, for a :attr:`local` intent backend
        (the embedded one): a caller already on a worker thread needs no other."""
        language = self.langid.decide(text, current, hint, recent)
        classify = self.intents.classify  # type: ignore[attr-defined]
        result = classify(text)
        clauses = self._clauses(text, result)
        if clauses:
            result = self._pick(result, [classify(clause) for clause in clauses])
        return self._assessed(text, language, result)

    async def parse(self, text: str, lang: str | None) -> NluResult:
        """The intent of ``text``. A long message the model is unsure of as a whole
        ("hello, I want to talk to someone please, I have a problem with my papers") is
        read clause by clause: a clause asking for a person wins, else the most confident
        clause that is more than small talk; the whole message's result otherwise."""
        result = await self.intents.parse(text, lang)
        clauses = self._clauses(text, result)
        if not clauses:
            return result
        return self._pick(result, [await self.intents.parse(clause, lang) for clause in clauses])

    def _clauses(self, text: str, result: NluResult) -> list[str]:
        """The clauses to read one by one when the whole is unsure (none: it is not)."""
        if result.confidence >= self.threshold:
            return []
        clauses = [c.strip() for c in _CLAUSES.split(text) if len(c.split()) >= 2]
        return clauses if len(clauses) >= 2 else []

    def _pick(self, whole: NluResult, parts: Sequence[NluResult]) -> NluResult:
        confident = [
            part
            for part in parts
            if part.intent and part.intent not in SMALL_TALK and part.confidence >= self.threshold
        ]
        if not confident:
            return whole
        asked = [part for part in confident if part.intent == HUMAN]
        return asked[0] if asked else max(confident, key=lambda part: part.confidence)

    def _assessed(self, text: str, language: LangDecision, result: NluResult) -> Understood:
        alarm = assess(text, result, self.crisis)
        named = named_language(text) if result.intent == CHANGE_LANGUAGE else None
        if alarm is None:
            return Understood(language, result, None, named=named)
        phrase = alarm.phrase if alarm.level == "strong" else None
        return Understood(language, result, phrase, alarm.kind, alarm.level, named)


def build_understanding(
    data_dir: Path,
    cache_dir: Path,
    served: Sequence[str],
    lexicons_dir: Path,
    lid_model: Path | None = None,
    rasa: RasaOptions | None = None,
    threshold: float = 0.5,
) -> Understanding:
    """Language identification (shipped lid.176 + lexicons), crisis phrases, and the intent
    backend: the embedded fastText model, or Rasa with the embedded model behind it."""
    examples = load_examples(language_files(data_dir, served))
    langid = LanguageIdentifier.from_files(
        lid_model or shipped_lid_model(),
        served,
        lexicons_dir / "arabizi_markers.txt",
        exclusive_vocabulary(examples),
    )
    embedded = EmbeddedBackend(data_dir, cache_dir, served)
    intents: IntentBackend = embedded
    if rasa is not None:
        primary = RasaBackend(rasa.url, httpx.AsyncClient(), rasa.token, rasa.timeout)
        intents = FallbackBackend(primary, embedded, CircuitBreaker(retry_after=rasa.retry_after))
    return Understanding(
        langid, intents, CrisisPhrases.from_dir(lexicons_dir / "crisis"), threshold
    )


@dataclass(frozen=True)
class RasaOptions:
    """Where the Rasa server is and how long to wait for it."""

    url: str
    token: str | None = None
    timeout: float = 2.0
    retry_after: float = 30.0
