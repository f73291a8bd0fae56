"""``orienta mediators`` and ``users``: mediators, console accounts and a person's data export."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.settings import SERVED_LANGUAGES, Settings

if TYPE_CHECKING:
    from bot.store.repository import Store
    from bot.store.staff import StaffBook

from bot.cli.common import Command, open_store

__all__ = ["register"]


def _cmd_mediators(settings: Settings, args: argparse.Namespace) -> int:
    from bot.domain.hours import hours_to_json, parse_hours
    from bot.store.cases import CaseBook
    from bot.store.staff import StaffBook

    book = CaseBook(open_store(settings))
    if args.action == "list":
        for m in book.mediators(active_only=not args.all):
            hours = "; ".join(f"{day} {', '.join(r)}" for day, r in m.hours.items())
            fields = [
                str(m.id),
                m.name,
                ",".join(m.languages),
                f"{hours} ({m.timezone})",
                f"telegram:{m.telegram_user_id or '-'}",
                "shows name" if m.show_name else "anonymous",
            ]
            print("\t".join(fields + ([] if m.active else ["removed"])))
        return 0
    if args.action == "remove":
        if not book.remove_mediator(args.name):
            print(f"no active mediator named {args.name!r}", file=sys.stderr)
            return 2
        StaffBook(book.store).audit(
            None, "mediator.remove", args.name, datetime.now(UTC), {"by": "command line"}
        )
        print(f"removed {args.name}; their open cases are back in the queue")
        return 0
    languages = [x.strip().lower() for x in args.languages.split(",") if x.strip()]
    unknown = [x for x in languages if x not in SERVED_LANGUAGES]
    if not languages or unknown:
        print(f"languages must be among {', '.join(SERVED_LANGUAGES)}", file=sys.stderr)
        return 2
    try:
        weekly = parse_hours(args.hours)
        ZoneInfo(args.timezone)
    except (ValueError, KeyError) as exc:
        print(f"bad hours or time zone: {exc}", file=sys.stderr)
        return 2
    try:
        mediator = book.add_mediator(
            args.name,
            languages,
            hours_to_json(weekly),
            args.timezone,
            datetime.now(UTC),
            telegram_user_id=args.telegram_id,
            show_name=args.show_name,
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    StaffBook(book.store).audit(
        None,
        "mediator.add",
        mediator.name,
        datetime.now(UTC),
        {"by": "command line", "languages": list(mediator.languages)},
    )
    print(f"added mediator {mediator.id}: {mediator.name} ({', '.join(mediator.languages)})")
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ValueError("the two passwords differ")
    return first


def _export_person(store: Store, book: StaffBook, args: argparse.Namespace) -> int:
    """A person's data on request, as JSON (the export itself is audited)."""
    from bot.store.subject import personal_data

    data = personal_data(store, args.channel, args.chat)
    if data is None:
        print(f"nothing is stored about {args.channel} {args.chat}", file=sys.stderr)
        return 2
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    book.audit(
        None,
        "person.export",
        f"{args.channel}:{args.chat}",
        datetime.now(UTC),
        {"by": "command line"},
    )
    return 0


