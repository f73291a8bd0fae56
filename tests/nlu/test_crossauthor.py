"""The cross-author evaluation set stays out of the training data, and splits the same way
every time."""

from __future__ import annotations

from pathlib import Path

from bot.settings import SERVED_LANGUAGES
from nlu.crossauthor import CROSSAUTHOR_DIR, load_crossauthor, split_of
from nlu.intents import INTENTS
from nlu.text import fold
from nlu.training_data import language_files, load_examples

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = (*SERVED_LANGUAGES, "ru")


def test_no_cross_author_text_is_in_the_training_data() -> None:
    training = {
        fold(e.text) for e in load_examples(language_files(ROOT / "nlu" / "data", SERVED_LANGUAGES))
    }
    leaked = [
        i.example.text for i in load_crossauthor(LANGUAGES) if fold(i.example.text) in training
    ]
    assert not leaked, leaked[:10]


def test_cross_author_labels_are_known_intents() -> None:
    items = load_crossauthor(LANGUAGES)
    assert {i.example.intent for i in items} <= set(INTENTS)
    assert all(i.crisis_kind for i in items if i.example.intent == "emergency")


def test_split_is_deterministic_and_about_thirty_percent_dev() -> None:
    items = load_crossauthor(LANGUAGES)
    if not items:
        assert not any(CROSSAUTHOR_DIR.glob("*.jsonl"))
        return
    dev = load_crossauthor(LANGUAGES, "dev")
    test = load_crossauthor(LANGUAGES, "test")
    assert len(dev) + len(test) == len(items)
    assert 0.2 < len(dev) / len(items) < 0.4
    assert all(split_of(i.example.text) == "dev" for i in dev)
    assert split_of("Bonjour !") == split_of("bonjour")  # folded text decides
