"""The content as administrators edit it in the console: rights articles with their
translations, offices with the services they offer, bookable services, an office's slot
calendar, and the appointments list (cancelling, no-shows) — each change one transaction
in the store, the same books the bot reads, so a change is in force at once.

The console's pages (:mod:`bot.web.content`, :mod:`bot.web.content_slots`,
:mod:`bot.web.appointments`) call this and never the store.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from bot.domain.appointments import AppointmentView, OfficeView, Outcome, ServiceView, SlotView
from bot.domain.content import Choice
from bot.domain.content_edits import (
    AppointmentEntry,
    ArticleEdit,
    ArticleRow,
    EditStatus,
    NoShow,
    OfficeEdit,
    SlotEntry,
    SlotRemoval,
)
from bot.store.appointments import AppointmentBook
from bot.store.editing import ContentEditor
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import Store
from bot.store.slots import SlotBook

__all__ = ["ContentAdmin", "SlotTaken"]


class SlotTaken(Exception):
    """A slot already starts at that moment for that office and service."""


class ContentAdmin:
    """Reading and changing the content, over the :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._editor = ContentEditor(store)
        self._appointments = AppointmentBook(store)
        self._knowledge = KnowledgeStore(store)
        self._slots = SlotBook(store)

    # -- articles --------------------------------------------------------------------------
    def articles(self) -> list[ArticleRow]:
        return self._editor.articles()

    def article(self, article_id: str) -> ArticleEdit | None:
        return self._editor.article(article_id)

    def save_article(self, edit: ArticleEdit, *, new: bool) -> EditStatus:
        return self._editor.save_article(edit, new=new)

    def regions(self) -> list[Choice]:
        return self._knowledge.regions()

    def audiences(self) -> list[Choice]:
        return self._knowledge.audiences()

    # -- offices and services --------------------------------------------------------------
    def offices(self) -> list[OfficeEdit]:
        return self._editor.offices()

    def office(self, office_id: str) -> OfficeEdit | None:
        return self._editor.office(office_id)

    def save_office(self, edit: OfficeEdit, *, new: bool) -> EditStatus:
        return self._editor.save_office(edit, new=new)

    def services(self) -> list[ServiceView]:
        return self._editor.services()

    def service(self, service_id: str) -> ServiceView | None:
        return self._appointments.service(service_id)

    def save_service(self, edit: ServiceView, *, new: bool) -> EditStatus:
        return self._editor.save_service(edit, new=new)

    def bookable_office(self, office_id: str) -> OfficeView | None:
        return self._appointments.office(office_id)

    # -- slots -----------------------------------------------------------------------------
    def slots(self, office_id: str, start: datetime, end: datetime) -> list[SlotEntry]:
        return self._editor.slots(office_id, start, end)

    def add_slot(
        self, office_id: str, service_id: str, starts_at: datetime, minutes: int, capacity: int
    ) -> SlotView:
        """Add one slot by hand; :class:`SlotTaken` when one starts then already."""
        try:
            return self._slots.add_slot(office_id, service_id, starts_at, minutes, capacity)
        except IntegrityError as exc:
            raise SlotTaken(starts_at.isoformat()) from exc

    def remove_slot(self, office_id: str, slot_id: int) -> SlotRemoval:
        return self._editor.remove_slot(office_id, slot_id)

    def generate_slots(self, today: date, days: int) -> tuple[int, int]:
        """The slot calendars regenerated from the offices' hours: (created, removed)."""
        return self._slots.generate_slots(today, days)

    # -- appointments ----------------------------------------------------------------------
    def appointments(
        self, office_id: str, start: datetime, end: datetime
    ) -> list[AppointmentEntry]:
        return self._editor.appointments(office_id, start, end)

    def calendar(self, office_id: str, start: datetime, end: datetime) -> list[AppointmentView]:
        return self._appointments.calendar(office_id, start, end)

    def cancel(self, appointment_id: int, now: datetime) -> Outcome:
        """Staff cancel an appointment (the person is told through the reminders)."""
        return self._appointments.cancel(None, appointment_id, now, by="staff")

    def mark_no_show(self, appointment_id: int, now: datetime) -> NoShow:
        return self._editor.mark_no_show(appointment_id, now)
