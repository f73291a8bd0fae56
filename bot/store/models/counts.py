"""Anonymous daily counts kept after the rows they were counted from are gone.

When a person uses ``/forget`` their messages, cases and appointments are deleted; just
before that, what the dashboard counted from them is added here (see
:mod:`bot.store.tallies`), so the history of the dashboard never goes down. A row is
one count for a UTC day, a language, a kind (``conversation``, ``case``, ``wait``,
``rating``, ``appointment``…) and a key within the kind (a rating, minutes, a status)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models.base import Base

__all__ = ["DailyCount"]


class DailyCount(Base):
    """How many of one kind of thing, on a day, in a language (no person in it)."""

    __tablename__ = "daily_counts"
    __table_args__ = (UniqueConstraint("day", "lang", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    lang: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer, default=0)
