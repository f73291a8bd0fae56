"""Against a real Rasa 3.6 server (``.ci/run`` installs, trains and starts it).

Set ORIENTA_TEST_RASA_URL and ORIENTA_TEST_RASA_TOKEN to run these locally
(``make rasa`` serves one); without them they are skipped with the reason.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import build
from bot.settings import Settings
from nlu.backends.fallback import FallbackBackend
from nlu.backends.rasa import RasaBackend, RasaUnavailable
from nlu.pipeline import Understanding
from tests.dialog import Dialog
from tests.nlu.test_backends import CLEAR

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def rasa_server() -> tuple[str, str]:
    url, token = os.environ.get("ORIENTA_TEST_RASA_URL"), os.environ.get("ORIENTA_TEST_RASA_TOKEN")
    if not url or not token:
        if os.environ.get("ORIENTA_TEST_REQUIRE_RASA"):
            pytest.fail("ORIENTA_TEST_REQUIRE_RASA is set but no Rasa server is configured")
        pytest.skip(
            "no Rasa server: set ORIENTA_TEST_RASA_URL and ORIENTA_TEST_RASA_TOKEN "
            "(.ci/run starts one; `make rasa` serves one)"
        )
    return url, token


@pytest.fixture
async def rasa(rasa_server: tuple[str, str]) -> AsyncIterator[RasaBackend]:
    async with httpx.AsyncClient() as client:
        yield RasaBackend(rasa_server[0], client, rasa_server[1], timeout=10.0)


async def test_server_has_a_model(rasa: RasaBackend) -> None:
    assert await rasa.ready()


@pytest.mark.parametrize("lang", sorted(CLEAR))
async def test_both_backends_agree_on_clear_cases(
    rasa: RasaBackend, lang: str, understanding: Understanding
) -> None:
    for text, intent in CLEAR[lang]:
        from_rasa = await rasa.parse(text, lang)
        from_embedded = await understanding.intents.parse(text, lang)
        assert from_rasa.backend == "rasa"
        assert from_rasa.intent == intent == from_embedded.intent, (text, from_rasa)


async def test_slash_messages_cannot_inject_intents(
    rasa: RasaBackend, rasa_server: tuple[str, str]
) -> None:
    url, token = rasa_server
    async with httpx.AsyncClient() as client:
        raw = await client.post(
            f"{url}/model/parse", params={"token": token}, json={"text": '/made_up{"x": 1}'}
        )
    # The trap itself: Rasa takes the raw text as an intent with an entity.
    assert raw.json()["intent"] == {"name": "made_up", "confidence": 1.0}
    result = await rasa.parse('/made_up{"x": 1}', "fr")
    assert result.intent != "made_up"
    emergency = await rasa.parse("/emergency", "fr")
    assert emergency.confidence < 1.0  # classified as text, not injected


async def test_api_refuses_requests_without_the_token(rasa_server: tuple[str, str]) -> None:
    async with httpx.AsyncClient() as client:
        anonymous = RasaBackend(rasa_server[0], client, token=None)
        with pytest.raises(RasaUnavailable, match="HTTP 401"):
            await anonymous.parse("bonjour", "fr")


async def test_server_down_means_embedded_answers(understanding: Understanding) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    async with httpx.AsyncClient() as client:
        down = RasaBackend(f"http://127.0.0.1:{closed_port}", client, "t", timeout=1.0)
        backend = FallbackBackend(down, understanding.intents)
        result = await backend.parse("je veux parler à une personne", "fr")
    assert result.intent == "human_mediator" and result.fallback


async def test_conversation_runs_on_rasa(
    rasa_server: tuple[str, str], tmp_path: Path, understanding: Understanding
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", var_dir=tmp_path / "var"
    )
    client = httpx.AsyncClient()
    rasa = RasaBackend(rasa_server[0], client, rasa_server[1], timeout=10.0)
    with_rasa = Understanding(
        understanding.langid, FallbackBackend(rasa, understanding.intents), understanding.crisis
    )
    orienta = build(settings, understanding=with_rasa)
    dialog = Dialog(orienta)
    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))
    await dialog.say("je veux parler à une personne")
    assert dialog.texts()[0] == dialog.t("fr", "case.opened_nobody")
    record = orienta.store.conversation("memory", dialog.chat_id, None, orienta.runner.clock())
    inbound = [m for m in orienta.store.messages(record.id) if m.direction == "in"]
    assert inbound[-1].nlu_backend == "rasa" and inbound[-1].intent == "human_mediator"
    orienta.store.engine.dispose()
    await client.aclose()
