"""Intent backends: the embedded classifier, the Rasa HTTP client and the fallback
between them. Rasa's HTTP side is faked here with httpx's MockTransport (an edge);
tests/nlu/test_rasa_server.py runs the same client against a real Rasa server."""

from __future__ import annotations

import json

import httpx
import pytest

from nlu.backends.fallback import CircuitBreaker, FallbackBackend
from nlu.backends.rasa import RasaBackend, RasaUnavailable, sanitize_for_rasa
from nlu.intents import INTENTS
from nlu.pipeline import Understanding
from nlu.result import NluResult

CLEAR = {
    "fr": [
        ("je veux parler à une personne", "human_mediator"),
        ("merci beaucoup pour votre aide", "thanks"),
    ],
    "it": [
        ("dove si trova l'ufficio e quali sono gli orari?", "office_info"),
        ("vorrei prendere un appuntamento", "book_appointment"),
    ],
    "fi": [("tarvitsen lääkärin lapselleni", "rights_health"), ("kiitos paljon avusta", "thanks")],
    "uk": [("мені потрібна допомога з житлом", "rights_housing"), ("дякую за допомогу", "thanks")],
    "ar": [("أريد التحدث مع شخص", "human_mediator"), ("شكرا جزيلا على المساعدة", "thanks")],
}


def rasa_reply(intent: str, confidence: float) -> dict[str, object]:
    return {
        "text": "x",
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [{"entity": "date", "value": "demain", "start": 0, "end": 6}],
    }


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("lang", sorted(CLEAR))
async def test_embedded_backend_on_clear_cases(understanding: Understanding, lang: str) -> None:
    for text, intent in CLEAR[lang]:
        result = await understanding.intents.parse(text, lang)
        assert result.intent == intent, (text, result)
        assert result.backend == "embedded" and 0.0 < result.confidence <= 1.0
        assert {name for name, _ in result.ranking} <= set(INTENTS)


def test_slash_text_never_reaches_rasa_as_an_intent() -> None:
    assert sanitize_for_rasa("/emergency") == "emergency"
    assert sanitize_for_rasa('//made_up{"x":1}') == 'made_up{"x":1}'
    assert sanitize_for_rasa("  / ") == ""


async def test_rasa_client_sends_token_and_sanitised_text() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=rasa_reply("emergency", 0.93))

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backend = RasaBackend("http://rasa.test/", client, token="s3cret")
    result = await backend.parse("/emergency", "fr")
    assert result == NluResult(
        "emergency", 0.93, "rasa", (("emergency", 0.93),), (("date", "demain"),)
    )
    assert seen[0].url.path == "/model/parse" and seen[0].url.params["token"] == "s3cret"
    assert json.loads(seen[0].content) == {"text": "emergency"}


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(500, text="boom"),
        httpx.Response(401, json={"message": "unauthorised"}),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"intent": {"name": "x", "confidence": "high"}}),
    ],
)
async def test_rasa_errors_become_unavailable(reply: httpx.Response) -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: reply))
    with pytest.raises(RasaUnavailable):
        await RasaBackend("http://rasa.test", client).parse("bonjour", "fr")


async def test_fallback_answers_every_message_and_breaker_retries_later(
    understanding: Understanding,
) -> None:
    calls = {"n": 0, "up": False}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if not calls["up"]:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=rasa_reply("thanks", 0.99))

    clock = FakeClock()
    rasa = RasaBackend(
        "http://rasa.test", httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )
    backend = FallbackBackend(
        rasa, understanding.intents, CircuitBreaker(threshold=3, retry_after=30, clock=clock)
    )
    for _ in range(5):
        result = await backend.parse("merci beaucoup pour votre aide", "fr")
        assert result.intent == "thanks" and result.fallback and result.backend == "embedded"
    assert calls["n"] == 3 and backend.breaker.state == "open"  # no more tries while open
    calls["up"] = True
    clock.now += 31
    result = await backend.parse("merci beaucoup", "fr")
    assert result.backend == "rasa" and not result.fallback
    assert backend.breaker.state == "closed" and backend.fallbacks == 5


async def test_timeout_falls_back() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    class Fixed:
        name = "embedded"

        async def parse(self, text: str, lang: str | None) -> NluResult:
            return NluResult("greet", 0.9, "embedded")

    backend = FallbackBackend(
        RasaBackend(
            "http://rasa.test",
            httpx.AsyncClient(transport=httpx.MockTransport(handler)),
            timeout=0.01,
        ),
        Fixed(),
    )
    result = await backend.parse("salut", "fr")
    assert result.intent == "greet" and result.fallback
