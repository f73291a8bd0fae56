"""Which fastText build Orienta uses, and where the shipped lid.176 model is.

Several PyPI distributions install the same ``fasttext`` module and overwrite
each other. Orienta pins ``fasttext-numpy2-wheel`` (trains, predicts under
numpy 2, loads ``lid.176.ftz``). The language-identification model
``lid.176.ftz`` is vendored in ``nlu/models/`` (fastText's, CC BY-SA 3.0: see
NOTICE) and ships inside Orienta's own wheel, so nothing else is installed for
it. ``tests/nlu/test_fasttext_build.py`` checks all of this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["FASTTEXT_DISTRIBUTION", "LID_MODEL", "import_fasttext", "shipped_lid_model"]

FASTTEXT_DISTRIBUTION = "fasttext-numpy2-wheel"
#: fastText lid.176 (compressed), vendored: https://fasttext.cc/docs/en/language-identification.html
LID_MODEL = Path(__file__).resolve().parent / "models" / "lid.176.ftz"


def import_fasttext() -> Any:
    """Import the ``fasttext`` module, with a clear message when the build is wrong."""
    try:
        import fasttext
    except ImportError as exc:  # pragma: no cover - environment problem
        raise RuntimeError(
            f"fastText is missing: install {FASTTEXT_DISTRIBUTION} (make install)"
        ) from exc
    if not hasattr(fasttext, "train_supervised"):
        raise RuntimeError(
            "the installed 'fasttext' module cannot train (a predict-only build such as "
            f"fasttext-predict overwrote it): reinstall {FASTTEXT_DISTRIBUTION}"
        )
    return fasttext


def shipped_lid_model() -> Path:
    """Path of the vendored ``lid.176.ftz`` (inside the package, so also in its wheel)."""
    if not LID_MODEL.is_file():
        raise RuntimeError(f"lid.176.ftz is missing from the package at {LID_MODEL}")
    return LID_MODEL
