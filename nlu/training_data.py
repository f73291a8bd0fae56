"""Read the NLU training data (Rasa 3.x YAML, one file per language under ``nlu/data``).

The single source of truth for every backend: the embedded classifier trains
on it, the Rasa server trains on the same files, and the language identifier
takes its exclusive vocabulary from it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.text import fold, words

__all__ = [
    "Example",
    "data_fingerprint",
    "exclusive_vocabulary",
    "language_files",
    "load_examples",
    "strip_entities",
]

_ENTITY = re.compile(r"\[([^\]]+)\]\((?:[a-z_]+|\{[^}]*\})\)")


@dataclass(frozen=True)
class Example:
    """One training example: its text (entity markup removed), intent and language."""

    text: str
    intent: str
    lang: str


def strip_entities(text: str) -> str:
    """``"[demain](date) à 10h"`` -> ``"demain à 10h"``."""
    return _ENTITY.sub(r"\1", text)


def language_files(data_dir: Path, languages: Sequence[str]) -> list[Path]:
    """The per-language training files that exist, in language order."""
    return [data_dir / f"{lang}.yml" for lang in languages if (data_dir / f"{lang}.yml").is_file()]


def load_examples(files: Iterable[Path]) -> list[Example]:
    """All examples of the given Rasa YAML files (language from the file name)."""
    examples: list[Example] = []
    for path in files:
        doc = yaml.safe_load(path.read_text("utf-8")) or {}
        for block in doc.get("nlu", []):
            intent = block.get("intent")
            if not intent:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(strip_entities(line[2:].strip()), intent, path.stem))
    return examples


def data_fingerprint(files: Iterable[Path]) -> str:
    """A hash of the training files' names and contents."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def exclusive_vocabulary(examples: Iterable[Example]) -> Mapping[str, str]:
    """Folded words used by exactly one language's examples -> that language."""
    seen: dict[str, set[str]] = {}
    for example in examples:
        for token in words(fold(example.text)):
            if not token.isdigit():
                seen.setdefault(token, set()).add(example.lang)
    return {token: next(iter(langs)) for token, langs in seen.items() if len(langs) == 1}
