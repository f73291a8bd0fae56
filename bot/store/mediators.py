"""Editing mediator records and their own "away" switch (adding, listing and removing
them is :class:`~bot.store.cases.CaseBook`'s)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.domain.cases import MediatorView
from bot.store.cases import mediator_view
from bot.store.models import Mediator, StaffUser
from bot.store.names import mediator_name_taken
from bot.store.repository import Store

__all__ = ["MediatorBook"]


class MediatorBook:
    """Mediator records, edited."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def update(
        self,
        mediator_id: int,
        *,
        name: str,
        languages: Sequence[str],
        hours: Mapping[str, Any],
        timezone: str,
        telegram_user_id: int | None,
        show_name: bool,
    ) -> MediatorView | None:
        """Change an active mediator's record; ValueError when the name or Telegram
        account belongs to another."""
        try:
            with self.store.session() as session, session.begin():
                row = session.get(Mediator, mediator_id)
                if row is None or not row.active:
                    return None
                if mediator_name_taken(session, name, other_than=mediator_id):
                    raise ValueError(f"a mediator named {name!r} exists already")
                row.name = name
                row.languages = list(languages)
                row.hours = dict(hours)
                row.timezone = timezone
                row.telegram_user_id = telegram_user_id
                row.show_name = show_name
                session.flush()
                return mediator_view(row)
        except IntegrityError as exc:
            raise ValueError(
                f"a mediator named {name!r} or with that Telegram account exists already"
            ) from exc

    def set_away(self, mediator_id: int, away: bool, now: datetime) -> bool:
        """Switch a mediator away or back; False when nothing changed."""
        with self.store.session() as session, session.begin():
            row = session.get(Mediator, mediator_id)
            if row is None or row.away == away:
                return False
            row.away, row.away_since = away, (now if away else None)
            return True

    def away_since(self, mediator_id: int) -> datetime | None:
        with self.store.session() as session:
            row = session.get(Mediator, mediator_id)
            return row.away_since if row else None

    def accounts(self) -> dict[int, str]:
        """Mediator id -> the name of the console account linked to it."""
        with self.store.session() as session:
            rows = session.execute(
                select(StaffUser.mediator_id, StaffUser.username).where(
                    StaffUser.mediator_id.is_not(None)
                )
            )
            return {int(m): username for m, username in rows if m is not None}