def _cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.cases import CaseBook
    from bot.store.staff import StaffBook

    store = open_store(settings)
    book = StaffBook(store)
    if args.action == "export":
        return _export_person(store, book, args)
    if args.action == "list":
        for user in book.users():
            print(
                "\t".join(
                    [
                        str(user.id),
                        user.username,
                        user.role,
                        ",".join(user.languages) or "-",
                        "active" if user.active else "disabled",
                    ]
                )
            )
        return 0
    if args.action == "totp-reset":
        from bot.store.staff_access import StaffAccess

        named = [u for u in book.users() if u.username == args.username]
        if not named or not StaffAccess(store).clear_totp(named[0].id):
            print(f"no account named {args.username!r}", file=sys.stderr)
            return 2
        book.audit(
            None, "user.totp_reset", args.username, datetime.now(UTC), {"by": "command line"}
        )
        print(f"{args.username}: second factor removed; it enrols again at the next sign-in")
        return 0
    if args.action in ("disable", "enable"):
        if not book.set_active(args.username, args.action == "enable"):
            print(f"no account named {args.username!r}", file=sys.stderr)
            return 2
        book.audit(
            None, f"user.{args.action}", args.username, datetime.now(UTC), {"by": "command line"}
        )
        print(f"{args.username}: {args.action}d")
        return 0
    try:
        password = _read_password(args)
        if args.action == "password":
            if not book.set_password(args.username, password):
                print(f"no account named {args.username!r}", file=sys.stderr)
                return 2
            book.audit(
                None, "user.password", args.username, datetime.now(UTC), {"by": "command line"}
            )
            print(f"{args.username}: password changed, sessions ended")
            return 0
        mediator_id = None
        if args.mediator:
            found = [m for m in CaseBook(store).mediators() if m.name == args.mediator]
            if not found:
                raise ValueError(
                    f"no active mediator named {args.mediator!r} (orienta mediators add)"
                )
            mediator_id = found[0].id
        if args.role == "mediator" and mediator_id is None:
            raise ValueError("a mediator account needs --mediator NAME")
        user = book.add_user(
            args.username,
            password,
            args.role,
            datetime.now(UTC),
            mediator_id=mediator_id,
            language=args.language,
        )
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    book.audit(
        None,
        "user.add",
        user.username,
        datetime.now(UTC),
        {"role": user.role, "by": "command line"},
    )
    print(f"added {user.role} account {user.username}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Command]:
    """Add the mediators, users commands to ``sub``; their handlers by name."""
    mediators = sub.add_parser("mediators", help="the people who take escalated conversations")
    med_sub = mediators.add_subparsers(dest="action", required=True)
    med_add = med_sub.add_parser("add", help="add a mediator")
    med_add.add_argument(
        "name", help="how colleagues know them (shown to people only with --show-name)"
    )
    med_add.add_argument("--languages", required=True, help="languages spoken, e.g. ar,fr")
    med_add.add_argument(
        "--hours",
        default="mon-fri 09:00-17:00",
        help="working hours, e.g. 'mon-fri 09:00-13:00, 14:00-17:00; sat 10:00-12:00' or 'always'",
    )
    med_add.add_argument("--timezone", default="Europe/Rome", help="of the hours (IANA zone)")
    med_add.add_argument(
        "--telegram-id",
        type=int,
        default=None,
        help="their numeric Telegram user id (to act in the staff group)",
    )
    med_add.add_argument(
        "--show-name",
        action="store_true",
        help="show their name to the people they help (anonymous otherwise)",
    )
    med_list = med_sub.add_parser("list", help="list mediators")
    med_list.add_argument("--all", action="store_true", help="include removed mediators")
    med_remove = med_sub.add_parser(
        "remove", help="remove a mediator (their open cases go back to the queue)"
    )
    med_remove.add_argument("name")
    users = sub.add_parser("users", help="staff accounts of the web console")
    users_sub = users.add_subparsers(dest="action", required=True)
    users_add = users_sub.add_parser("add", help="add an admin or mediator account")
    users_add.add_argument("username")
    users_add.add_argument("--role", choices=["admin", "mediator"], required=True)
    users_add.add_argument(
        "--mediator", default=None, help="the mediator (orienta mediators add) this account acts as"
    )
    users_add.add_argument(
        "--language",
        choices=["en", *SERVED_LANGUAGES],
        default=None,
        help="language of the console for this account",
    )
    users_password = users_sub.add_parser("password", help="set a new password")
    users_password.add_argument("username")
    for cmd in (users_add, users_password):
        cmd.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input instead of asking",
        )
    users_sub.add_parser("list", help="list accounts")
    users_export = users_sub.add_parser(
        "export", help="everything stored about one person (a request to see their data), as JSON"
    )
    users_export.add_argument("--channel", required=True, help="telegram or web")
    users_export.add_argument("--chat", required=True, help="their chat id on that channel")
    users_export.add_argument(
        "--output", "-o", default=None, help="file (default: standard output)"
    )
    for name in ("disable", "enable"):
        users_sub.add_parser(name, help=f"{name} an account").add_argument("username")
    users_sub.add_parser(
        "totp-reset", help="remove an account's second factor (it enrols again at sign-in)"
    ).add_argument("username")
    return {"mediators": _cmd_mediators, "users": _cmd_users}
