"""Curated crisis phrases: a safety net under the intent classifier.

``nlu/data/crisis/<lang>.txt`` lists phrases that signal danger now, per
language, reviewed by people who speak it. A message containing one (after
folding case, accents and Arabic diacritics) is treated as an emergency even
when the classifier is unsure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from nlu.text import fold

__all__ = ["CrisisPhrases"]


class CrisisPhrases:
    """Substring matcher over folded crisis phrases of every language."""

    def __init__(self, phrases: Mapping[str, Iterable[str]]) -> None:
        self.phrases = {
            lang: tuple(sorted({fold(p) for p in items if fold(p)}))
            for lang, items in phrases.items()
        }

    @classmethod
    def from_dir(cls, folder: Path) -> CrisisPhrases:
        phrases: dict[str, list[str]] = {}
        for path in sorted(folder.glob("*.txt")):
            phrases[path.stem] = [
                line
                for line in path.read_text("utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
        return cls(phrases)

    def match(self, text: str) -> str | None:
        """The first crisis phrase found in ``text`` (any language), or ``None``."""
        folded = f" {fold(text)} "
        for items in self.phrases.values():
            for phrase in items:
                if phrase in folded:
                    return phrase
        return None
