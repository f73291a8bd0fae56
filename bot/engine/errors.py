"""Errors found in flow files, each naming the file, the flow and the step."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FlowError", "FlowLoadError"]


@dataclass(frozen=True, order=True)
class FlowError:
    """One problem in a flow file."""

    file: str
    flow: str
    step: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.flow:
            where += f": flow '{self.flow}'"
        if self.step:
            where += f", step '{self.step}'"
        return f"{where}: {self.message}"


class FlowLoadError(Exception):
    """Raised when flows cannot be loaded; carries every error found."""

    def __init__(self, errors: list[FlowError]) -> None:
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
