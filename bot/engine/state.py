"""A conversation's engine state: where it is, in which language, with which answers.

Immutable; the engine returns a new one each turn. ``to_dict``/``from_dict``
give the JSON form the store keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["Consent", "Frame", "State", "Waiting", "waiting_at"]

Waiting = Literal["", "button", "text", "service", "input"]
Consent = Literal["", "given", "declined"]


@dataclass(frozen=True)
class Frame:
    """A position in a flow: the step being run or waited on (or returned to)."""

    flow: str
    step: str


@dataclass(frozen=True)
class State:
    """Everything the engine needs to continue a conversation."""

    lang: str | None = None
    stack: tuple[Frame, ...] = ()
    waiting: Waiting = ""
    seq: int = 0
    vars: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    retries: int = 0
    misunderstood: int = 0
    consent: Consent = ""

    @property
    def frame(self) -> Frame | None:
        return self.stack[-1] if self.stack else None

    def with_vars(self, **values: str) -> State:
        """These variables set; an empty value removes the variable."""
        merged = {**self.vars, **values}
        return replace(self, vars=MappingProxyType({k: v for k, v in merged.items() if v != ""}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "stack": [[f.flow, f.step] for f in self.stack],
            "waiting": self.waiting,
            "seq": self.seq,
            "vars": dict(self.vars),
            "retries": self.retries,
            "misunderstood": self.misunderstood,
            "consent": self.consent,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> State:
        if not data:
            return cls()
        return cls(
            lang=data.get("lang"),
            stack=tuple(Frame(str(f), str(s)) for f, s in data.get("stack", ())),
            waiting=data.get("waiting", ""),
            seq=int(data.get("seq", 0)),
            vars=MappingProxyType({str(k): str(v) for k, v in data.get("vars", {}).items()}),
            retries=int(data.get("retries", 0)),
            misunderstood=int(data.get("misunderstood", 0)),
            consent=data.get("consent", ""),
        )


def waiting_at(data: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The (flow, step) a stored state waits at for the person's answer, or None (the
    conversation is not waiting inside a flow, or the state cannot be read)."""
    try:
        state = State.from_dict(data)
    except (TypeError, ValueError):
        return None
    frame = state.frame
    return (frame.flow, frame.step) if frame is not None and state.waiting else None
