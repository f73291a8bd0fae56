"""Intent evaluation on held-out data: accuracy, macro-F1, confusions, emergency recall.

The held-out files (``tests/data/nlu_test/<lang>.yml``, Rasa format) are never
used for training; :func:`evaluate_backend` runs a backend over them.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nlu.crisis import CrisisPhrases, assess
from nlu.intents import EMERGENCY
from nlu.result import IntentBackend
from nlu.text import fold
from nlu.training_data import Example

__all__ = ["Prediction", "Scores", "evaluate_backend", "macro_f1", "score", "unseen"]


@dataclass(frozen=True)
class Prediction:
    example: Example
    intent: str | None
    confidence: float
    seconds: float
    crisis: bool = False  # a curated crisis phrase matched
    emergency_score: float = 0.0  # the probability the backend gave `emergency`
    alarm: str | None = None  # "strong", "weak" or None: see nlu.crisis.assess
    crisis_kind: str | None = None


def macro_f1(pairs: Iterable[tuple[str, str | None]]) -> float:
    """Unweighted mean F1 over the true labels present."""
    pairs = list(pairs)
    labels = {truth for truth, _ in pairs}
    if not labels:
        return 0.0
    total = 0.0
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        total += 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return total / len(labels)


@dataclass
class Scores:
    """Scores of one backend on one slice (a language or everything)."""

    n: int
    accuracy: float
    macro_f1: float
    emergency_recall_classifier: float
    emergency_recall_phrases: float
    emergency_recall_combined: float
    false_alarms: int
    confusions: list[tuple[tuple[str, str | None], int]] = field(default_factory=list)


def score(predictions: Sequence[Prediction], threshold: float = 0.0) -> Scores:
    """Scores of predictions; an intent under ``threshold`` counts as no answer."""
    pairs = [
        (p.example.intent, p.intent if p.confidence >= threshold else None) for p in predictions
    ]
    right = sum(1 for truth, guess in pairs if truth == guess)
    emergencies = [p for p in predictions if p.example.intent == EMERGENCY]

    def recall(hit: Iterable[bool]) -> float:
        hits = list(hit)
        return sum(hits) / len(hits) if hits else 0.0

    def alarm(p: Prediction) -> bool:  # what the runner does: see nlu.crisis.assess
        return p.intent == EMERGENCY or p.alarm is not None

    confusions = Counter((t, g) for t, g in pairs if t != g)
    return Scores(
        n=len(pairs),
        accuracy=right / len(pairs) if pairs else 0.0,
        macro_f1=macro_f1(pairs),
        emergency_recall_classifier=recall(p.intent == EMERGENCY for p in emergencies),
        emergency_recall_phrases=recall(p.crisis for p in emergencies),
        emergency_recall_combined=recall(alarm(p) for p in emergencies),
        false_alarms=sum(1 for p in predictions if p.example.intent != EMERGENCY and alarm(p)),
        confusions=confusions.most_common(8),
    )


def unseen(held_out: Sequence[Example], training: Iterable[Example]) -> list[Example]:
    """Held-out examples whose text (folded) does not also occur in the training data:
    independently written sets share common phrases, which would flatter the scores."""
    seen = {fold(e.text) for e in training}
    return [e for e in held_out if fold(e.text) not in seen]


async def evaluate_backend(
    backend: IntentBackend, examples: Sequence[Example], crisis: CrisisPhrases
) -> list[Prediction]:
    """Run ``backend`` over every example, timing each parse."""
    predictions = []
    for example in examples:
        started = time.perf_counter()
        result = await backend.parse(example.text, example.lang)
        elapsed = time.perf_counter() - started
        raised = assess(example.text, result, crisis)
        predictions.append(
            Prediction(
                example,
                result.intent,
                result.confidence,
                elapsed,
                crisis.match(example.text) is not None,
                result.score(EMERGENCY),
                raised.level if raised else None,
                raised.kind if raised else None,
            )
        )
    return predictions
