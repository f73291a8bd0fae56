"""Crisis signals: curated phrases under the intent classifier, their kind and strength.

``nlu/lexicons/crisis/<lang>.txt`` lists phrases that signal danger now, per
language, reviewed by people who speak it. A message containing one (after
folding case, accents and Arabic diacritics) is treated as an emergency even
when the classifier is unsure.

The files are organised in sections; a header line names the kind of crisis
(:data:`CRISIS_KINDS`) and how strong the signal is::

    ## kind: shelter      phrases that raise a strong alarm (act at once)
    ## weak: other        weak cues ("I'm scared"): the bot asks "are you in danger now?"
    ## hint: child        words that only name the kind of an alarm raised otherwise

Lines starting with ``#`` are comments; phrases before any header are strong,
of kind ``other``.

When a message carries signals of several kinds, a life-threatening kind
(:data:`LIFE_THREATENING`: suicide, violence, child, illness) wins over ``shelter``,
and ``shelter`` over ``other``: "je veux dormir et ne plus me réveiller" is about
suicide, not a bed. Kind hints only name the kind when no signal does.

:func:`assess` combines the phrases with the classifier's emergency probability
into an :class:`Alarm` (``strong`` or ``weak``, with a kind): the one decision
the runner, the evaluation and the benchmarks share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nlu.intents import EMERGENCY
from nlu.result import NluResult
from nlu.text import fold

__all__ = [
    "CRISIS_KINDS",
    "LIFE_THREATENING",
    "STRONG_SCORE",
    "WEAK_SCORE",
    "Alarm",
    "CrisisMatch",
    "CrisisPhrases",
    "Strength",
    "assess",
    "parse_lexicon",
]

#: What kind of crisis a message signals; the bot chooses its answer by it.
CRISIS_KINDS: tuple[str, ...] = ("shelter", "violence", "suicide", "illness", "child", "other")
Strength = Literal["strong", "weak", "hint"]
#: Kinds that win over ``shelter`` (and ``other``) when a message signals several.
LIFE_THREATENING: frozenset[str] = frozenset({"suicide", "violence", "child", "illness"})

#: The classifier's emergency probability from which an alarm is raised at once.
STRONG_SCORE = 0.5
#: From here up to :data:`STRONG_SCORE` the alarm is weak: the bot asks first.
WEAK_SCORE = 0.2

_HEADER = re.compile(r"^##\s*(kind|weak|hint)\s*:\s*([a-z]+)\s*$")
_STRENGTH: dict[str, Strength] = {"kind": "strong", "weak": "weak", "hint": "hint"}
_RANK: dict[Strength, int] = {"strong": 2, "weak": 1, "hint": 0}


@dataclass(frozen=True)
class CrisisMatch:
    """A phrase found in a message: which, its kind, language and strength."""

    phrase: str
    kind: str
    lang: str
    strength: Strength = "strong"

    def __str__(self) -> str:
        return self.phrase


@dataclass(frozen=True)
class Alarm:
    """A crisis signal: ``strong`` acts at once, ``weak`` asks "are you in danger now?"."""

    level: Literal["strong", "weak"]
    kind: str
    phrase: str | None = None  # the curated phrase behind it, if any


@dataclass(frozen=True)
class _Entry:
    phrase: str
    kind: str
    lang: str
    strength: Strength


def parse_lexicon(text: str) -> list[tuple[str, str, Strength]]:
    """``(phrase, kind, strength)`` for every phrase line of one lexicon file."""
    kind, strength = "other", _STRENGTH["kind"]
    entries: list[tuple[str, str, Strength]] = []
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header:
            strength, kind = _STRENGTH[header.group(1)], header.group(2)
            if kind not in CRISIS_KINDS:
                raise ValueError(f"unknown crisis kind {kind!r} in {raw!r}")
            continue
        if line and not line.startswith("#"):
            entries.append((line, kind, strength))
    return entries


class CrisisPhrases:
    """Substring matcher over folded crisis phrases of every language.

    ``phrases`` maps a language to its phrases: plain strings (strong, kind
    ``other``) or ``(phrase, kind, strength)`` triples as :func:`parse_lexicon` gives.
    """

    def __init__(self, phrases: Mapping[str, Iterable[str | tuple[str, str, Strength]]]) -> None:
        entries: dict[tuple[str, Strength], _Entry] = {}
        for lang, items in phrases.items():
            for item in items:
                strength: Strength = "strong"
                if isinstance(item, str):
                    phrase, kind = item, "other"
                else:
                    phrase, kind, strength = item
                folded = fold(phrase)
                if not folded:
                    continue
                entries.setdefault((folded, strength), _Entry(folded, kind, lang, strength))
        # Longest first: the most specific phrase decides the kind.
        self._entries = sorted(entries.values(), key=lambda e: (-len(e.phrase), e.phrase))
        self.phrases = {
            lang: tuple(sorted(e.phrase for e in self._entries if e.lang == lang))
            for lang in phrases
        }

    @classmethod
    def from_dir(cls, folder: Path) -> CrisisPhrases:
        return cls(
            {
                path.stem: parse_lexicon(path.read_text("utf-8"))
                for path in sorted(folder.glob("*.txt"))
            }
        )

    def find_all(self, text: str) -> list[CrisisMatch]:
        """Every phrase found in ``text`` (any language, any strength), longest first."""
        folded = f" {fold(text)} "
        return [
            CrisisMatch(e.phrase, e.kind, e.lang, e.strength)
            for e in self._entries
            if e.phrase in folded
        ]

    def find(self, text: str, hints: bool = False) -> CrisisMatch | None:
        """The strongest, then longest phrase found in ``text``; weak cues count, kind
        hints only when ``hints`` is true."""
        found = [m for m in self.find_all(text) if hints or m.strength != "hint"]
        if not found:
            return None
        return max(found, key=lambda m: (_RANK[m.strength], len(m.phrase)))

    def match(self, text: str) -> CrisisMatch | None:
        """The curated (strong) crisis phrase found in ``text``, or ``None``: its
        ``.phrase`` (also ``str(match)``), ``.kind`` and ``.lang``."""
        found = self.find(text)
        return found if found is not None and found.strength == "strong" else None

    def kind_of(self, text: str) -> str:
        """The kind named by the words of ``text`` (``other`` when none does): a
        life-threatening kind before ``shelter`` before ``other``, phrases (strong, then
        weak) before kind hints, then the longest phrase."""
        found = self.find_all(text)
        if not found:
            return "other"
        return max(found, key=_kind_priority).kind


def _kind_priority(match: CrisisMatch) -> tuple[int, int, int, int]:
    signal = match.strength != "hint"
    urgency = 2 if match.kind in LIFE_THREATENING else 1 if match.kind == "shelter" else 0
    if not signal and urgency == 0:
        urgency = -1  # a hint of "other" says nothing
    return (int(signal), urgency, _RANK[match.strength], len(match.phrase))


def assess(text: str, result: NluResult, phrases: CrisisPhrases) -> Alarm | None:
    """The crisis alarm of one message, or ``None``.

    Strong: a curated phrase, or the classifier giving ``emergency`` at least
    :data:`STRONG_SCORE`. Weak: a weak cue, or an emergency probability from
    :data:`WEAK_SCORE`.
    """
    found = phrases.find(text)
    probability = result.score(EMERGENCY)
    if found is not None and found.strength == "strong":
        return Alarm("strong", phrases.kind_of(text), found.phrase)
    level: Literal["strong", "weak"] | None = None
    if probability >= STRONG_SCORE:
        level = "strong"
    elif probability >= WEAK_SCORE or found is not None:
        level = "weak"
    if level is None:
        return None
    return Alarm(level, phrases.kind_of(text), found.phrase if found is not None else None)
