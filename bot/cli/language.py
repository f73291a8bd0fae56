"""``orienta nlu``: language identification, intents, evaluation and the Rasa server."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import httpx

from bot.settings import SERVED_LANGUAGES, Settings
from nlu import rasa_service
from nlu.backends.embedded import EmbeddedBackend
from nlu.backends.fallback import FallbackBackend
from nlu.backends.rasa import RasaBackend, RasaUnavailable

if TYPE_CHECKING:
    from nlu.evaluation import Prediction
    from nlu.pipeline import Understanding
    from nlu.result import IntentBackend

from bot.cli.common import ROOT, Command

__all__ = ["register"]


def _cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import understanding_from_settings

    if args.action == "rasa-train":
        model = rasa_service.train(
            args.rasa_venv,
            ROOT / "nlu",
            settings.var_dir / "rasa",
            SERVED_LANGUAGES,
            force=args.force,
        )
        print(model)
        return 0
    if args.action == "rasa-serve":
        model = rasa_service.model_file(ROOT / "nlu", settings.var_dir / "rasa", SERVED_LANGUAGES)
        if not model.exists():
            raise SystemExit(f"no trained model {model}: run `orienta nlu rasa-train`")
        if not settings.rasa_token:
            raise SystemExit("set ORIENTA_RASA_TOKEN: the Rasa API must not run without one")
        print(
            f"Rasa on http://127.0.0.1:{args.port} with {model.name}; the bot needs "
            f"ORIENTA_RASA_URL=http://127.0.0.1:{args.port} and the same ORIENTA_RASA_TOKEN",
            file=sys.stderr,
            flush=True,
        )
        rasa_service.serve(args.rasa_venv, model, args.port, settings.rasa_token.get_secret_value())
        return 0
    understanding = understanding_from_settings(settings, use_rasa=False)
    if args.action == "train":
        embedded = understanding.intents
        assert isinstance(embedded, EmbeddedBackend)
        embedded.load(progress=True)
        print(f"embedded model ready: {embedded.model_path()}")
        return 0
    if args.action == "eval":
        return _evaluate(settings, understanding, args)
    backend = _backend(settings, understanding, getattr(args, "backend", "embedded"))
    # One event loop for every line: the Rasa client's connections belong to the loop that
    # opened them (a loop per line crashed on the second: "Event loop is closed").
    return asyncio.run(_answer_lines(understanding, backend, args.action, sys.stdin))


def _backend(settings: Settings, understanding: Understanding, name: str) -> IntentBackend:
    """The intent backend asked for on the command line."""
    if name == "embedded":
        intents = understanding.intents
        return intents.fallback if isinstance(intents, FallbackBackend) else intents
    if not settings.rasa_url:
        raise SystemExit("--backend rasa needs ORIENTA_RASA_URL (see `make rasa`)")
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    return RasaBackend(settings.rasa_url, httpx.AsyncClient(), token, settings.rasa_timeout)


def _json_lines(stream: TextIO) -> Iterator[tuple[int, dict[str, str] | None]]:
    """(line number, {"text", "hint"?}) per non-blank line; None for an invalid line."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise TypeError("not an object")
            text, hint = item["text"], item.get("hint")
            if not isinstance(text, str) or (hint is not None and not isinstance(hint, str)):
                raise TypeError("text and hint must be strings")
        except (ValueError, KeyError, TypeError) as exc:
            print(f"line {number}: {exc}", file=sys.stderr)
            yield number, None
            continue
        yield number, {"text": text, **({"hint": hint} if hint else {})}


async def _answer_lines(
    understanding: Understanding, backend: IntentBackend, action: str, stream: TextIO
) -> int:
    """``orienta nlu detect|parse``: one JSON answer per JSON line read."""
    from nlu.crisis import assess

    status = 0
    try:
        for _, item in _json_lines(stream):
            if item is None:
                status = 1
                out: dict[str, object] = (
                    {"lang": "und", "confidence": 0.0}
                    if action == "detect"
                    else {"lang": "und", "intent": None, "confidence": 0.0}
                )
            elif action == "detect":
                found = understanding.langid.detect(item["text"], item.get("hint"))
                out = {"lang": found.lang, "confidence": found.confidence}
            else:
                found = understanding.langid.detect(item["text"], item.get("hint"))
                try:
                    result = await backend.parse(item["text"], found.lang)
                except RasaUnavailable as exc:
                    print(f"rasa unavailable: {exc}", file=sys.stderr)
                    status = 1
                    out = {"lang": found.lang, "intent": None, "confidence": 0.0}
                else:
                    alarm = assess(item["text"], result, understanding.crisis)
                    out = {
                        "lang": found.lang,
                        "intent": result.intent,
                        "confidence": round(result.confidence, 4),
                        "alarm": alarm.level if alarm else None,
                        "crisis_kind": alarm.kind if alarm else None,
                    }
            print(json.dumps(out, ensure_ascii=False), flush=True)
    finally:
        client = getattr(backend, "client", None)
        if isinstance(client, httpx.AsyncClient):
            await client.aclose()
    return status


