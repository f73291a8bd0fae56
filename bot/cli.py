"""The ``orienta`` command: run, chat, flows, nlu, db, i18n."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import SERVED_LANGUAGES, Settings

if TYPE_CHECKING:
    from nlu.pipeline import Understanding

__all__ = ["main"]

_ROOT = Path(__file__).resolve().parent.parent


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import build
    from bot.web.app import create_app

    orienta = build(settings)
    orienta.runner.understanding.warm_up()
    if settings.telegram_token is not None:
        print("Telegram channel: not part of this build yet; starting the local web chat.",
              file=sys.stderr)
    print(f"Orienta web chat on http://{settings.host}:{settings.port}/", file=sys.stderr)
    uvicorn.run(create_app(orienta), host=settings.host, port=settings.port,
                log_level=settings.log_level.lower())
    return 0


def _cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build
    from bot.channels.terminal import chat

    orienta = build(settings)
    orienta.runner.understanding.warm_up()
    asyncio.run(chat(orienta.runner, chat_id=args.chat_id))
    return 0


def _cmd_flows(settings: Settings, args: argparse.Namespace) -> int:
    from bot.engine.diagram import mermaid
    from bot.engine.errors import FlowLoadError
    from bot.engine.loader import build_flowset, load_flow_documents
    from bot.engine.validation import check_flowset
    from bot.i18n import Catalogs

    docs, routes, errors = load_flow_documents(settings.flows_dir)
    if not errors:
        flowset = build_flowset(docs, routes)
        catalogs = Catalogs(settings.locales_dir)
        errors = check_flowset(flowset, {lang: catalogs.msgids(lang)
                                         for lang in ("en", *SERVED_LANGUAGES)})
    if args.action == "check":
        for error in errors:
            print(error)
        if errors:
            print(f"{len(errors)} error(s)", file=sys.stderr)
            return 1
        print(f"{len(docs)} flows OK")
        return 0
    if errors:
        print(FlowLoadError(errors), file=sys.stderr)
        return 1
    if args.flow not in flowset.flows:
        print(f"unknown flow {args.flow!r}; known: {', '.join(sorted(flowset.flows))}",
              file=sys.stderr)
        return 2
    sys.stdout.write(mermaid(flowset.flows[args.flow]))
    return 0


def _langid(settings: Settings) -> Understanding:
    from nlu.pipeline import build_understanding

    return build_understanding(settings.nlu_data_dir, settings.var_dir / "nlu",
                               SERVED_LANGUAGES, settings.langid_model)


def _cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from nlu.backends.embedded import EmbeddedBackend

    understanding = _langid(settings)
    if args.action == "train":
        backend = understanding.intents
        assert isinstance(backend, EmbeddedBackend)
        backend.load()
        print(f"embedded model ready: {backend.model_path()}")
        return 0
    status = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            hint = item.get("hint")
            if not isinstance(text, str) or (hint is not None and not isinstance(hint, str)):
                raise TypeError("text and hint must be strings")
        except (ValueError, KeyError, TypeError) as exc:
            print(f"line {number}: {exc}", file=sys.stderr)
            print(json.dumps({"lang": "und", "confidence": 0.0}), flush=True)
            status = 1
            continue
        if args.action == "detect":
            found = understanding.langid.detect(text, hint)
            out = {"lang": found.lang, "confidence": found.confidence}
        else:
            result = asyncio.run(understanding.intents.parse(text, hint))
            out = {"intent": result.intent, "confidence": result.confidence}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return status


def _cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.database import migrate

    migrate(settings.database_url, args.revision)
    print(f"database at revision {args.revision}")
    return 0


def _cmd_i18n(settings: Settings, args: argparse.Namespace) -> int:
    from bot.catalogs import check_catalogs, compile_catalogs, update_catalogs

    if args.action == "update":
        pot = update_catalogs(_ROOT, settings.locales_dir, SERVED_LANGUAGES)
        print(f"wrote {pot} and merged it into en, {', '.join(SERVED_LANGUAGES)}")
        return 0
    if args.action == "compile":
        for path in compile_catalogs(settings.locales_dir):
            print(f"compiled {path}")
        return 0
    problems = check_catalogs(_ROOT, settings.locales_dir, SERVED_LANGUAGES)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("catalogs complete")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orienta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start Orienta (the local web chat without a Telegram token)")
    chat = sub.add_parser("chat", help="chat with Orienta in this terminal")
    chat.add_argument("--chat-id", default="terminal", help="conversation to continue")
    flows = sub.add_parser("flows", help="check flows or draw one as Mermaid")
    flows_sub = flows.add_subparsers(dest="action", required=True)
    flows_sub.add_parser("check", help="schema, graph and translation checks; non-zero on error")
    diagram = flows_sub.add_parser("diagram", help="print a flow as a Mermaid flowchart")
    diagram.add_argument("flow")
    nlu = sub.add_parser("nlu", help="language identification and intents")
    nlu_sub = nlu.add_subparsers(dest="action", required=True)
    nlu_sub.add_parser("detect", help='JSON lines {"text", "hint"?} in, {"lang", "confidence"} out')
    nlu_sub.add_parser("parse", help='JSON lines {"text"} in, {"intent", "confidence"} out')
    nlu_sub.add_parser("train", help="train the embedded intent model now (cached by data hash)")
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="action", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    i18n = sub.add_parser("i18n", help="gettext catalogs")
    i18n_sub = i18n.add_subparsers(dest="action", required=True)
    i18n_sub.add_parser("update", help="extract message ids and merge them into every catalog")
    i18n_sub.add_parser("compile", help="write .mo files")
    i18n_sub.add_parser("check", help="fail on a missing, stale or mismatched translation")
    return parser


_COMMANDS = {"run": _cmd_run, "chat": _cmd_chat, "flows": _cmd_flows, "nlu": _cmd_nlu,
             "db": _cmd_db, "i18n": _cmd_i18n}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return _COMMANDS[args.command](settings, args)
