"""A primary backend (Rasa) with the embedded one behind it, and a circuit breaker.

On a timeout, an error or a server that is down, the embedded backend answers
that message, so no message is lost or left unanswered. After three failures
in a row the breaker opens: for ``retry_after`` seconds every message goes to
the embedded backend at once, then one message tries Rasa again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from nlu.backends.rasa import RasaUnavailable
from nlu.result import IntentBackend, NluResult

__all__ = ["CircuitBreaker", "FallbackBackend"]

log = logging.getLogger(__name__)


@dataclass
class CircuitBreaker:
    """Closed (use the primary), open (skip it) until ``retry_after`` has passed."""

    threshold: int = 3
    retry_after: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        return self.clock() - self.opened_at >= self.retry_after  # half-open: one try

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = self.clock()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.allow() else "open"


class FallbackBackend:
    """Ask ``primary``; on failure (or while the breaker is open) ask ``fallback``."""

    def __init__(
        self, primary: IntentBackend, fallback: IntentBackend, breaker: CircuitBreaker | None = None
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.breaker = breaker or CircuitBreaker()
        self.name = f"{primary.name}+{fallback.name}"
        self.fallbacks = 0

    async def parse(self, text: str, lang: str | None) -> NluResult:
        if self.breaker.allow():
            try:
                result = await self.primary.parse(text, lang)
            except RasaUnavailable as exc:
                self.breaker.failure()
                log.warning(
                    "%s unavailable (%s); %s answers this message (breaker %s)",
                    self.primary.name,
                    exc,
                    self.fallback.name,
                    self.breaker.state,
                )
            else:
                self.breaker.success()
                return result
        self.fallbacks += 1
        result = await self.fallback.parse(text, lang)
        return replace(result, fallback=True)

    def load(self) -> None:
        load = getattr(self.fallback, "load", None)
        if callable(load):
            load()
