"""The inbox takes a batch of updates in one transaction, each once; the workers table
ends a dead worker's chat leases within seconds, and a restarted worker's at once
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Orienta
from bot.messages import Incoming
from bot.store.workers import WorkerBook

LEASE = timedelta(seconds=60)
DEAD_AFTER = timedelta(seconds=6)
NOW = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)


def text(chat: str, words: str, channel: str = "telegram") -> Incoming:
    return Incoming(channel, chat, text=words)


def test_a_batch_is_stored_once_each(orienta: Orienta) -> None:
    store = orienta.store
    assert store.enqueue(text("a", "first"), 1, NOW)
    batch = [
        (text("a", "first"), 1),  # stored before
        (text("a", "second"), 2),
        (text("b", "hello"), 3),
        (text("b", "hello"), 3),  # twice in one batch
        (text("7", "staff", channel="staff"), 3),  # another channel's update 3
    ]
    assert store.enqueue_many(batch, NOW) == [False, True, True, False, True]
    assert store.enqueue_many(batch, NOW) == [False] * 5
    assert [i.incoming.text for i in store.pending("telegram", "a")] == ["first", "second"]
    assert [i.update_id for i in store.pending("telegram", "b")] == [3]
    assert store.pending_chats("staff") == ["7"]
    assert store.enqueue_many([], NOW) == []


def test_a_batch_is_one_transaction(orienta: Orienta) -> None:
    """An update that cannot be stored takes the whole batch with it: nothing is stored,
    so nothing may be confirmed to Telegram."""
    store = orienta.store
    broken: list[tuple[Incoming, int]] = [(text("c", "fine"), 10), (text("c", "no id"), None)]  # type: ignore[list-item]
    with pytest.raises(Exception):  # noqa: B017 - whatever the database raises
        store.enqueue_many(broken, NOW)
    assert store.pending("telegram", "c") == []


def test_a_dead_workers_chats_are_freed_by_the_next_heartbeat(orienta: Orienta) -> None:
    store, book = orienta.store, WorkerBook(orienta.store)
    book.register("w1:1", "host:8081", NOW)
    book.register("w2:1", "host:8082", NOW)
    assert store.claim_chat("telegram", "a", "w1:1", NOW, LEASE)
    assert store.claim_chat("telegram", "b", "w1:1", NOW, LEASE)
    assert store.claim_chat("telegram", "c", "w2:1", NOW, LEASE)
    later = NOW + timedelta(seconds=4)
    beat = book.beat("w2:1", "host:8082", later, DEAD_AFTER)
    assert (beat.recorded, beat.freed, beat.dead) == (True, 0, 0)  # w1 is late, not dead
    assert not store.claim_chat("telegram", "a", "w2:1", later, LEASE)
    # w1 stopped beating at NOW; w2 beats on.
    later = NOW + DEAD_AFTER + timedelta(seconds=1)
    beat = book.beat("w2:1", "host:8082", later, DEAD_AFTER)
    assert (beat.recorded, beat.freed, beat.dead) == (True, 2, 1)
    assert store.claim_chat("telegram", "a", "w2:1", later, LEASE)  # long before the lease ends
    assert book.alive() == ["w2:1"]
    # w1 was only slow: its next beat records it again, its chats stay taken.
    beat = book.beat("w1:1", "host:8081", later, DEAD_AFTER)
    assert not beat.recorded
    assert not store.claim_chat("telegram", "a", "w1:1", later, LEASE)
    assert not store.claim_chat("telegram", "c", "w1:1", later, LEASE)  # w2 is alive


def test_a_restarted_worker_takes_its_chats_back_at_once(orienta: Orienta) -> None:
    store, book = orienta.store, WorkerBook(orienta.store)
    book.register("host:8081:100:aa", "host:8081", NOW)
    book.register("other:8081:7:bb", "other:8081", NOW)
    assert store.claim_chat("telegram", "a", "host:8081:100:aa", NOW, LEASE)
    assert store.claim_chat("telegram", "b", "other:8081:7:bb", NOW, LEASE)
    # Killed; started again a second later under the same name (host and port).
    restarted = NOW + timedelta(seconds=1)
    assert book.register("host:8081:101:cc", "host:8081", restarted) == 1
    assert store.claim_chat("telegram", "a", "host:8081:101:cc", restarted, LEASE)
    assert not store.claim_chat("telegram", "b", "host:8081:101:cc", restarted, LEASE)
    assert sorted(book.alive()) == ["host:8081:101:cc", "other:8081:7:bb"]


def test_a_worker_that_leaves_frees_its_chats(orienta: Orienta) -> None:
    store, book = orienta.store, WorkerBook(orienta.store)
    book.register("w1:1", "host:8081", NOW)
    assert store.claim_chat("telegram", "a", "w1:1", NOW, LEASE)
    assert book.leave("w1:1") == 1
    assert store.claim_chat("telegram", "a", "w2:1", NOW, LEASE)
    assert book.alive() == []
