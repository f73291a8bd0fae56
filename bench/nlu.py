"""Intent classification: embedded and Rasa backends on the held-out test set.

Accuracy and macro-F1 per language, emergency recall (classifier, crisis
phrases, both), p50/p95 latency per message, training time and peak memory.
Rasa is measured when ORIENTA_RASA_URL (and ORIENTA_RASA_TOKEN) point at a
running server (``make rasa``); its training figures come from
``var/rasa/train-stats.json``, written by ``orienta nlu rasa-train``.

Run with ``make bench`` or ``python -m bench.nlu``.
"""

from __future__ import annotations

import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path

import httpx

from bot.settings import SERVED_LANGUAGES, Settings
from nlu.backends.embedded import EmbeddedBackend
from nlu.backends.rasa import RasaBackend
from nlu.crisis import CrisisPhrases
from nlu.evaluation import Prediction, evaluate_backend, score, unseen
from nlu.result import IntentBackend
from nlu.training_data import language_files, load_examples

ROOT = Path(__file__).resolve().parent.parent
TEST_DIR = ROOT / "tests" / "data" / "nlu_test"


def _table(name: str, predictions: list[Prediction], training: str) -> None:
    print(f"\n{name}: {training}")
    print(
        "| lang | n | accuracy | macro-F1 | emergency recall: model / phrases / safety net "
        "| false alarms |"
    )
    print("|---|---|---|---|---|---|")
    for lang in (*SERVED_LANGUAGES, "all"):
        s = score([p for p in predictions if lang in ("all", p.example.lang)])
        print(
            f"| {lang} | {s.n} | {s.accuracy:.3f} | {s.macro_f1:.3f} | "
            f"{s.emergency_recall_classifier:.2f} / {s.emergency_recall_phrases:.2f} / "
            f"{s.emergency_recall_combined:.2f} | {s.false_alarms} |"
        )
    times = sorted(p.seconds for p in predictions)
    print(
        f"latency per message: p50 {times[len(times) // 2] * 1000:.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms"
    )


async def _run(backend: IntentBackend, settings: Settings) -> list[Prediction]:
    crisis = CrisisPhrases.from_dir(settings.nlu_lexicons_dir / "crisis")
    examples = unseen(
        load_examples(language_files(TEST_DIR, SERVED_LANGUAGES)),
        load_examples(language_files(settings.nlu_data_dir, SERVED_LANGUAGES)),
    )
    return await evaluate_backend(backend, examples, crisis)


def main() -> None:
    settings = Settings()
    with tempfile.TemporaryDirectory() as cache:
        embedded = EmbeddedBackend(settings.nlu_data_dir, Path(cache), SERVED_LANGUAGES)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        embedded.load()
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        n = len(load_examples(language_files(settings.nlu_data_dir, SERVED_LANGUAGES)))
        _table(
            "embedded (fastText)",
            asyncio.run(_run(embedded, settings)),
            f"trained on {n} examples in {seconds:.1f} s, process peak RSS "
            f"{peak / 1024:.0f} MiB ({(peak - before) / 1024:.0f} MiB more while training)",
        )
    if not settings.rasa_url:
        print("\nrasa: not measured (set ORIENTA_RASA_URL and ORIENTA_RASA_TOKEN; `make rasa`)")
        return
    stats_file = settings.var_dir / "rasa" / "train-stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None

    async def rasa_predictions() -> list[Prediction]:
        async with httpx.AsyncClient() as client:
            rasa = RasaBackend(settings.rasa_url or "", client, token, timeout=10.0)
            return await _run(rasa, settings)

    _table(
        "rasa (DIET, HTTP)",
        asyncio.run(rasa_predictions()),
        f"trained in {stats.get('seconds', '?')} s, training peak RSS "
        f"{stats.get('peak_rss_mib', '?')} MiB ({stats.get('model', 'model unknown')})",
    )


if __name__ == "__main__":
    main()
