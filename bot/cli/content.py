"""``orienta kb``, ``content``, ``slots`` and ``appointments``: the content files,
publishing them, slots and calendars."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.settings import SERVED_LANGUAGES, Settings

if TYPE_CHECKING:
    from bot.domain.content import Content

from bot.cli.common import Command, open_store, today

__all__ = ["register"]


def _cmd_kb(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import load_content_files

    content = load_content_files(settings, args.today or today())
    for problem in content.problems:
        print(problem)
    if content.errors:
        print(f"{len(content.errors)} error(s)")
        return 1
    slots = sum(1 for _ in _planned_slots(content, args.today or today(), settings.booking_days))
    print(
        f"content ok: {len(content.regions)} regions, {len(content.audiences)} audiences, "
        f"{len(content.services)} services, {len(content.offices)} offices, "
        f"{len(content.articles)} articles in {len(SERVED_LANGUAGES)} languages; "
        f"{slots} slots in the next {settings.booking_days} days"
    )
    return 0


def _planned_slots(content: Content, today: date, days: int) -> Iterator[object]:
    from bot.domain.calendar import calendar_slots

    for office in content.offices:
        for offered in office.services:
            yield from calendar_slots(
                offered.hours or office.hours,
                office.closed,
                office.timezone,
                offered.minutes,
                offered.capacity,
                today,
                days,
            )


def _cmd_content(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import load_content_files
    from bot.store.content import publish_content
    from bot.store.slots import SlotBook

    content = load_content_files(settings, today())
    for problem in content.problems:
        print(problem)
    if content.errors:
        print("not published: fix the errors first")
        return 1
    store = open_store(settings)
    counts = publish_content(store, content, progress=True)
    created, removed = SlotBook(store).generate_slots(today(), settings.booking_days, progress=True)
    print(
        f"published {counts.offices} offices, {counts.articles} articles "
        f"(version {content.version}); slots: {created} created, {removed} removed"
    )
    return 0


def _cmd_slots(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.appointments import AppointmentBook
    from bot.store.slots import SlotBook

    book = AppointmentBook(open_store(settings))
    if args.action == "generate":
        created, removed = SlotBook(book.store).generate_slots(
            today(), args.days or settings.booking_days, progress=True
        )
        print(f"slots: {created} created, {removed} removed")
        return 0
    office = book.office(args.office)
    if office is None or book.service(args.service) is None:
        print("unknown office or service", file=sys.stderr)
        return 2
    local = datetime.fromisoformat(args.start)
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(office.timezone))
    slot = SlotBook(book.store).add_slot(
        office.id, args.service, local.astimezone(UTC), args.minutes, args.capacity
    )
    print(f"added slot {slot.id} at {slot.starts_at.isoformat()} (UTC), capacity {slot.capacity}")
    return 0


def _cmd_appointments(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.export import to_csv, to_ics
    from bot.store.appointments import AppointmentBook

    book = AppointmentBook(open_store(settings))
    office = book.office(args.office)
    if office is None:
        print(f"unknown office {args.office!r}", file=sys.stderr)
        return 2
    zone = ZoneInfo(office.timezone)
    start = datetime.combine(date.fromisoformat(args.start), datetime.min.time(), zone)
    end = datetime.combine(date.fromisoformat(args.end), datetime.min.time(), zone)
    if end < start:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    views = book.calendar(office.id, start, end + timedelta(days=1))
    name = office.name.get("en") or office.id
    text = to_ics(views, name, datetime.now(UTC)) if args.format == "ics" else to_csv(views)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        print(f"wrote {len(views)} appointments to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Command]:
    """Add the kb, content, slots, appointments commands to ``sub``; their handlers by name."""
    kb = sub.add_parser("kb", help="the content files: offices, services and rights articles")
    kb_sub = kb.add_subparsers(dest="action", required=True)
    kb_check = kb_sub.add_parser("check", help="missing translations, stale reviews, bad scopes")
    kb_check.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="check review dates as of this day (YYYY-MM-DD)",
    )
    content = sub.add_parser("content", help="publish the content files into the database")
    content.add_subparsers(dest="action", required=True).add_parser(
        "load", help="check, then publish offices, services and articles; generate slots"
    )
    slots = sub.add_parser("slots", help="appointment slots")
    slots_sub = slots.add_subparsers(dest="action", required=True)
    generate = slots_sub.add_parser("generate", help="create slots from the offices' hours")
    generate.add_argument("--days", type=int, default=None)
    add = slots_sub.add_parser("add", help="add one slot by hand")
    add.add_argument("--office", required=True)
    add.add_argument("--service", required=True)
    add.add_argument("--start", required=True, help="local time, e.g. 2026-12-01T10:00")
    add.add_argument("--minutes", type=int, default=30)
    add.add_argument("--capacity", type=int, default=1)
    appointments = sub.add_parser("appointments", help="staff views of the appointments")
    export = appointments.add_subparsers(dest="action", required=True).add_parser(
        "export", help="an office's appointments as ICS or CSV"
    )
    export.add_argument("--office", required=True)
    export.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    export.add_argument("--format", choices=["ics", "csv"], default="ics")
    export.add_argument("--output", "-o", default=None, help="file (default: standard output)")
    return {
        "kb": _cmd_kb,
        "content": _cmd_content,
        "slots": _cmd_slots,
        "appointments": _cmd_appointments,
    }
