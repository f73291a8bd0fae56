"""Faults during traffic, on worker processes sharing one PostgreSQL (webhook mode):

- a worker killed (SIGKILL) in the middle of an update, after it saved the turn and
  while its reply was on the way to Telegram;
- PostgreSQL restarted while updates keep coming;
- the Bot API answering 429 and 5xx, and an outage longer than a send's retries;
- the Rasa server stopped while its workers use it;
- PostgreSQL down while people write, one of them in danger (in this process).

After each, no update is lost or answered twice and the conversations go on: every chat
gets exactly the replies one runner gives (``tests/traffic.py``), each once, in order
(for Rasa, whose intents may differ from the reference's, what each chat got must be
what the database recorded, one turn per update in order).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import httpx
import pytest

from bot.app import build
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramAdapter
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.database import drop_everything
from bot.web.app import create_app
from bot.web.telegram_webhook import webhook_route
from nlu.pipeline import Understanding
from nlu.rasa_service import model_file
from tests.builders import text_update
from tests.channels.test_telegram import wait_for
from tests.cluster import (
    Cluster,
    assert_store_agrees,
    assert_transcripts,
    cluster_fixture,
    wait_until_answered,
    wait_until_replies,
)
from tests.servers import ROOT, SECRET, RasaServer, TelegramSide
from tests.traffic import reference

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from cluster_fixture(tmp_path_factory)


async def test_a_worker_killed_in_the_middle_of_an_update(cluster: Cluster) -> None:
    chats = await reference(cluster.var_dir, chats=12, rounds=1)
    workers = cluster.workers(3)
    first, victim, split = workers[0], chats[0], 6
    bot_api = cluster.bot_api
    try:
        async with TelegramSide(workers, seed=5) as telegram:
            await telegram.chats([chat.updates[:split] for chat in chats])
            await wait_until_replies(cluster, {c.chat_id: c.marks[split - 1] for c in chats})
            # The first worker takes the victim's next update, saves the turn, and hangs
            # sending its reply; the update after it waits stored behind it. Then it dies.
            bot_api.stall("sendMessage", victim.chat_id)
            await telegram.post(victim.updates[split], worker=first)
            await wait_for(lambda: bot_api.stalled() == ["sendMessage"])
            await telegram.post(victim.updates[split + 1], worker=first)
            first.kill()
            rest = [chat.updates[split + (2 if chat is victim else 0) :] for chat in chats]
            half = [updates[: len(updates) // 2] for updates in rest]
            await telegram.chats(half)  # to the two living workers
            first.start()  # restarted, it takes its share again
            first.wait_ready()
            await telegram.chats([updates[len(updates) // 2 :] for updates in rest])
            got = await wait_until_answered(cluster, chats, workers)
    finally:
        for worker in workers:
            worker.stop()
    assert_transcripts(got, chats)
    assert cluster.unfinished() == (0, 0)


async def test_postgresql_restarted_during_traffic(cluster: Cluster) -> None:
    chats = await reference(cluster.var_dir, chats=20, rounds=1)
    total = sum(len(chat.updates) for chat in chats)
    # Leases longer than the restart: the workers keep their chats through it.
    workers = cluster.workers(2, ORIENTA_CHAT_LEASE_SECONDS="20")
    try:
        async with TelegramSide(workers, seed=7) as telegram:
            traffic = asyncio.create_task(
                telegram.chats([chat.updates for chat in chats], at_once=20, pause=0.05)
            )
            await wait_for(lambda: len(telegram.delivery.acknowledged_at) >= total // 3, 120)
            await asyncio.to_thread(cluster.postgres.restart)
            await traffic
            got = await wait_until_answered(cluster, chats, workers)
            refused = telegram.delivery.refused
    finally:
        for worker in workers:
            worker.stop()
    assert_transcripts(got, chats)
    # The restart was felt: some updates were refused (Telegram sent them again) or
    # some chats waited for the database.
    logs = "".join(worker.log_path.read_text("utf-8") for worker in workers)
    assert refused > 0 or "database unreachable" in logs or "waits (" in logs


async def test_bot_api_429_5xx_and_an_outage(cluster: Cluster) -> None:
    chats = await reference(cluster.var_dir, chats=15, rounds=1)
    workers = cluster.workers(2)
    bot_api = cluster.bot_api
    bot_api.fail("sendMessage", 429, times=4, retry_after=1, description="Too Many Requests")
    bot_api.fail("sendMessage", 502, times=6, description="Bad Gateway")
    bot_api.fail("sendMessage", 500, times=6, description="Internal Server Error")
    bot_api.fail("answerCallbackQuery", 500, times=5)
    try:
        async with TelegramSide(workers, seed=11) as telegram:
            await telegram.chats([chat.updates[:5] for chat in chats])
            # Longer than a send's retries (about 15 s): those replies wait in the outbox.
            bot_api.outage("sendMessage", seconds=18, status=503)
            await telegram.chats([chat.updates[5:] for chat in chats])
            got = await wait_until_answered(cluster, chats, workers, timeout=240)
    finally:
        for worker in workers:
            worker.stop()
    assert_transcripts(got, chats)
    assert bot_api.fake.failures["sendMessage"] == []  # every failure was met and survived
    logs = "".join(worker.log_path.read_text("utf-8") for worker in workers)
    assert "left for a later try" in logs  # the outage outlasted the retries of some sends


async def test_rasa_stopped_during_traffic(cluster: Cluster) -> None:
    venv = ROOT / ".venv-rasa"
    model = model_file(ROOT / "nlu", ROOT / "var" / "rasa", SERVED_LANGUAGES)
    if not (venv / "bin" / "rasa").exists() or not model.exists():
        if os.environ.get("ORIENTA_TEST_REQUIRE_RASA"):
            pytest.fail("ORIENTA_TEST_REQUIRE_RASA is set but there is no Rasa model")
        pytest.skip("no Rasa environment or trained model: `make rasa-train` (.ci/run does)")
    rasa = RasaServer(model, venv, cluster.logs / "rasa.log")
    await asyncio.to_thread(rasa.start)
    chats = await reference(cluster.var_dir, chats=10, rounds=1)
    workers = cluster.workers(2, ORIENTA_RASA_URL=rasa.url, ORIENTA_RASA_TOKEN=rasa.token)
    try:
        async with TelegramSide(workers, seed=13) as telegram:
            await telegram.chats([chat.updates[:7] for chat in chats])
            await wait_until_replies(cluster, {c.chat_id: c.marks[6] for c in chats})
            await asyncio.to_thread(rasa.stop)
            await telegram.chats([chat.updates[7:] for chat in chats])
            got = await wait_until_answered(cluster, chats, workers)
    finally:
        rasa.stop()
        for worker in workers:
            worker.stop()
    assert_store_agrees(cluster, got, chats)
    turns = cluster.stored_turns()
    for chat in chats:
        backends = [backend for _kind, _body, backend in turns[chat.chat_id][0]]
        # The typed thanks of update 7 went to Rasa; the typed texts after the stop were
        # read by the embedded backend.
        assert backends[6] == "rasa", backends
        assert [b for b in backends[7:] if b] and all(b == "embedded" for b in backends[7:] if b), (
            backends
        )


async def test_while_the_database_is_down_a_person_in_danger_gets_the_numbers_once(
    cluster: Cluster, understanding: Understanding
) -> None:
    """Updates posted to the webhook while PostgreSQL is down cannot be stored: the webhook
    answers 503 and Telegram posts them again until the database is back; then each is
    answered once. Words that say someone is in danger get the emergency numbers at
    once, in their language, and only once however often the update is posted."""
    drop_everything(cluster.postgres.url)
    bot_api = cluster.bot_api
    bot_api.reset()
    orienta = build(
        Settings(database_url=cluster.postgres.url, var_dir=cluster.var_dir),
        understanding=understanding,
    )
    adapter = TelegramAdapter.create(
        bot_api.fake.token,
        bot_api.url,
        orienta.runner,
        orienta.catalogs,
        SERVED_LANGUAGES,
        polling=False,
        webhook_secret=SECRET,
    )
    await adapter.start("https://orienta.example.org")
    app = create_app(orienta, [webhook_route(adapter)])
    fr = orienta.catalogs.translator("fr").gettext
    danger = {"update_id": 71, **text_update(5001, "au secours, mon mari me frappe, aidez moi")}
    calm = {"update_id": 72, **text_update(5002, "bonjour, je cherche un logement pour ma famille")}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as http:

            async def post(update: dict[str, object]) -> int:
                response = await http.post(
                    WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
                )
                return response.status_code

            await asyncio.to_thread(cluster.postgres.stop)
            try:
                for _ in range(3):  # Telegram posts them again while they are refused
                    assert await post(danger) == 503
                    assert await post(calm) == 503
                sent = bot_api.sent_by_chat()
                assert [m["text"] for m in sent.get(5001, [])] == [fr("emergency.numbers")]
                assert 5002 not in sent
            finally:
                await asyncio.to_thread(cluster.postgres.start)
            assert await post(danger) == 200 and await post(calm) == 200
            await wait_for(lambda: len(bot_api.sent_by_chat().get(5002, [])) >= 2, 60)
            await adapter.dispatcher.idle()
        sent = bot_api.sent_by_chat()
        danger_texts = [m["text"] for m in sent[5001]]
        assert danger_texts[0] == fr("emergency.numbers") and len(danger_texts) > 1
        assert danger_texts[1:].count(fr("emergency.numbers")) == 1, (
            "then the emergency flow's own answer, once"
        )
        assert [m["text"] for m in sent[5002]] == [
            fr("welcome.hello"),
            fr("welcome.choose_language"),
        ]
        assert cluster.unfinished() == (0, 0)
    finally:
        await adapter.stop()
        orienta.store.engine.dispose()
