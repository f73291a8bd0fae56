"""The embedded intent backend: a fastText supervised classifier.

Trained in seconds from the same Rasa YAML files the Rasa server uses (no
second copy of the data), cached under ``var/nlu/`` by a hash of the data and
the training parameters, retrained automatically when either changes. One
model serves every language: character n-grams carry the inflections of
Finnish and Ukrainian and the clitics of Arabic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nlu.fasttext_build import import_fasttext
from nlu.result import NluResult
from nlu.text import fold
from nlu.training_data import Example, data_fingerprint, language_files, load_examples

__all__ = ["EmbeddedBackend", "TrainingParams", "train_model"]

log = logging.getLogger(__name__)
_LABEL = "__label__"


@dataclass(frozen=True)
class TrainingParams:
    """fastText hyper-parameters; part of the cache key."""

    epoch: int = 100
    lr: float = 0.6
    wordNgrams: int = 2
    minn: int = 3
    maxn: int = 6
    dim: int = 64
    bucket: int = 200_000
    loss: str = "softmax"
    thread: int = 1  # one thread: training is deterministic
    seed: int = 7


def _line(example: Example) -> str:
    return f"{_LABEL}{example.intent} {fold(example.text)}"


def train_model(
    examples: Sequence[Example], target: Path, params: TrainingParams, *, progress: bool = False
) -> Any:
    """Train on ``examples`` and save the model to ``target`` (atomically). With
    ``progress``, fastText shows its progress line, on a terminal only."""
    verbose = 2 if progress and sys.stderr.isatty() else 0
    fasttext = import_fasttext()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as handle:
        handle.write("\n".join(_line(e) for e in examples) + "\n")
        corpus = handle.name
    try:
        try:
            model = fasttext.train_supervised(input=corpus, verbose=verbose, **asdict(params))
        except RuntimeError:  # "Encountered NaN": diverged; a smaller step converges
            log.warning("fastText training diverged; retrying with a smaller learning rate")
            slower = {**asdict(params), "lr": params.lr / 4}
            model = fasttext.train_supervised(input=corpus, verbose=verbose, **slower)
    finally:
        os.unlink(corpus)
    partial = target.with_suffix(".part")
    model.save_model(str(partial))
    partial.replace(target)
    return model


class EmbeddedBackend:
    """fastText intent classifier over ``nlu/data``; trains itself on first use."""

    name = "embedded"

    def __init__(
        self,
        data_dir: Path,
        cache_dir: Path,
        languages: Sequence[str],
        params: TrainingParams | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.languages = tuple(languages)
        self.params = params or TrainingParams()
        self._model: Any = None

    def model_path(self) -> Path:
        files = language_files(self.data_dir, self.languages)
        params = hashlib.sha256(repr(sorted(asdict(self.params).items())).encode()).hexdigest()
        key = f"{data_fingerprint(files)}-{params[:8]}"
        return self.cache_dir / f"intents-{key}.bin"

    def load(self, *, progress: bool = False) -> Any:
        """The model, trained now if the data or parameters changed since the last time
        (with ``progress``, showing it on a terminal)."""
        if self._model is not None:
            return self._model
        path = self.model_path()
        fasttext = import_fasttext()
        if path.is_file():
            self._model = fasttext.load_model(str(path))
        else:
            examples = load_examples(language_files(self.data_dir, self.languages))
            if not examples:
                raise RuntimeError(f"no NLU training data under {self.data_dir}")
            log.info("training the embedded intent model on %d examples", len(examples))
            self._model = train_model(examples, path, self.params, progress=progress)
        return self._model

    def classify(self, text: str, k: int = 5) -> NluResult:
        folded = fold(text).replace("\n", " ")
        if not folded:
            return NluResult(None, 0.0, self.name)
        labels, probs = self.load().predict(folded, k=k)
        ranking = tuple(
            (str(label).removeprefix(_LABEL), round(float(p), 4))
            for label, p in zip(labels, probs, strict=True)
        )
        if not ranking:
            return NluResult(None, 0.0, self.name)
        intent, confidence = ranking[0]
        return NluResult(intent, min(1.0, confidence), self.name, ranking)

    async def parse(self, text: str, lang: str | None) -> NluResult:
        return self.classify(text)
