"""Train and serve the Rasa model from ``nlu/`` with the separate Rasa environment.

Rasa Open Source 3.6 needs Python 3.8–3.10 and pins old libraries, so it lives
in ``.venv-rasa`` (``make rasa-env``) and is only ever run as a program: the bot
never imports ``rasa``. Training is skipped when a model for the same data and
configuration already exists (the file name carries their hash); training uses a
fixed ``random_seed`` so it is repeatable; the server binds to 127.0.0.1 and
requires a token, since ``--enable-api`` otherwise lets anyone replace the model.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from nlu.training_data import data_fingerprint, language_files

__all__ = ["model_file", "rasa_command", "serve_command", "train"]


def rasa_command(rasa_venv: Path) -> Path:
    command = rasa_venv / "bin" / "rasa"
    if not command.exists():
        raise RuntimeError(f"no Rasa environment at {rasa_venv}: run `make rasa-env` first")
    return command


def _environment(cache_dir: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONHASHSEED": "0",
    }
    if cache_dir is not None:  # Rasa caches training under ./.rasa unless told otherwise
        env["RASA_CACHE_DIRECTORY"] = str(cache_dir)
    return env


def model_file(nlu_dir: Path, models_dir: Path, languages: Sequence[str]) -> Path:
    """Where the model for the current data and config lives (hash in the name)."""
    files = [*language_files(nlu_dir / "data", languages), nlu_dir / "config.yml"]
    return models_dir / f"orienta-nlu-{data_fingerprint(files)}.tar.gz"


def train(
    rasa_venv: Path,
    nlu_dir: Path,
    models_dir: Path,
    languages: Sequence[str],
    *,
    force: bool = False,
) -> Path:
    """Train the NLU model unless one for this data already exists; return its path."""
    nlu_dir, models_dir = nlu_dir.resolve(), models_dir.resolve()
    target = model_file(nlu_dir, models_dir, languages)
    if target.exists() and not force:
        return target
    staging = models_dir / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "data").mkdir(parents=True)
    for path in language_files(nlu_dir / "data", languages):
        shutil.copy(path, staging / "data" / path.name)
    started = time.perf_counter()
    subprocess.run(
        [
            str(rasa_command(rasa_venv)),
            "train",
            "nlu",
            "--config",
            str(nlu_dir / "config.yml"),
            "--nlu",
            str(staging / "data"),
            "--out",
            str(staging / "out"),
            "--fixed-model-name",
            "model",
            # Rasa's progress bars and logs on a terminal; otherwise warnings only.
            *([] if sys.stderr.isatty() else ["--quiet"]),
        ],
        check=True,
        env=_environment(models_dir / "cache"),
        cwd=models_dir,
    )
    stats = {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "model": target.name,
    }
    (staging / "out" / "model.tar.gz").replace(target)
    (models_dir / "train-stats.json").write_text(json.dumps(stats))
    shutil.rmtree(staging, ignore_errors=True)
    return target


def serve_command(rasa_venv: Path, model: Path, port: int, token: str) -> list[str]:
    """``rasa run`` for the model: API on 127.0.0.1 only, token required."""
    return [
        str(rasa_command(rasa_venv)),
        "run",
        "--enable-api",
        "--auth-token",
        token,
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(model),
        "--cors",
        "http://127.0.0.1",
    ]


def serve(rasa_venv: Path, model: Path, port: int, token: str) -> None:
    """Replace this process with the Rasa server (same PID, so it can be stopped by PID)."""
    command = serve_command(rasa_venv, model, port, token)
    os.execve(command[0], command, _environment())