def _evaluate(settings: Settings, understanding: Understanding, args: argparse.Namespace) -> int:
    from nlu.evaluation import evaluate_backend, score, unseen
    from nlu.training_data import language_files, load_examples

    held_out = load_examples(language_files(args.test_dir, SERVED_LANGUAGES))
    if not held_out:
        raise SystemExit(f"no held-out examples under {args.test_dir}")
    examples = unseen(
        held_out, load_examples(language_files(settings.nlu_data_dir, SERVED_LANGUAGES))
    )
    print(
        f"{len(held_out) - len(examples)} held-out examples also in the training data are left out"
    )
    names = ["embedded", "rasa"] if args.backend == "all" else [args.backend]
    if args.backend == "all" and not settings.rasa_url:
        names = ["embedded"]
    for name in names:
        backend = _backend(settings, understanding, name)

        async def run(backend: IntentBackend = backend) -> list[Prediction]:
            return await evaluate_backend(backend, examples, understanding.crisis)

        predictions = asyncio.run(run())
        print(f"\n{name} backend on {len(examples)} held-out examples ({args.test_dir})")
        print(
            f"  {'lang':6}{'n':>5}{'accuracy':>10}{'macro-F1':>10}"
            f"{'emergency recall: model':>26}{'phrases':>9}{'net':>6}{'false alarms':>14}"
        )
        for lang in (*SERVED_LANGUAGES, "all"):
            part = [p for p in predictions if lang in ("all", p.example.lang)]
            s = score(part)
            print(
                f"  {lang:6}{s.n:5}{s.accuracy:10.3f}{s.macro_f1:10.3f}"
                f"{s.emergency_recall_classifier:26.3f}{s.emergency_recall_phrases:9.3f}"
                f"{s.emergency_recall_combined:6.3f}{s.false_alarms:14d}"
            )
        worst = score(predictions).confusions
        print("  worst confusions: " + ", ".join(f"{t}->{g} x{n}" for (t, g), n in worst))
        times = sorted(p.seconds for p in predictions)
        print(
            f"  latency p50 {times[len(times) // 2] * 1000:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms"
        )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Command]:
    """Add the nlu commands to ``sub``; their handlers by name."""
    nlu = sub.add_parser("nlu", help="language identification and intents")
    nlu_sub = nlu.add_subparsers(dest="action", required=True)
    nlu_sub.add_parser("detect", help='JSON lines {"text", "hint"?} in, {"lang", "confidence"} out')
    parse = nlu_sub.add_parser(
        "parse", help='JSON lines {"text", "hint"?} in, {"lang", "intent", "confidence"} out'
    )
    parse.add_argument("--backend", choices=["embedded", "rasa"], default="embedded")
    nlu_sub.add_parser("train", help="train the embedded intent model now (cached by data hash)")
    evaluate = nlu_sub.add_parser("eval", help="accuracy and macro-F1 on the held-out test set")
    evaluate.add_argument("--backend", choices=["embedded", "rasa", "all"], default="all")
    evaluate.add_argument("--test-dir", type=Path, default=ROOT / "tests" / "data" / "nlu_test")
    rasa_train = nlu_sub.add_parser("rasa-train", help="train the Rasa model (skipped if current)")
    rasa_train.add_argument("--force", action="store_true", help="train even if current")
    rasa_serve = nlu_sub.add_parser("rasa-serve", help="serve the Rasa model on 127.0.0.1")
    rasa_serve.add_argument("--port", type=int, default=5005)
    for sub_parser in (rasa_train, rasa_serve):
        sub_parser.add_argument("--rasa-venv", type=Path, default=ROOT / ".venv-rasa")
    return {"nlu": _cmd_nlu}
