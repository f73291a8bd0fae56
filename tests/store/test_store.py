"""The store on SQLite and PostgreSQL: migrations, versions, consent, forgetting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select

from bot.store.database import make_engine, migrate
from bot.store.models import Message
from bot.store.repository import ConcurrentUpdate, MessageRecord, Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Store:
    migrate(database_url)
    return Store(make_engine(database_url))


def test_migrations_create_the_tables(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"users", "conversations", "messages", "alembic_version"} <= tables


def test_first_contact_creates_user_and_conversation_once(store: Store) -> None:
    first = store.conversation("telegram", "42", "uk-UA", NOW)
    again = store.conversation("telegram", "42", None, NOW)
    assert first.id == again.id and first.user.id == again.user.id
    assert again.user.language_hint == "uk-UA" and first.state == {}


def test_concurrent_save_is_detected(store: Store) -> None:
    record = store.conversation("web", "a", None, NOW)
    store.save_turn(record, {"lang": "fr"}, [], NOW, keep_bodies=False)
    with pytest.raises(ConcurrentUpdate):
        store.save_turn(record, {"lang": "it"}, [], NOW, keep_bodies=False)
    assert store.conversation("web", "a", None, NOW).state == {"lang": "fr"}


def test_bodies_are_kept_only_with_consent(store: Store) -> None:
    record = store.conversation("web", "b", None, NOW)
    store.save_turn(
        record,
        {},
        [MessageRecord("in", "text", "secret", "fr", 0.9, "greet", 0.8, "embedded")],
        NOW,
        keep_bodies=False,
    )
    record = store.conversation("web", "b", None, NOW)
    store.save_turn(record, {}, [MessageRecord("in", "text", "kept")], NOW, keep_bodies=True)
    messages = store.messages(record.id)
    assert [m.body for m in messages] == [None, "kept"]
    assert messages[0].intent == "greet" and messages[0].detected_language == "fr"


def test_consent_and_language_are_recorded(store: Store) -> None:
    record = store.conversation("web", "c", None, NOW)
    store.save_turn(
        record,
        {},
        [],
        NOW,
        keep_bodies=True,
        user_changes={"language": "ar", **Store.consent_changes(True, "2026-11", NOW)},
    )
    user = store.user("web", "c")
    assert user is not None and user.language == "ar" and user.consent_at is not None


def test_forget_removes_everything(store: Store) -> None:
    record = store.conversation("web", "d", None, NOW)
    store.save_turn(record, {}, [MessageRecord("in", "text", "hello")], NOW, keep_bodies=True)
    other = store.conversation("web", "e", None, NOW)
    store.forget_user(record.user.id)
    assert store.user("web", "d") is None
    with store.session() as session:
        left = session.scalars(select(Message.conversation_id)).all()
    assert record.id not in left
    assert store.user("web", "e") is not None and other.id != record.id


def test_recent_languages_newest_first(store: Store) -> None:
    record = store.conversation("web", "f", None, NOW)
    store.save_turn(
        record,
        {},
        [
            MessageRecord("in", "text", "a", "fr"),
            MessageRecord("out", "text", "b"),
            MessageRecord("in", "text", "c", "it"),
        ],
        NOW,
        keep_bodies=True,
    )
    assert store.recent_languages(record.id) == ["it", "fr"]


def test_language_and_consent_are_saved_with_the_turn_or_not_at_all(store: Store) -> None:
    record = store.conversation("web", "g", None, NOW)
    changes = {"language": "fi", **Store.consent_changes(True, "2026-11", NOW)}
    store.save_turn(record, {"lang": "fi"}, [], NOW, keep_bodies=True, user_changes=changes)
    with pytest.raises(ConcurrentUpdate):  # a stale turn changes nothing, the user included
        store.save_turn(
            record, {"lang": "ar"}, [], NOW, keep_bodies=True, user_changes={"language": "ar"}
        )
    user = store.user("web", "g")
    assert user is not None and user.language == "fi" and user.consent_at is not None
