"""The cross-author evaluation set: messages written by people who never saw ``nlu/data``.

``nlu/eval/crossauthor/<lang>.jsonl`` holds one JSON object a line: ``text``,
``intent``, ``style`` (short, typo, dialect, code_switch, voice, indirect, …)
and, for emergencies, ``crisis_kind``. Nothing trains on it. Each text falls
deterministically into the ``dev`` split (about 30 %, by a hash of its folded
form: thresholds and weights are tuned there) or the ``test`` split (reported).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nlu.text import fold
from nlu.training_data import Example

__all__ = ["CROSSAUTHOR_DIR", "Labelled", "load_crossauthor", "split_of"]

CROSSAUTHOR_DIR = Path(__file__).resolve().parent / "eval" / "crossauthor"
Split = Literal["dev", "test", "all"]
_DEV_SHARE = 30  # percent


@dataclass(frozen=True)
class Labelled:
    """One cross-author message."""

    example: Example
    style: str
    crisis_kind: str | None

    @property
    def split(self) -> str:
        return split_of(self.example.text)


def split_of(text: str) -> str:
    """``dev`` or ``test``: the same text always lands on the same side."""
    digest = hashlib.sha256(fold(text).encode()).digest()
    return "dev" if int.from_bytes(digest[:4], "big") % 100 < _DEV_SHARE else "test"


def _rows(path: Path) -> Iterable[dict[str, str]]:
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def load_crossauthor(
    languages: Sequence[str], split: Split = "all", folder: Path = CROSSAUTHOR_DIR
) -> list[Labelled]:
    """The messages of the given languages (those whose file exists) in one split."""
    items: list[Labelled] = []
    for lang in languages:
        path = folder / f"{lang}.jsonl"
        if not path.is_file():
            continue
        for row in _rows(path):
            text, intent = str(row.get("text", "")).strip(), str(row.get("intent", ""))
            if not text or not intent:
                continue
            item = Labelled(
                Example(text, intent, lang), str(row.get("style", "")), row.get("crisis_kind")
            )
            if split in ("all", item.split):
                items.append(item)
    return items
