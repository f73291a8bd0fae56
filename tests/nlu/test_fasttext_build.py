"""The fastText build is the one we pinned: it trains, predicts under numpy 2 and
loads the lid.176 model vendored in nlu/models."""

from __future__ import annotations

import importlib.metadata
from dataclasses import asdict
from pathlib import Path

import numpy

from nlu.backends.embedded import TrainingParams
from nlu.fasttext_build import FASTTEXT_DISTRIBUTION, import_fasttext, shipped_lid_model
from nlu.training_data import load_examples

ROOT = Path(__file__).resolve().parents[2]


def test_pinned_build_is_installed_and_not_overwritten() -> None:
    assert importlib.metadata.version(FASTTEXT_DISTRIBUTION) == "0.9.2"
    installed = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()}
    assert "fasttext-predict" not in installed
    assert "fasttext-wheel" not in installed


def test_fasttext_trains_and_predicts_under_numpy2(tmp_path: Path) -> None:
    assert int(numpy.__version__.split(".")[0]) >= 2
    fasttext = import_fasttext()
    corpus = tmp_path / "train.txt"
    examples = load_examples([ROOT / "nlu" / "data" / "fr.yml"])
    corpus.write_text("\n".join(f"__label__{e.intent} {e.text.lower()}" for e in examples))
    model = fasttext.train_supervised(
        input=str(corpus), verbose=0, **asdict(TrainingParams(epoch=20))
    )
    labels, probs = model.predict("bonjour", k=1)
    # fastText's softmax can exceed 1 by ~1e-5; the embedded backend clamps it.
    assert labels == ("__label__greet",) and 0.0 < float(probs[0]) <= 1.0 + 1e-4


def test_shipped_lid_model_loads_offline() -> None:
    path = shipped_lid_model()
    assert path.name == "lid.176.ftz" and path.stat().st_size > 500_000
    model = import_fasttext().load_model(str(path))
    labels, _ = model.predict("Bonjour, je voudrais un rendez-vous demain matin", k=1)
    assert labels == ("__label__fr",)
