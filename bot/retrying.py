"""One backoff policy for whatever waits out a failure (Telegram's API, the database):
``first`` seconds, then twice as long each time, never more than ``cap``. Loops retry
with tenacity and this wait; the dispatcher, which schedules a chat's next try instead
of looping, asks :meth:`Backoff.delay` for the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import RetryCallState
from tenacity.wait import wait_base

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff(wait_base):
    """Exponential backoff: ``first``, ``2·first``, ``4·first`` … at most ``cap`` seconds."""

    first: float = 0.5
    cap: float = 30.0

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th failure in a row (1 for the first)."""
        return float(min(self.first * 2 ** max(failures - 1, 0), self.cap))

    def __call__(self, retry_state: RetryCallState) -> float:
        return self.delay(retry_state.attempt_number)
