"""Prometheus metrics of one process: updates handled and how long they took, which
NLU backend answered (and how often the fallback did) and the CPU time the embedded NLU
took, booking conflicts, and the
escalations waiting (read from the database when scraped). Built by ``bot.app.build``
with a registry of its own; nothing is created at import time."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "orienta_updates",
            "Updates handled, by channel and outcome (ok, failed).",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "orienta_update_seconds",
            "Time to handle an update and send the replies.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.nlu = Counter(
            "orienta_nlu_messages",
            "Texts understood, by the backend that answered and whether it was the fallback.",
            ["backend", "fallback"],
            registry=self.registry,
        )
        self.nlu_cpu = Counter(
            "orienta_nlu_cpu_seconds",
            "CPU time the embedded NLU took (language and intents), on the turns' threads.",
            registry=self.registry,
        )
        self.booking_conflicts = Counter(
            "orienta_booking_conflicts",
            "Bookings and moves refused because the place was taken meanwhile.",
            registry=self.registry,
        )
        self.escalations_waiting = Gauge(
            "orienta_escalations_waiting",
            "Cases waiting for a mediator, by language.",
            ["language"],
            registry=self.registry,
        )

    def booking_conflict(self) -> None:
        self.booking_conflicts.inc()

    def exposition(self, waiting: Mapping[str, int]) -> bytes:
        """The text format Prometheus scrapes, with the waiting cases set first."""
        self.escalations_waiting.clear()
        for language, count in waiting.items():
            self.escalations_waiting.labels(language).set(count)
        return bytes(generate_latest(self.registry))
