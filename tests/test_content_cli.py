"""``orienta kb check``, ``orienta content load`` and ``orienta appointments export``
on the example deployment and on broken content."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from bot.authoring.content_files import load_content
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook
from bot.store.database import make_engine
from bot.store.repository import Store
from bot.store.slots import SlotBook
from tests.test_cli import orienta_cmd

ROOT = Path(__file__).resolve().parent.parent


def test_kb_check_passes_on_the_example_deployment() -> None:
    result = orienta_cmd("kb", "check", "--today", "2026-11-23")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content ok: 5 regions" in result.stdout and "21 articles" in result.stdout


def _broken_copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    housing = content / "articles" / "housing.yaml"
    data = yaml.safe_load(housing.read_text(encoding="utf-8"))
    first, second = data["articles"][0], data["articles"][1]
    del first["text"]["uk"]  # a missing translation
    first["regions"] = ["atlantis"]  # a broken scope
    second["reviewed"] = date(2024, 1, 2)  # a stale review
    data["articles"].append(dict(second, reviewed=date(2026, 11, 1)))  # a duplicate id
    housing.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return content


def test_kb_check_names_every_problem(tmp_path: Path) -> None:
    result = orienta_cmd(
        "kb",
        "check",
        "--today",
        "2026-11-23",
        env={"ORIENTA_CONTENT_DIR": str(_broken_copy(tmp_path))},
    )
    assert result.returncode == 1
    out = result.stdout
    assert "housing-anderlecht-ukraine: no translation for 'uk'" in out
    assert "unknown region 'atlantis'" in out
    assert "last reviewed 2024-01-02: more than a year ago" in out
    assert "duplicate article id" in out


def test_content_load_refuses_errors_and_exports_ics_and_csv(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'o.sqlite3'}"
    env = {"ORIENTA_DATABASE_URL": url}
    refused = orienta_cmd(
        "content", "load", env={**env, "ORIENTA_CONTENT_DIR": str(_broken_copy(tmp_path))}
    )
    assert refused.returncode == 1 and "not published" in refused.stdout
    loaded = orienta_cmd("content", "load", env=env)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "published 4 offices, 21 articles" in loaded.stdout

    store = Store(make_engine(url))
    book = AppointmentBook(store)
    user = store.conversation("memory", "u1", "fr", datetime.now(UTC)).user.id
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    slot = SlotBook(book.store).add_slot("guidonia_segretariato", "orientation", start, 30, 1)
    booked = book.book(user, slot.id, "ar", datetime.now(UTC)).appointment
    assert booked is not None
    day = start.date()
    ics = orienta_cmd(
        "appointments",
        "export",
        "--office",
        "guidonia_segretariato",
        "--from",
        (day - timedelta(days=1)).isoformat(),
        "--to",
        (day + timedelta(days=1)).isoformat(),
        env=env,
    )
    assert ics.returncode == 0, ics.stderr
    text = ics.stdout
    assert text.startswith("BEGIN:VCALENDAR") and text.count("BEGIN:VEVENT") == 1
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in text and f"#{booked.id}\\, ar" in text
    assert "Via Montelucci 4" in text
    out = tmp_path / "calendar.csv"
    csv_run = orienta_cmd(
        "appointments",
        "export",
        "--office",
        "guidonia_segretariato",
        "--from",
        day.isoformat(),
        "--to",
        day.isoformat(),
        "--format",
        "csv",
        "-o",
        str(out),
        env=env,
    )
    assert csv_run.returncode == 0, csv_run.stderr
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("appointment,date,start,end,timezone")
    assert len(rows) == 2 and rows[1].startswith(f"{booked.id},") and "Europe/Rome" in rows[1]
    unknown = orienta_cmd(
        "appointments",
        "export",
        "--office",
        "nowhere",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-02",
        env=env,
    )
    assert unknown.returncode == 2 and "unknown office" in unknown.stderr
    store.engine.dispose()


def test_every_office_speaks_or_interprets_and_every_topic_has_an_answer_for_everyone() -> None:
    content = load_content(ROOT / "content", ("en", *SERVED_LANGUAGES), date(2026, 11, 23))
    assert not content.errors
    for topic in ("housing", "health", "work", "benefits", "education", "documents", "budget"):
        assert any(
            a.topic == topic and "all" in a.regions and "all" in a.audiences
            for a in content.articles
        ), topic
    # Every source is named; its link, when there is one, is a web address, never a file.
    # An article for every region is general advice: it names no one country's office.
    assert all(a.source_title for a in content.articles if "all" not in a.regions)
    assert not any(a.source_title for a in content.articles if "all" in a.regions)
    assert all(
        article.source_url.startswith("https://") or not article.source_url
        for article in content.articles
    )
    assert all(office.source for office in content.offices)


def test_mediators_add_list_remove(tmp_path: Path) -> None:
    env = {"ORIENTA_DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    added = orienta_cmd(
        "mediators",
        "add",
        "Amina",
        "--languages",
        "ar,fr",
        "--hours",
        "mon-fri 09:00-13:00, 14:00-17:00",
        "--timezone",
        "Europe/Brussels",
        "--telegram-id",
        "501",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert "added mediator 1: Amina (ar, fr)" in added.stdout
    again = orienta_cmd("mediators", "add", "Amina", "--languages", "ar", env=env)
    assert again.returncode == 2 and "exists already" in again.stderr
    for bad in (
        ["--languages", "ru"],
        ["--languages", "ar", "--hours", "lundi 9-12"],
        ["--languages", "ar", "--timezone", "Mars/Olympus"],
    ):
        refused = orienta_cmd("mediators", "add", "Bad", *bad, env=env)
        assert refused.returncode == 2, bad
    listed = orienta_cmd("mediators", "list", env=env)
    assert listed.stdout.splitlines() == [
        "1\tAmina\tar,fr\tmon 09:00-13:00, 14:00-17:00; tue 09:00-13:00, 14:00-17:00; "
        "wed 09:00-13:00, 14:00-17:00; thu 09:00-13:00, 14:00-17:00; fri 09:00-13:00, "
        "14:00-17:00 (Europe/Brussels)\ttelegram:501\tanonymous"
    ]
    assert orienta_cmd("mediators", "remove", "Amina", env=env).returncode == 0
    assert orienta_cmd("mediators", "list", env=env).stdout == ""
    assert "removed" in orienta_cmd("mediators", "list", "--all", env=env).stdout
    assert orienta_cmd("mediators", "remove", "Amina", env=env).returncode == 2


def test_users_add_list_password_disable(tmp_path: Path) -> None:
    env = {"ORIENTA_DATABASE_URL": f"sqlite:///{tmp_path / 'u.sqlite3'}"}
    assert orienta_cmd("db", "upgrade", env=env).returncode == 0
    orienta_cmd("mediators", "add", "Amina", "--languages", "ar,fr", env=env)
    password = "a long enough password\n"
    added = orienta_cmd(
        "users", "add", "ada", "--role", "admin", "--password-stdin", env=env, stdin=password
    )
    assert added.returncode == 0, added.stderr
    assert "added admin account ada" in added.stdout
    short = orienta_cmd(
        "users", "add", "bob", "--role", "admin", "--password-stdin", env=env, stdin="short\n"
    )
    assert short.returncode == 2 and "at least 12" in short.stderr
    lonely = orienta_cmd(
        "users", "add", "sam", "--role", "mediator", "--password-stdin", env=env, stdin=password
    )
    assert lonely.returncode == 2 and "--mediator" in lonely.stderr
    linked = orienta_cmd(
        "users",
        "add",
        "amina",
        "--role",
        "mediator",
        "--mediator",
        "Amina",
        "--language",
        "ar",
        "--password-stdin",
        env=env,
        stdin=password,
    )
    assert linked.returncode == 0, linked.stderr
    listed = orienta_cmd("users", "list", env=env)
    assert listed.stdout.splitlines() == [
        "1\tada\tadmin\t-\tactive",
        "2\tamina\tmediator\tar,fr\tactive",
    ]
    changed = orienta_cmd(
        "users", "password", "amina", "--password-stdin", env=env, stdin="another long password\n"
    )
    assert changed.returncode == 0 and "sessions ended" in changed.stdout
    assert orienta_cmd("users", "disable", "amina", env=env).returncode == 0
    assert orienta_cmd("users", "list", env=env).stdout.splitlines()[1].endswith("disabled")
    assert orienta_cmd("users", "disable", "nobody", env=env).returncode == 2
    # The recovery of a lost second factor when no other administrator can reset it.
    from bot.store.database import make_engine
    from bot.store.repository import Store
    from bot.store.staff import StaffBook
    from bot.store.staff_access import StaffAccess

    store = Store(make_engine(env["ORIENTA_DATABASE_URL"]))
    StaffAccess(store).begin_totp(1, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    StaffAccess(store).confirm_totp(1, 0)
    assert StaffBook(store).user(1).totp  # type: ignore[union-attr]
    reset = orienta_cmd("users", "totp-reset", "ada", env=env)
    assert reset.returncode == 0 and "second factor removed" in reset.stdout
    assert not StaffBook(store).user(1).totp  # type: ignore[union-attr]
    assert orienta_cmd("users", "totp-reset", "nobody", env=env).returncode == 2
    assert "user.totp_reset" in {e.action for e in StaffBook(store).audit_entries()}
    store.engine.dispose()


def test_users_export_gives_a_persons_data(tmp_path: Path) -> None:
    import asyncio
    import json

    from bot.app import build
    from bot.settings import Settings
    from tests.dialog import Dialog

    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    orienta = build(Settings(database_url=url, var_dir=tmp_path / "var"))

    async def talk() -> None:
        dialog = Dialog(orienta, chat_id="4242")
        await dialog.say("/start")
        await dialog.press("Français")
        await dialog.press(dialog.t("fr", "consent.agree"))
        await dialog.say("Je cherche un logement, je m'appelle Nadia")
        await dialog.say("/mediator")

    asyncio.run(talk())
    orienta.store.engine.dispose()
    env = {"ORIENTA_DATABASE_URL": url, "ORIENTA_VAR_DIR": str(tmp_path / "var")}
    out = tmp_path / "nadia.json"
    exported = orienta_cmd(
        "users", "export", "--channel", "memory", "--chat", "4242", "-o", str(out), env=env
    )
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["id"] == "4242" and data["consent"]["notice"]
    assert "Je cherche un logement, je m'appelle Nadia" in [m["text"] for m in data["messages"]]
    assert data["cases"][0]["status"] == "queued"
    assert "Nadia" in json.dumps(data["cases"][0]["summary"], ensure_ascii=False)
    unknown = orienta_cmd("users", "export", "--channel", "memory", "--chat", "1", env=env)
    assert unknown.returncode == 2 and "nothing is stored" in unknown.stderr
