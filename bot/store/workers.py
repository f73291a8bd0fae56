"""The running workers and their heartbeats (``workers``), which end a dead worker's chat
leases within seconds instead of when the leases run out.

A worker records itself when it starts and renews its row every few seconds. Any live
worker removes the rows whose heartbeat stopped, and with them their chat leases, so
their chats can be taken over at once. A worker's ``name`` is the same across restarts
of its process and unique among running workers (its host and port): a worker that
starts under the name of an earlier start knows that one is dead and takes its chats
back at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bot.store.models import ChatLease, WorkerBeat
from bot.store.repository import Store

__all__ = ["Beat", "WorkerBook"]


@dataclass(frozen=True)
class Beat:
    """What one heartbeat found."""

    #: False when this worker had been taken for dead (its row was gone): recorded again.
    recorded: bool
    #: Chat leases freed because their workers were found dead.
    freed: int
    #: Workers found dead (their rows removed).
    dead: int


class WorkerBook:
    """The ``workers`` table over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, worker: str, name: str, now: datetime) -> int:
        """Record the start of ``worker`` under ``name``. Earlier starts under the same
        name are dead (the name is unique among running workers): they go, and their
        chat leases with them. Returns how many leases were freed."""
        with self.store.session() as session, session.begin():
            earlier = select(WorkerBeat.id).where(WorkerBeat.name == name, WorkerBeat.id != worker)
            freed = session.execute(delete(ChatLease).where(ChatLease.holder.in_(earlier))).rowcount  # type: ignore[attr-defined]
            session.execute(
                delete(WorkerBeat).where(WorkerBeat.name == name, WorkerBeat.id != worker)
            )
            row = session.get(WorkerBeat, worker)
            if row is None:
                session.add(WorkerBeat(id=worker, name=name, started_at=now, seen_at=now))
            else:
                row.seen_at = now
        return int(freed)

    def beat(
        self, worker: str, name: str, now: datetime, dead_after: timedelta, *, reap: bool = True
    ) -> Beat:
        """Renew ``worker``'s heartbeat; unless ``reap`` is False, remove every other
        worker not seen for ``dead_after``, with its chat leases."""
        with self.store.session() as session, session.begin():
            renewed = session.execute(
                update(WorkerBeat).where(WorkerBeat.id == worker).values(seen_at=now)
            ).rowcount  # type: ignore[attr-defined]
            if not renewed:
                session.add(WorkerBeat(id=worker, name=name, started_at=now, seen_at=now))
            if not reap:
                return Beat(bool(renewed), 0, 0)
            stale = (WorkerBeat.seen_at < now - dead_after, WorkerBeat.id != worker)
            dead = select(WorkerBeat.id).where(*stale)
            freed = session.execute(delete(ChatLease).where(ChatLease.holder.in_(dead))).rowcount  # type: ignore[attr-defined]
            gone = session.execute(delete(WorkerBeat).where(*stale)).rowcount  # type: ignore[attr-defined]
        return Beat(bool(renewed), int(freed), int(gone))

    def leave(self, worker: str) -> int:
        """``worker`` stops: its row goes, and its chat leases with it (other workers
        take its chats at once). Returns how many leases were freed."""
        with self.store.session() as session, session.begin():
            freed = session.execute(delete(ChatLease).where(ChatLease.holder == worker)).rowcount  # type: ignore[attr-defined]
            session.execute(delete(WorkerBeat).where(WorkerBeat.id == worker))
        return int(freed)

    def alive(self) -> list[str]:
        """The recorded workers' ids (for tests and the console)."""
        with self.store.session() as session:
            return list(session.scalars(select(WorkerBeat.id).order_by(WorkerBeat.started_at)))
