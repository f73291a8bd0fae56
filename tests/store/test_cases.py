"""Cases and mediators in the database, on SQLite and PostgreSQL: one open case per
person, the queue, claims raced from threads in several processes, who may act,
ratings, re-notification and delivery claimed once, and deletion with the person."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook, CaseStatus, MediatorView, owner_case
from bot.store.database import make_engine, migrate
from bot.store.models import CaseEvent, Conversation
from bot.store.repository import Store
from tests.store import claim_race

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
WEEKDAYS = hours_to_json(parse_hours("mon-fri 09:00-17:00"))


@pytest.fixture
def store(database_url: str) -> Store:
    migrate(database_url)
    return Store(make_engine(database_url))


@pytest.fixture
def book(store: Store) -> CaseBook:
    return CaseBook(store)


def _person(store: Store, name: str) -> tuple[int, int]:
    record = store.conversation("memory", name, "ar", NOW)
    return record.user.id, record.id


def _open(
    book: CaseBook,
    store: Store,
    name: str,
    urgency: str = "normal",
    lang: str = "ar",
    at: datetime = NOW,
) -> int:
    user, conversation = _person(store, name)
    return book.open_case(user, conversation, lang, "asked", urgency, None, {}, at).case.id


def _mediator(
    book: CaseBook, name: str, languages: list[str], hours: dict[str, list[str]] = WEEKDAYS
) -> MediatorView:
    return book.add_mediator(name, languages, hours, "Europe/Rome", NOW)


def _events(store: Store, case_id: int) -> list[str]:
    with store.session() as session:
        return list(
            session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )


def _owner(store: Store, conversation_id: int) -> tuple[str, int]:
    with store.session() as session:
        conv = session.get(Conversation, conversation_id)
        assert conv is not None
        return conv.owner, conv.version


def test_one_open_case_per_person_and_urgency_only_rises(book: CaseBook, store: Store) -> None:
    user, conversation = _person(store, "amal")
    first = book.open_case(
        user, conversation, "ar", "asked", "normal", "guidonia", {"topics": ["housing"]}, NOW
    )
    assert first.new and first.case.status == "queued" and first.case.region == "guidonia"
    assert first.case.summary == {"topics": ["housing"]}
    again = book.open_case(user, conversation, "ar", "misunderstood", "normal", None, {}, NOW)
    assert not again.new and again.case.id == first.case.id and not again.raised
    urgent = book.open_case(user, conversation, "ar", "emergency", "emergency", None, {}, NOW)
    assert urgent.raised and urgent.case.urgency == "emergency"
    calmer = book.open_case(user, conversation, "ar", "asked", "high", None, {}, NOW)
    assert not calmer.raised and calmer.case.urgency == "emergency"
    assert _events(store, first.case.id) == ["opened", "urgency"]
    # Waiting: the bot still answers, the person's messages are copied to the case.
    assert owner_case(_owner(store, conversation)[0]) == ("queue", first.case.id)


def test_queue_position_puts_emergencies_first(book: CaseBook, store: Store) -> None:
    a = _open(book, store, "a", at=NOW)
    b = _open(book, store, "b", at=NOW + timedelta(minutes=1))
    french = _open(book, store, "c", lang="fr", at=NOW + timedelta(minutes=2))
    urgent = _open(book, store, "d", urgency="emergency", at=NOW + timedelta(minutes=3))
    assert [book.queue_position(x) for x in (urgent, a, b)] == [1, 2, 3]
    assert book.queue_position(french) == 1  # another language, another queue
    amina = _mediator(book, "Amina", ["ar"])
    assert book.claim(urgent, amina.id, NOW) == CaseStatus.DONE
    assert [book.queue_position(x) for x in (a, b)] == [1, 2]
    assert book.queue_position(urgent) == 0  # taken: no longer waiting
    listed = book.cases(language="ar")
    assert [c.id for c in listed] == [urgent, a, b]


def test_who_may_do_what(book: CaseBook, store: Store) -> None:
    amina, karim = _mediator(book, "Amina", ["ar"]), _mediator(book, "Karim", ["ar"])
    case_id = _open(book, store, "amal")
    conversation = book.case(case_id).conversation_id  # type: ignore[union-attr]
    assert book.mediator_message(case_id, amina.id, "text", "hi", NOW) == CaseStatus.NOT_OWNER
    assert book.claim(case_id, amina.id, NOW) == CaseStatus.DONE
    owner, version = _owner(store, conversation)
    assert owner == f"case:{case_id}"
    assert book.claim(case_id, amina.id, NOW) == CaseStatus.YOURS
    assert book.claim(case_id, karim.id, NOW) == CaseStatus.TAKEN
    assert book.mediator_message(case_id, karim.id, "text", "hi", NOW) == CaseStatus.NOT_OWNER
    assert book.finish(case_id, karim.id, "closed", NOW) == CaseStatus.NOT_OWNER
    assert book.mediator_message(case_id, amina.id, "text", "مرحبا", NOW) == CaseStatus.DONE
    assert book.case(case_id).first_reply_at == NOW  # type: ignore[union-attr]
    assert book.note(case_id, karim.id, "knows her family", NOW) == CaseStatus.DONE
    assert book.finish(case_id, amina.id, "returned", NOW) == CaseStatus.DONE
    assert _owner(store, conversation) == ("bot", version + 1)
    assert book.finish(case_id, amina.id, "closed", NOW) == CaseStatus.OVER
    assert book.mediator_message(case_id, amina.id, "text", "?", NOW) == CaseStatus.OVER
    assert book.claim(999, amina.id, NOW) == CaseStatus.GONE
    assert [(m.author, m.body) for m in book.transcript(case_id)] == [
        ("mediator", "مرحبا"),
        ("note", "knows her family"),
    ]
    assert _events(store, case_id) == ["opened", "claimed", "mediator", "finished"]
    # The person rates once; nobody else can.
    user = book.case(case_id).user_id  # type: ignore[union-attr]
    assert not book.rate(case_id, user + 1, 5, NOW)
    assert not book.rate(case_id, user, 6, NOW)
    assert book.rate(case_id, user, 5, NOW)
    assert not book.rate(case_id, user, 1, NOW)
    assert book.case(case_id).rating == 5  # type: ignore[union-attr]
    # A new request after the end opens a new case.
    assert _open(book, store, "amal") != case_id


def test_unclaimed_case_may_be_closed_by_any_mediator(book: CaseBook, store: Store) -> None:
    amina = _mediator(book, "Amina", ["ar"])
    case_id = _open(book, store, "amal")
    assert book.finish(case_id, amina.id, "closed", NOW) == CaseStatus.DONE
    assert book.case(case_id).mediator_name == "Amina"  # type: ignore[union-attr]


def test_mediators_on_duty_and_removal(book: CaseBook, store: Store) -> None:
    amina = _mediator(book, "Amina", ["ar", "fr"])
    _mediator(book, "Olli", ["fi"], hours_to_json(parse_hours("sat 10:00-12:00")))
    with pytest.raises(ValueError, match="exists already"):
        _mediator(book, "Amina", ["ar"])
    monday_ten = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Rome
    assert [m.name for m in book.on_duty(monday_ten)] == ["Amina"]
    assert [m.name for m in book.on_duty(monday_ten, "fi")] == []
    olli = book.mediators()[1]
    assert olli.next_on_duty(monday_ten) == datetime(
        2026, 11, 28, 10, 0, tzinfo=olli.next_on_duty(monday_ten).tzinfo
    )  # type: ignore[union-attr]
    case_id = _open(book, store, "amal")
    book.claim(case_id, amina.id, NOW)
    assert book.remove_mediator("Amina")
    assert not book.remove_mediator("Amina")
    back = book.case(case_id)
    assert back is not None and back.status == "queued"
    assert [m.name for m in book.mediators()] == ["Olli"]
    assert _events(store, case_id)[-1] == "requeued"


def test_renotify_and_delivery_are_claimed_once(book: CaseBook, store: Store) -> None:
    first = _open(book, store, "a")
    _open(book, store, "b", at=NOW + timedelta(minutes=8))
    later = NOW + timedelta(minutes=10)
    assert book.due_for_renotify(later, timedelta(minutes=10)) == [first]
    assert book.due_for_renotify(later, timedelta(minutes=10)) == []  # another worker
    assert book.due_for_renotify(later + timedelta(minutes=10), timedelta(minutes=10)) != []
    held = book.cases_to_deliver("w1", NOW, timedelta(minutes=2))
    assert first in held
    assert book.cases_to_deliver("w2", NOW, timedelta(minutes=2)) == []  # leased
    assert set(
        book.cases_to_deliver("w2", NOW + timedelta(minutes=3), timedelta(minutes=2))
    ) == set(held)  # lease expired
    events = book.pending_events(first)
    assert [e.kind for e in events] == ["opened", "renotify", "renotify"]
    for event in events:
        book.delivered(event.id, NOW)
    book.release(first, "w2")
    assert first not in book.cases_to_deliver(
        "w3", NOW + timedelta(minutes=3), timedelta(minutes=2)
    )


def test_forgetting_the_person_deletes_their_cases(book: CaseBook, store: Store) -> None:
    amina = _mediator(book, "Amina", ["ar"])
    case_id = _open(book, store, "amal")
    book.claim(case_id, amina.id, NOW)
    book.mediator_message(case_id, amina.id, "text", "hello", NOW)
    store.forget_user(book.case(case_id).user_id)  # type: ignore[union-attr]
    assert book.case(case_id) is None and book.pending_events(case_id) == []
    assert [m.name for m in book.mediators()] == ["Amina"]


def test_claim_race_across_processes(book: CaseBook, store: Store, database_url: str) -> None:
    """20 cases, 8 mediators each pressing Claim on every case at once, from 2 processes
    × 8 threads: every case has exactly one owner, and the conversation was handed over
    exactly once."""
    cases = [_open(book, store, f"p{i}") for i in range(20)]
    mediators = [_mediator(book, f"m{i}", ["ar"]).id for i in range(8)]
    versions = {
        c: _owner(store, book.case(c).conversation_id)[1]  # type: ignore[union-attr]
        for c in cases
    }
    attempts = [(c, m) for c in cases for m in mediators]
    random.Random(6).shuffle(attempts)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        results = [
            r
            for batch in pool.map(
                claim_race.claim_batch, [database_url] * 2, [attempts[0::2], attempts[1::2]]
            )
            for r in batch
        ]
    wins = Counter(case for case, _, status in results if status == "done")
    assert wins == Counter({c: 1 for c in cases})
    assert Counter(status for _, _, status in results) == Counter({"done": 20, "taken": 140})
    for case_id in cases:
        case = book.case(case_id)
        assert case is not None and case.status == "claimed"
        winner = next(m for c, m, s in results if c == case_id and s == "done")
        assert case.mediator_id == winner
        owner, version = _owner(store, case.conversation_id)
        assert owner == f"case:{case_id}" and version == versions[case_id] + 1
        assert _events(store, case_id).count("claimed") == 1
