"""Text normalisation shared by the language identifier, the classifier and the
crisis-phrase matcher: one definition of "the same text"."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_user_text", "dominant_script_share", "fold", "letters", "words"]

# Bidirectional embeddings/overrides/isolates and other invisible format controls.
_BIDI_AND_CONTROLS = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Arabic letter variants people type interchangeably (hamza seats, alef maqsura).
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def clean_user_text(text: str) -> str:
    """Drop control and bidi-override characters, normalise to NFC, trim spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _BIDI_AND_CONTROLS.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def fold(text: str) -> str:
    """Lowercase, no accents (Latin), no Arabic diacritics or tatweel, one form of
    alef, yeh and teh marbuta, no URLs, single spaces: the form used to compare and
    classify texts (training data, crisis phrases and messages alike)."""
    text = _URL.sub(" ", clean_user_text(text)).lower()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    decomposed = unicodedata.normalize("NFD", text)
    # Strip combining marks from Latin letters only: Cyrillic й/ї keep theirs.
    out: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and out and out[-1].isascii():
            continue
        out.append(char)
    text = unicodedata.normalize("NFC", "".join(out))
    text = text.replace("’", "'")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Word tokens (letters, or letters mixed with digits as in Arabizi ``3afak``)."""
    return _WORD.findall(text)


def letters(text: str) -> int:
    """How many letters the text has."""
    return sum(1 for char in text if char.isalpha())


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "?"


def dominant_script_share(text: str) -> float:
    """Share of the letters written in the text's most used script (1.0 if no letters)."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = _script(char)
            counts[script] = counts.get(script, 0) + 1
    total = sum(counts.values())
    return max(counts.values()) / total if total else 1.0
