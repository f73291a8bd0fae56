"""What every NLU backend answers, and the interface they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["IntentBackend", "NluResult"]


@dataclass(frozen=True)
class NluResult:
    """The intent of one message with its confidence, ranking and the backend that said so."""

    intent: str | None
    confidence: float
    backend: str
    ranking: tuple[tuple[str, float], ...] = ()
    entities: tuple[tuple[str, str], ...] = field(default=())
    fallback: bool = False  # True when the primary backend failed and a fallback answered

    def score(self, intent: str) -> float:
        """The probability given to ``intent`` (0 when not in the ranking)."""
        if intent == self.intent:
            return self.confidence
        return dict(self.ranking).get(intent, 0.0)


class IntentBackend(Protocol):
    """An intent classifier (embedded fastText, a Rasa server, …)."""

    name: str

    async def parse(self, text: str, lang: str | None) -> NluResult:
        """Classify ``text``; ``lang`` is the conversation language when known."""
        ...
