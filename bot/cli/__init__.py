"""The ``orienta`` command: run, chat, flows, nlu, db, i18n, kb, content, slots,
appointments, mediators, users — one module per command group."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bot.cli import authoring, content, language, serving, staff
from bot.cli.common import Command
from bot.logs import configure_logging
from bot.settings import Settings

__all__ = ["main"]


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(prog="orienta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, Command] = {}
    for group in (serving, authoring, language, content, staff):
        commands.update(group.register(sub))
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return commands[args.command](settings, args)
