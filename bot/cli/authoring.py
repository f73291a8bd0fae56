"""``orienta flows`` and ``i18n``: checking and drawing flows, the gettext catalogs."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.settings import SERVED_LANGUAGES, Settings

if TYPE_CHECKING:
    pass

from bot.cli.common import ROOT, Command

__all__ = ["register"]


def _cmd_flows(settings: Settings, args: argparse.Namespace) -> int:
    from bot.authoring.flowfiles import check_flow_texts, flow_texts
    from bot.engine.diagram import mermaid
    from bot.engine.errors import FlowLoadError
    from bot.i18n import Catalogs

    catalogs = Catalogs(settings.locales_dir)
    flowset, errors = check_flow_texts(
        settings.flows_dir,
        flow_texts(settings.flows_dir),
        {lang: catalogs.msgids(lang) for lang in ("en", *SERVED_LANGUAGES)},
    )
    if args.action == "check":
        for error in errors:
            print(error)
        if errors or flowset is None:
            print(f"{len(errors)} error(s)", file=sys.stderr)
            return 1
        print(f"{len(flowset.flows)} flows OK")
        return 0
    if errors or flowset is None:
        print(FlowLoadError(errors), file=sys.stderr)
        return 1
    if args.flow not in flowset.flows:
        print(
            f"unknown flow {args.flow!r}; known: {', '.join(sorted(flowset.flows))}",
            file=sys.stderr,
        )
        return 2
    sys.stdout.write(mermaid(flowset.flows[args.flow]))
    return 0


def _cmd_i18n(settings: Settings, args: argparse.Namespace) -> int:
    from bot.catalogs import check_catalogs, compile_catalogs, update_catalogs

    if args.action == "update":
        pot = update_catalogs(ROOT, settings.locales_dir, SERVED_LANGUAGES)
        print(f"wrote {pot} and merged it into en, {', '.join(SERVED_LANGUAGES)}")
        return 0
    if args.action == "compile":
        for path in compile_catalogs(settings.locales_dir):
            print(f"compiled {path}")
        return 0
    problems = check_catalogs(ROOT, settings.locales_dir, SERVED_LANGUAGES)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("catalogs complete")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Command]:
    """Add the flows, i18n commands to ``sub``; their handlers by name."""
    flows = sub.add_parser("flows", help="check flows or draw one as Mermaid")
    flows_sub = flows.add_subparsers(dest="action", required=True)
    flows_sub.add_parser("check", help="schema, graph and translation checks; non-zero on error")
    diagram = flows_sub.add_parser("diagram", help="print a flow as a Mermaid flowchart")
    diagram.add_argument("flow")
    i18n = sub.add_parser("i18n", help="gettext catalogs")
    i18n_sub = i18n.add_subparsers(dest="action", required=True)
    i18n_sub.add_parser("update", help="extract message ids and merge them into every catalog")
    i18n_sub.add_parser("compile", help="write .mo files")
    i18n_sub.add_parser("check", help="fail on a missing, stale or mismatched translation")
    return {"flows": _cmd_flows, "i18n": _cmd_i18n}
