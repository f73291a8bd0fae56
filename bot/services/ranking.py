"""BM25 over character n-grams: ranks articles for a free-text question.

Character n-grams (3 to 5 letters, inside word boundaries) match across
inflections ("logement"/"logements", "asunto"/"asunnon", "житло"/"житла") and
survive small typos, which word matching does not; BM25 weighs rare n-grams
above common ones and does not favour long articles.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nlu.text import fold, words

__all__ = ["Bm25Index", "ngrams"]


def ngrams(text: str, low: int = 3, high: int = 5) -> Counter[str]:
    """The character n-grams of every word of ``text`` (folded), with counts."""
    grams: Counter[str] = Counter()
    for word in words(fold(text)):
        padded = f" {word} "
        for size in range(low, high + 1):
            for start in range(max(1, len(padded) - size + 1)):
                gram = padded[start : start + size]
                if gram.strip():
                    grams[gram] += 1
    return grams


@dataclass(frozen=True)
class _Doc:
    key: str
    grams: Counter[str]
    length: int


class Bm25Index:
    """An index over documents given as key → text; :meth:`scores` ranks them."""

    def __init__(self, documents: Mapping[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [
            _Doc(key, grams, sum(grams.values()))
            for key, grams in ((k, ngrams(t)) for k, t in documents.items())
        ]
        self.average = (sum(d.length for d in self.docs) / len(self.docs)) if self.docs else 1.0
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.grams.keys())
        n = len(self.docs)
        self.idf = {
            gram: math.log(1 + (n - df + 0.5) / (df + 0.5)) for gram, df in frequency.items()
        }

    def scores(self, query: str, keys: Sequence[str] | None = None) -> dict[str, float]:
        """BM25 score of each document (of ``keys`` only, when given) for ``query``."""
        grams = ngrams(query)
        allowed = set(keys) if keys is not None else None
        result: dict[str, float] = {}
        for doc in self.docs:
            if allowed is not None and doc.key not in allowed:
                continue
            norm = self.k1 * (1 - self.b + self.b * doc.length / self.average)
            score = 0.0
            for gram, count in grams.items():
                tf = doc.grams.get(gram)
                if tf:
                    score += count * self.idf[gram] * tf * (self.k1 + 1) / (tf + norm)
            result[doc.key] = score
        return result
