"""Long polling loses nothing: every ``getUpdates`` batch is in the inbox before the next
``getUpdates`` confirms it to the (fake) Bot API, also while the database is away; a
stop stores what was fetched and confirms it; Telegram's errors are waited out."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime

import pytest
from sqlalchemy.exc import OperationalError

from bot.app import Orienta
from bot.messages import Incoming
from tests.builders import text_update
from tests.channels.test_telegram import adapter_for, replies, wait_for
from tests.fakes.bot_api import RunningFakeBotApi


@pytest.fixture
def fake() -> Iterator[RunningFakeBotApi]:
    with RunningFakeBotApi() as server:
        yield server


STORING = threading.Event()


def watch_batches(
    orienta: Orienta, fake: RunningFakeBotApi, slow: float = 0.0, failures: int = 0
) -> list[tuple[list[int], int]]:
    """Record each batch the inbox stores (its update ids) with the highest update id
    the Bot API had seen confirmed at that moment; the first ``failures`` tries fail as
    an unreachable database does; each store takes ``slow`` seconds more."""
    store = orienta.store
    original = store.enqueue_many
    batches: list[tuple[list[int], int]] = []
    left = [failures]
    STORING.clear()

    def enqueue_many(updates: Sequence[tuple[Incoming, int]], now: datetime) -> list[bool]:
        STORING.set()
        if left[0] > 0:
            left[0] -= 1
            raise OperationalError("INSERT", {}, Exception("database is away"))
        if slow:
            time.sleep(slow)
        batches.append(([update_id for _, update_id in updates], fake.fake.confirmed))
        return original(updates, now)

    store.enqueue_many = enqueue_many  # type: ignore[method-assign]
    return batches


async def test_a_batch_is_stored_before_it_is_confirmed(
    orienta: Orienta, fake: RunningFakeBotApi
) -> None:
    batches = watch_batches(orienta, fake, slow=0.3)
    adapter = adapter_for(orienta, fake)
    await adapter.start()
    try:
        for chat in range(801, 806):
            for command in ("/help", "/menu"):
                fake.inject(text_update(chat, command))
        for chat in range(801, 806):
            await replies(fake, chat, 4)
        await wait_for(lambda: fake.fake.confirmed >= fake.fake.last_update_id - 1)
    finally:
        await adapter.stop()
    stored = [update_id for ids, _ in batches for update_id in ids]
    assert sorted(stored) == list(range(1001, 1011))
    for ids, confirmed in batches:
        assert confirmed < min(ids), (ids, confirmed)  # none confirmed before stored
    assert fake.fake.confirmed == 1010  # the stop confirmed the last batch


async def test_while_the_database_is_away_nothing_is_confirmed(
    orienta: Orienta, fake: RunningFakeBotApi
) -> None:
    batches = watch_batches(orienta, fake, failures=3)
    adapter = adapter_for(orienta, fake)
    await adapter.start()
    try:
        fake.inject(text_update(811, "/help"))
        sent = await replies(fake, 811, 3)
    finally:
        await adapter.stop()
    assert batches == [([1001], 0)]  # stored on the fourth try; not confirmed before
    en = orienta.catalogs.translator("en").gettext
    assert sent[0]["text"] == en("help.what_i_do") and len(fake.sent(811)) == 3


async def test_a_stop_stores_the_batch_in_hand(orienta: Orienta, fake: RunningFakeBotApi) -> None:
    """Stopped while a fetched batch is being stored: it is stored and confirmed, not
    dropped; the next start answers it, once."""
    batches = watch_batches(orienta, fake, slow=1.0)
    first = adapter_for(orienta, fake)
    await first.start()
    fake.inject(text_update(821, "/help"))
    first.dispatcher.kick = lambda chat_id: None  # type: ignore[method-assign]  # store only
    await wait_for(STORING.is_set)  # fetched; storing takes a second
    await first.stop()
    assert [ids for ids, _ in batches] == [[1001]]
    assert fake.fake.confirmed == 1001
    assert [i.update_id for i in orienta.store.pending("telegram", "821")] == [1001]
    second = adapter_for(orienta, fake)
    await second.start()
    try:
        await replies(fake, 821, 3)
        await asyncio.sleep(0.3)
        assert len(fake.sent(821)) == 3
    finally:
        await second.stop()


async def test_telegram_errors_while_polling_are_waited_out(
    orienta: Orienta, fake: RunningFakeBotApi
) -> None:
    fake.fail("getUpdates", 502, times=2, description="Bad Gateway")
    fake.fail("getUpdates", 429, times=1, retry_after=1, description="Too Many Requests")
    adapter = adapter_for(orienta, fake)
    await adapter.start()
    try:
        fake.inject(text_update(831, "/help"))
        await replies(fake, 831, 3)
    finally:
        await adapter.stop()
    assert fake.fake.failures["getUpdates"] == []
