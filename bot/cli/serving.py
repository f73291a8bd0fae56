"""``orienta run``, ``chat`` and ``db``: serving Orienta and migrating its database."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    pass

from bot.cli.common import Command

__all__ = ["register"]


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import serve

    asyncio.run(serve(settings))
    return 0


def _cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build, prepare_content
    from bot.channels.terminal import chat

    orienta = build(settings)
    orienta.runner.understanding.warm_up()
    prepare_content(settings, orienta.store, orienta.runner.clock().date())
    asyncio.run(chat(orienta.runner, chat_id=args.chat_id))
    return 0


def _cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.database import migrate

    migrate(settings.database_url, args.revision)
    print(f"database at revision {args.revision}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Command]:
    """Add the run, chat, db commands to ``sub``; their handlers by name."""
    sub.add_parser("run", help="start Orienta (the local web chat without a Telegram token)")
    chat = sub.add_parser("chat", help="chat with Orienta in this terminal")
    chat.add_argument("--chat-id", default="terminal", help="conversation to continue")
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="action", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    return {"run": _cmd_run, "chat": _cmd_chat, "db": _cmd_db}
