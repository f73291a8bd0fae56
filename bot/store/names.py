"""Names people choose for staff: account names and mediator records differ by more
than case (signing in ignores case; colleagues would not tell "Samira" from "samira").
Existing rows that differ only by case are left as they are."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Mediator, StaffUser

__all__ = ["account_named", "mediator_name_taken"]


def account_named(session: Session, username: str) -> StaffUser | None:
    """The account of that name, whatever its case; the exact name first. Compared in
    Python: SQLite's ``lower()`` folds ASCII letters only."""
    wanted = username.strip()
    rows = session.execute(select(StaffUser.id, StaffUser.username).order_by(StaffUser.id))
    same = [(name != wanted, id_) for id_, name in rows if name.casefold() == wanted.casefold()]
    return session.get(StaffUser, min(same)[1]) if same else None


def mediator_name_taken(session: Session, name: str, *, other_than: int | None = None) -> bool:
    """Whether a mediator record (removed ones too) has that name but for case."""
    wanted = name.strip().casefold()
    rows = session.execute(select(Mediator.id, Mediator.name))
    return any(n.casefold() == wanted and id_ != other_than for id_, n in rows)
