"""Intent classification: embedded and Rasa backends on the cross-author set (dev and
test splits, ``nlu/eval/crossauthor``) and on the project's own held-out set.

For the cross-author set: macro-F1 per language, the share of messages confidently
misrouted (wrong intent at or above the 0.5 threshold) and the share sent to buttons,
emergency recall and false alarms (strong or weak, see ``nlu.crisis.assess``) with
the crisis kind, and mean/p95 latency. Russian rows count for crises only.

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
from nlu.crossauthor import load_crossauthor
from nlu.evaluation import Prediction, evaluate_backend, macro_f1, score, unseen
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


THRESHOLD = 0.5  # below it the bot offers buttons (bot.engine)


def _crossauthor_table(name: str, predictions: list[Prediction], split: str) -> None:
    kinds = {}
    for item in load_crossauthor((*SERVED_LANGUAGES, "ru"), split):
        kinds[(item.example.lang, item.example.text)] = item.crisis_kind
    print(f"\n{name} on the cross-author {split} split")
    print(
        "| lang | n | macro-F1 | misrouted | buttons | emergency recall (strong) "
        "| kind right | false alarms (strong) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for lang in (*SERVED_LANGUAGES, "ru", "all"):
        part = [p for p in predictions if lang in ("all", p.example.lang)]
        intents = [p for p in part if p.example.lang != "ru"]
        crises = [p for p in part if p.example.intent == "emergency"]
        others = [p for p in part if p.example.intent != "emergency"]
        f1 = macro_f1((p.example.intent, p.intent) for p in intents) if intents else 0.0
        wrong = sum(
            1 for p in intents if p.intent != p.example.intent and p.confidence >= THRESHOLD
        )
        low = sum(1 for p in intents if p.confidence < THRESHOLD)
        caught = [p for p in crises if p.alarm]
        strong = sum(1 for p in crises if p.alarm == "strong")
        kind = sum(
            1 for p in caught if p.crisis_kind == kinds.get((p.example.lang, p.example.text))
        )
        false = [p for p in others if p.alarm]
        n = max(1, len(intents))
        print(
            f"| {lang} | {len(part)} | {f1:.3f} | {wrong / n:.1%} | {low / n:.1%} | "
            f"{len(caught) / max(1, len(crises)):.3f} ({strong / max(1, len(crises)):.2f}) | "
            f"{kind / max(1, len(caught)):.2f} | {len(false) / max(1, len(others)):.1%} "
            f"({sum(1 for p in false if p.alarm == 'strong') / max(1, len(others)):.1%}) |"
        )
    times = sorted(p.seconds for p in predictions)
    mean = sum(times) / max(1, len(times))
    print(
        f"latency per message: mean {mean * 1000:.2f} ms, p50 {times[len(times) // 2] * 1000:.2f}"
        f" ms, p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms"
    )


async def _crossauthor(backend: IntentBackend, settings: Settings, split: str) -> list[Prediction]:
    crisis = CrisisPhrases.from_dir(settings.nlu_lexicons_dir / "crisis")
    items = load_crossauthor((*SERVED_LANGUAGES, "ru"), split)
    return await evaluate_backend(backend, [i.example for i in items], crisis)


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
        for split in ("dev", "test"):
            _crossauthor_table(
                "embedded (fastText + e5 head)",
                asyncio.run(_crossauthor(embedded, settings, split)),
                split,
            )
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

    async def rasa_crossauthor(split: str) -> list[Prediction]:
        async with httpx.AsyncClient() as client:
            rasa = RasaBackend(settings.rasa_url or "", client, token, timeout=10.0)
            return await _crossauthor(rasa, settings, split)

    for split in ("dev", "test"):
        _crossauthor_table("rasa (DIET, HTTP)", asyncio.run(rasa_crossauthor(split)), split)
    _table(
        "rasa (DIET, HTTP)",
        asyncio.run(rasa_predictions()),
        f"trained in {stats.get('seconds', '?')} s, training peak RSS "
        f"{stats.get('peak_rss_mib', '?')} MiB ({stats.get('model', 'model unknown')})",
    )


if __name__ == "__main__":
    main()
