"""Several worker processes on one PostgreSQL, in webhook mode behind a load balancer.

Each worker is a separate ``python -m bot run``; Telegram's side (``tests/servers.py``)
posts many chats' updates at once to workers chosen at random, some twice; the Bot API
is the fake server on 127.0.0.1. Every chat must get exactly the replies the same
conversation gets from one runner in one process (``tests/traffic.py``): each once, in
order, whichever worker received which update.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster import Cluster, assert_transcripts, cluster_fixture, wait_until_answered
from tests.servers import TelegramSide
from tests.traffic import reference

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from cluster_fixture(tmp_path_factory)


async def test_interleaved_chats_on_three_workers_are_answered_once_in_order(
    cluster: Cluster,
) -> None:
    chats = await reference(cluster.var_dir, chats=30, rounds=1)
    workers = cluster.workers(3)
    try:
        async with TelegramSide(workers, seed=3, duplicate_rate=0.15) as telegram:
            await telegram.chats([chat.updates for chat in chats], at_once=30)
            got = await wait_until_answered(cluster, chats, workers)
        assert telegram.delivery.duplicates > 0  # some updates did arrive twice
    finally:
        for worker in workers:
            worker.stop()
    assert_transcripts(got, chats)
    every_update = sorted(u["update_id"] for chat in chats for u in chat.updates)
    assert cluster.processed_updates() == every_update  # each stored once, all processed
    assert cluster.unfinished() == (0, 0)
