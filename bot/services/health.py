"""What a load balancer and Prometheus ask of a worker: whether its database answers and
is at this code's newest migration, and how many requests for a person wait per language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.cases import CaseBook
from bot.store.database import current_revision, head_revision
from bot.store.repository import Store

__all__ = ["Health", "Migration"]


@dataclass(frozen=True)
class Migration:
    """The database's migration and this code's newest ("" when unreachable)."""

    database: str | None
    code: str
    reachable: bool = True

    @property
    def current(self) -> bool:
        return self.reachable and self.database == self.code


class Health:
    """The worker's health, over the :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cases = CaseBook(store)
        self._head = head_revision()

    def migration(self) -> Migration:
        try:
            revision = current_revision(self._store.engine)
        except Exception:
            return Migration(None, self._head, reachable=False)
        return Migration(revision, self._head)

    def waiting_by_language(self) -> dict[str, int]:
        """Requests for a person waiting, by language (for ``/metrics``)."""
        return self._cases.waiting_by_language()
