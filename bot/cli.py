"""The ``orienta`` command: run, chat, flows, nlu, db, i18n, kb, content, slots,
appointments."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

import httpx

from bot.logs import configure_logging
from bot.settings import SERVED_LANGUAGES, Settings
from nlu import rasa_service
from nlu.backends.embedded import EmbeddedBackend
from nlu.backends.fallback import FallbackBackend
from nlu.backends.rasa import RasaBackend, RasaUnavailable

if TYPE_CHECKING:
    from bot.services.content import Content
    from bot.store.repository import Store
    from bot.store.staff import StaffBook
    from nlu.evaluation import Prediction
    from nlu.pipeline import Understanding
    from nlu.result import IntentBackend

__all__ = ["main"]

_ROOT = Path(__file__).resolve().parent.parent


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


def _store(settings: Settings) -> Store:
    from bot.store.database import make_engine, migrate
    from bot.store.repository import Store

    migrate(settings.database_url)
    return Store(make_engine(settings.database_url))


def _today() -> date:
    return datetime.now(UTC).date()


def _cmd_kb(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import load_content_files

    content = load_content_files(settings, args.today or _today())
    for problem in content.problems:
        print(problem)
    if content.errors:
        print(f"{len(content.errors)} error(s)")
        return 1
    slots = sum(1 for _ in _planned_slots(content, args.today or _today(), settings.booking_days))
    print(
        f"content ok: {len(content.regions)} regions, {len(content.audiences)} audiences, "
        f"{len(content.services)} services, {len(content.offices)} offices, "
        f"{len(content.articles)} articles in {len(SERVED_LANGUAGES)} languages; "
        f"{slots} slots in the next {settings.booking_days} days"
    )
    return 0


def _planned_slots(content: Content, today: date, days: int) -> Iterator[object]:
    from bot.services.calendar import calendar_slots

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
    from bot.store.appointments import AppointmentBook
    from bot.store.content import publish_content

    content = load_content_files(settings, _today())
    for problem in content.problems:
        print(problem)
    if content.errors:
        print("not published: fix the errors first")
        return 1
    store = _store(settings)
    counts = publish_content(store, content, progress=True)
    created, removed = AppointmentBook(store).generate_slots(
        _today(), settings.booking_days, progress=True
    )
    print(
        f"published {counts.offices} offices, {counts.articles} articles "
        f"(version {content.version}); slots: {created} created, {removed} removed"
    )
    return 0


def _cmd_slots(settings: Settings, args: argparse.Namespace) -> int:
    from bot.store.appointments import AppointmentBook

    book = AppointmentBook(_store(settings))
    if args.action == "generate":
        created, removed = book.generate_slots(
            _today(), args.days or settings.booking_days, progress=True
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
    slot = book.add_slot(
        office.id, args.service, local.astimezone(UTC), args.minutes, args.capacity
    )
    print(f"added slot {slot.id} at {slot.starts_at.isoformat()} (UTC), capacity {slot.capacity}")
    return 0


def _cmd_appointments(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.export import to_csv, to_ics
    from bot.store.appointments import AppointmentBook

    book = AppointmentBook(_store(settings))
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


def _cmd_mediators(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.hours import hours_to_json, parse_hours
    from bot.store.cases import CaseBook
    from bot.store.staff import StaffBook

    book = CaseBook(_store(settings))
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

    store = _store(settings)
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


def _cmd_flows(settings: Settings, args: argparse.Namespace) -> int:
    from bot.engine.diagram import mermaid
    from bot.engine.errors import FlowLoadError
    from bot.engine.loader import check_flow_texts, flow_texts
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


def _cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import understanding_from_settings

    if args.action == "rasa-train":
        model = rasa_service.train(
            args.rasa_venv,
            _ROOT / "nlu",
            settings.var_dir / "rasa",
            SERVED_LANGUAGES,
            force=args.force,
        )
        print(model)
        return 0
    if args.action == "rasa-serve":
        model = rasa_service.model_file(_ROOT / "nlu", settings.var_dir / "rasa", SERVED_LANGUAGES)
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
    parse = nlu_sub.add_parser(
        "parse", help='JSON lines {"text", "hint"?} in, {"lang", "intent", "confidence"} out'
    )
    parse.add_argument("--backend", choices=["embedded", "rasa"], default="embedded")
    nlu_sub.add_parser("train", help="train the embedded intent model now (cached by data hash)")
    evaluate = nlu_sub.add_parser("eval", help="accuracy and macro-F1 on the held-out test set")
    evaluate.add_argument("--backend", choices=["embedded", "rasa", "all"], default="all")
    evaluate.add_argument("--test-dir", type=Path, default=_ROOT / "tests" / "data" / "nlu_test")
    rasa_train = nlu_sub.add_parser("rasa-train", help="train the Rasa model (skipped if current)")
    rasa_train.add_argument("--force", action="store_true", help="train even if current")
    rasa_serve = nlu_sub.add_parser("rasa-serve", help="serve the Rasa model on 127.0.0.1")
    rasa_serve.add_argument("--port", type=int, default=5005)
    for sub_parser in (rasa_train, rasa_serve):
        sub_parser.add_argument("--rasa-venv", type=Path, default=_ROOT / ".venv-rasa")
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="action", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    i18n = sub.add_parser("i18n", help="gettext catalogs")
    i18n_sub = i18n.add_subparsers(dest="action", required=True)
    i18n_sub.add_parser("update", help="extract message ids and merge them into every catalog")
    i18n_sub.add_parser("compile", help="write .mo files")
    i18n_sub.add_parser("check", help="fail on a missing, stale or mismatched translation")
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
    return parser


_COMMANDS = {
    "run": _cmd_run,
    "chat": _cmd_chat,
    "flows": _cmd_flows,
    "nlu": _cmd_nlu,
    "db": _cmd_db,
    "i18n": _cmd_i18n,
    "kb": _cmd_kb,
    "content": _cmd_content,
    "slots": _cmd_slots,
    "appointments": _cmd_appointments,
    "mediators": _cmd_mediators,
    "users": _cmd_users,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return _COMMANDS[args.command](settings, args)
