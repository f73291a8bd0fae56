"""Errors found in flow files, each naming the file, the line, the flow and the step.

``rank`` says how close to a root cause an error is (a YAML syntax error or an unknown
step kind before the dangling references they cause): :func:`root_cause_first` orders
a list by it, then by file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FlowError", "FlowLoadError", "Rank", "root_cause_first"]


class Rank:
    """How close to a root cause an error is: lower comes first."""

    SYNTAX = 0
    KIND = 1
    SCHEMA = 2
    DUPLICATE = 3
    REFERENCE = 4
    SHAPE = 5
    TRANSLATION = 6


@dataclass(frozen=True, order=True)
class FlowError:
    """One problem in a flow file (``line`` is 1-based, 0 when unknown)."""

    file: str
    flow: str
    step: str
    message: str
    line: int = 0
    rank: int = Rank.REFERENCE

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.flow:
            where += f": flow '{self.flow}'"
        if self.step:
            where += f", step '{self.step}'"
        return f"{where}: {self.message}"


def root_cause_first(errors: Iterable[FlowError]) -> list[FlowError]:
    """Root causes first, then by file and line; duplicates once."""
    unique = dict.fromkeys(errors)
    return sorted(
        unique, key=lambda e: (e.rank, e.file, e.line or 10**9, e.flow, e.step, e.message)
    )


class FlowLoadError(Exception):
    """Raised when flows cannot be loaded; carries every error found."""

    def __init__(self, errors: list[FlowError]) -> None:
        self.errors = root_cause_first(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
