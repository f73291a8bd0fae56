"""The Rasa backend: a Rasa Open Source 3.6 server over HTTP (``POST /model/parse``).

Rasa runs as its own service in its own Python 3.10 environment; this module
only speaks HTTP to it. User text never reaches Rasa as ``/intent{...}``
(Rasa reads a leading ``/`` as an intent name with entities): leading slashes
are removed before sending.
"""

from __future__ import annotations

from typing import Any

import httpx

from nlu.result import NluResult

__all__ = ["RasaBackend", "RasaUnavailable", "sanitize_for_rasa"]


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: down, slow, an error status, or a malformed body."""


def sanitize_for_rasa(text: str) -> str:
    """Text Rasa will classify as text: no leading ``/`` (which would inject an intent)."""
    return text.strip().lstrip("/").strip()


class RasaBackend:
    """Classifies intents with a Rasa server; raises :class:`RasaUnavailable` on failure."""

    name = "rasa"

    def __init__(
        self, url: str, client: httpx.AsyncClient, token: str | None = None, timeout: float = 2.0
    ) -> None:
        self.url = url.rstrip("/")
        self.client = client
        self.token = token
        self.timeout = timeout

    async def parse(self, text: str, lang: str | None) -> NluResult:
        clean = sanitize_for_rasa(text)
        if not clean:
            return NluResult(None, 0.0, self.name)
        params = {"token": self.token} if self.token else None
        try:
            response = await self.client.post(
                f"{self.url}/model/parse", json={"text": clean}, params=params, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            return _result(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise RasaUnavailable(f"malformed answer: {type(exc).__name__}") from exc

    async def ready(self) -> bool:
        """True when the server answers and has a model loaded."""
        try:
            response = await self.client.get(
                f"{self.url}/status",
                timeout=self.timeout,
                params={"token": self.token} if self.token else None,
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and bool(response.json().get("model_file"))


def _result(body: dict[str, Any]) -> NluResult:
    intent = body.get("intent") or {}
    name = intent.get("name")
    confidence = float(intent.get("confidence") or 0.0)
    ranking = tuple(
        (str(r["name"]), round(float(r["confidence"]), 4)) for r in body.get("intent_ranking") or ()
    )
    entities = tuple((str(e["entity"]), str(e["value"])) for e in body.get("entities") or ())
    return NluResult(
        str(name) if name else None, min(1.0, max(0.0, confidence)), "rasa", ranking, entities
    )
