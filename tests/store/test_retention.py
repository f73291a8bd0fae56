"""Retention: what people wrote is erased once older than the retention period; the
rows, and so the anonymous counts, stay; recent bodies and open cases are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.messages import Incoming
from bot.store.cases import CaseBook
from bot.store.models import (
    AuditEntry,
    Case,
    CaseEvent,
    CaseMessage,
    InboxItem,
    LoginFailure,
    Message,
    StaffSession,
)
from bot.store.retention import erase_before
from bot.store.staff import StaffBook
from tests.dialog import Dialog

OLD_TEXT = "Je cherche un logement pour ma famille, je m'appelle Samir Haddad"
NEW_TEXT = "Je cherche du travail à Bruxelles, je m'appelle Lina Haddad"


async def start(dialog: Dialog) -> None:
    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))


async def test_old_bodies_are_erased_and_counts_stay(orienta: Orienta) -> None:
    now = [datetime(2026, 1, 5, 10, 0, tzinfo=UTC)]
    orienta.runner.clock = lambda: now[0]
    store, book = orienta.store, CaseBook(orienta.store)
    mediator = book.add_mediator(
        "Amina", ["fr"], hours_to_json(parse_hours("always")), "Europe/Brussels", now[0]
    )

    old = Dialog(orienta, chat_id="old")
    await start(old)
    await old.say(OLD_TEXT)
    await old.say("/mediator")
    user = store.user("memory", "old")
    assert user is not None
    closed = book.open_case_of(user.id)
    assert closed is not None
    book.claim(closed.id, mediator.id, now[0])
    book.mediator_message(closed.id, mediator.id, "text", "Bonjour Samir", now[0])
    book.finish(closed.id, mediator.id, "closed", now[0])
    for event in book.pending_events(closed.id):
        book.delivered(event.id, now[0])
    assert store.enqueue(Incoming("telegram", "old", text=OLD_TEXT), 1, now[0])
    [pending] = store.pending("telegram", "old")
    store.mark_processed(pending.id, now[0])
    assert store.enqueue(Incoming("telegram", "old", text=OLD_TEXT), 2, now[0])  # waiting

    now[0] += timedelta(days=200)
    assert store.enqueue(Incoming("telegram", "new", text=NEW_TEXT), 3, now[0])
    [recent] = store.pending("telegram", "new")
    store.mark_processed(recent.id, now[0])
    new = Dialog(orienta, chat_id="new")
    await start(new)
    await new.say(NEW_TEXT)
    await new.say("/mediator")  # an open case: kept until it is closed
    new_user = store.user("memory", "new")
    assert new_user is not None
    still_open = book.open_case_of(new_user.id)
    assert still_open is not None

    with store.session() as session:
        rows_before = session.query(Message).count()
        intents_before = sorted(str(m.intent) for m in session.query(Message))
    erased = erase_before(store, now[0] - timedelta(days=180))
    assert erased.messages > 0 and erased.summaries == 1
    assert erased.case_messages == 1 and erased.events > 0  # the mediator's reply
    assert erased.updates == 1  # the old processed update; the waiting one and the recent stay

    with store.session() as session:
        bodies = {m.body for m in session.query(Message) if m.body}
        assert not any("Samir" in body for body in bodies)
        assert any(NEW_TEXT in body for body in bodies)
        assert session.query(Message).count() == rows_before  # the counts stay
        assert sorted(str(m.intent) for m in session.query(Message)) == intents_before
        inbox = {row.update_id: row for row in session.query(InboxItem)}
        assert sorted(inbox) == [2, 3]
        assert inbox[3].text is None  # erased when processed
        assert inbox[2].text == OLD_TEXT and inbox[2].processed_at is None
        old_case = session.get(Case, closed.id)
        assert old_case is not None and old_case.summary == "" and old_case.rating is None
        assert all(
            m.body is None
            for m in session.query(CaseMessage).filter(CaseMessage.case_id == closed.id)
        )
        assert session.query(CaseEvent).filter(CaseEvent.case_id == closed.id).count() == 0
        open_case = session.get(Case, still_open.id)
        assert open_case is not None and NEW_TEXT in open_case.summary
        everything = " ".join(
            str(value) for row in session.query(CaseEvent) for value in row.payload.values()
        )
        assert "Samir" not in everything
    assert erase_before(store, now[0] - timedelta(days=180)).total == 0  # nothing left
    # The summary a mediator reads of an erased case still renders.
    view = book.case(closed.id)
    assert view is not None and view.summary == {}


def test_staff_records_expire(orienta: Orienta) -> None:
    """Sessions that ended without a sign-out, failed sign-ins past the limit's window
    (they hold addresses) and audit entries older than the audit retention are deleted;
    a live session and newer entries stay."""
    book = StaffBook(orienta.store)
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    user = book.add_user("amina", "correct horse battery staple", "admin", start)
    book.audit(user, "case.read", "case:1", start)
    book.start_session(user.id, start)  # never used again: idle after 2 h
    assert book.sign_in("amina", "a wrong password", "203.0.113.7", start).user is None
    hour = start + timedelta(hours=1)
    live, _ = book.start_session(user.id, hour)
    book.audit(user, "case.read", "case:2", hour)

    now = start + timedelta(hours=2, minutes=1)
    expired = book.expire(now, audit_before=start + timedelta(minutes=30))
    assert (expired.sessions, expired.sign_in_failures, expired.audit_entries) == (1, 2, 1)
    with orienta.store.session() as session:
        assert [row.target for row in session.query(AuditEntry)] == ["case:2"]
        assert session.query(LoginFailure).count() == 0
        assert session.query(StaffSession).count() == 1
    assert book.session(live, now) is not None  # still signed in
    assert book.expire(now, audit_before=start + timedelta(minutes=30)).total == 0
