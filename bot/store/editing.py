"""Editing the content from the console: rights articles with their translations,
offices with the services they offer, bookable services, slots removed by hand, and
the appointments list with its no-shows.

Every change is one transaction. Creating an item whose id is taken (also by a
concurrent request) is refused, never merged. A slot is removed only while nobody
holds it and no appointment (even a cancelled one) refers to it; marking a no-show
is one conditional UPDATE of a booked appointment whose slot has begun, and frees
the place so a slot's ``booked`` count stays the number of its booked appointments.
Reading offices, regions and audiences for the bot stays in
:mod:`bot.store.appointments` and :mod:`bot.store.knowledge`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.domain.appointments import ServiceView
from bot.domain.content_edits import (
    AppointmentEntry,
    ArticleEdit,
    ArticleRow,
    EditStatus,
    NoShow,
    OfferEdit,
    OfficeEdit,
    SlotEntry,
    SlotRemoval,
)
from bot.store.models import (
    Appointment,
    Article,
    ArticleText,
    BookableService,
    Office,
    OfficeService,
    Reminder,
    Slot,
)
from bot.store.repository import Store

__all__ = [
    "AppointmentEntry",
    "ArticleEdit",
    "ArticleRow",
    "ContentEditor",
    "EditStatus",
    "NoShow",
    "OfferEdit",
    "OfficeEdit",
    "SlotEntry",
    "SlotRemoval",
]


def _office(row: Office, offers: list[OfficeService]) -> OfficeEdit:
    return OfficeEdit(
        row.id,
        dict(row.name),
        row.region_id,
        row.address,
        row.phone,
        row.timezone,
        tuple(row.languages),
        row.interpreter,
        dict(row.hours),
        tuple(date.fromisoformat(d) for d in row.closed),
        row.active,
        tuple(OfferEdit(o.service_id, o.minutes, o.capacity) for o in offers),
    )


class ContentEditor:
    """The console's reads and writes of the content, over the :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- articles ------------------------------------------------------------------------
    def articles(self) -> list[ArticleRow]:
        """Every article, active or not, by topic."""
        with self.store.session() as session:
            titles: dict[str, dict[str, str]] = {}
            for article_id, lang, title in session.execute(
                select(ArticleText.article_id, ArticleText.lang, ArticleText.title)
            ):
                titles.setdefault(article_id, {})[lang] = title
            return [
                ArticleRow(
                    a.id,
                    a.topic,
                    tuple(a.regions),
                    tuple(a.audiences),
                    a.reviewed,
                    a.active,
                    titles.get(a.id, {}),
                )
                for a in session.scalars(select(Article).order_by(Article.topic, Article.id))
            ]

    def article(self, article_id: str) -> ArticleEdit | None:
        with self.store.session() as session:
            row = session.get(Article, article_id)
            if row is None:
                return None
            texts = {
                t.lang: (t.title, t.body)
                for t in session.scalars(
                    select(ArticleText).where(ArticleText.article_id == article_id)
                )
            }
            return ArticleEdit(
                row.id,
                row.topic,
                tuple(row.regions),
                tuple(row.audiences),
                row.source_title,
                row.source_url,
                row.reviewed,
                row.active,
                texts,
            )

    def save_article(self, edit: ArticleEdit, *, new: bool) -> EditStatus:
        """Create (``new``) or update an article and replace its translations."""
        try:
            with self.store.session() as session, session.begin():
                row = session.get(Article, edit.id, with_for_update=True)
                status = _check(row, new)
                if status is not None:
                    return status
                if row is None:
                    row = Article(id=edit.id)
                    session.add(row)
                row.topic = edit.topic
                row.regions = list(edit.regions)
                row.audiences = list(edit.audiences)
                row.source_title = edit.source_title
                row.source_url = edit.source_url
                row.reviewed = edit.reviewed
                row.active = edit.active
                row.revision = (row.revision or 0) + 1  # the bot's index follows
                session.flush()
                existing = {
                    t.lang: t
                    for t in session.scalars(
                        select(ArticleText).where(ArticleText.article_id == edit.id)
                    )
                }
                for lang, text in existing.items():
                    if lang not in edit.texts:
                        session.delete(text)
                for lang, (title, body) in edit.texts.items():
                    if lang in existing:
                        existing[lang].title, existing[lang].body = title, body
                    else:
                        session.add(
                            ArticleText(article_id=edit.id, lang=lang, title=title, body=body)
                        )
                return EditStatus.SAVED
        except IntegrityError:  # created by a concurrent request
            return EditStatus.EXISTS

    # -- offices and services ----------------------------------------------------------
    def offices(self) -> list[OfficeEdit]:
        """Every office, active or not."""
        with self.store.session() as session:
            offers: dict[str, list[OfficeService]] = {}
            for offer in session.scalars(
                select(OfficeService).order_by(OfficeService.office_id, OfficeService.service_id)
            ):
                offers.setdefault(offer.office_id, []).append(offer)
            return [
                _office(row, offers.get(row.id, []))
                for row in session.scalars(select(Office).order_by(Office.id))
            ]

    def office(self, office_id: str) -> OfficeEdit | None:
        with self.store.session() as session:
            row = session.get(Office, office_id)
            if row is None:
                return None
            return _office(
                row,
                list(
                    session.scalars(
                        select(OfficeService)
                        .where(OfficeService.office_id == office_id)
                        .order_by(OfficeService.service_id)
                    )
                ),
            )

    def save_office(self, edit: OfficeEdit, *, new: bool) -> EditStatus:
        """Create or update an office and the services it offers (a service's own
        hours, set in the content files, are kept)."""
        try:
            with self.store.session() as session, session.begin():
                row = session.get(Office, edit.id, with_for_update=True)
                status = _check(row, new)
                if status is not None:
                    return status
                if row is None:
                    row = Office(id=edit.id, source="")
                    session.add(row)
                row.name = dict(edit.name)
                row.region_id = edit.region
                row.address = edit.address
                row.phone = edit.phone
                row.timezone = edit.timezone
                row.languages = list(edit.languages)
                row.interpreter = edit.interpreter
                row.hours = {day: list(ranges) for day, ranges in edit.hours.items()}
                row.closed = sorted(d.isoformat() for d in edit.closed)
                row.active = edit.active
                session.flush()
                offered = [offer.service_id for offer in edit.offers]
                session.execute(
                    delete(OfficeService).where(
                        OfficeService.office_id == edit.id, OfficeService.service_id.not_in(offered)
                    )
                )
                for offer in edit.offers:
                    current = session.get(OfficeService, (edit.id, offer.service_id))
                    if current is None:
                        session.add(
                            OfficeService(
                                office_id=edit.id,
                                service_id=offer.service_id,
                                minutes=offer.minutes,
                                capacity=offer.capacity,
                                hours=None,
                            )
                        )
                    else:
                        current.minutes, current.capacity = offer.minutes, offer.capacity
                return EditStatus.SAVED
        except IntegrityError:
            return EditStatus.EXISTS

    def services(self) -> list[ServiceView]:
        """Every bookable service, offered somewhere or not."""
        with self.store.session() as session:
            return [
                ServiceView(r.id, dict(r.name))
                for r in session.scalars(
                    select(BookableService).order_by(BookableService.position, BookableService.id)
                )
            ]

    def save_service(self, edit: ServiceView, *, new: bool) -> EditStatus:
        """Create a service (listed last) or rename one."""
        try:
            with self.store.session() as session, session.begin():
                row = session.get(BookableService, edit.id, with_for_update=True)
                status = _check(row, new)
                if status is not None:
                    return status
                if row is None:
                    last = session.scalar(select(func.max(BookableService.position)))
                    row = BookableService(id=edit.id, position=(last or 0) + 1)
                    session.add(row)
                row.name = dict(edit.name)
                return EditStatus.SAVED
        except IntegrityError:
            return EditStatus.EXISTS

    # -- slots ---------------------------------------------------------------------------
    def slots(self, office_id: str, start: datetime, end: datetime) -> list[SlotEntry]:
        """An office's slots starting between two moments, booked or free."""
        with self.store.session() as session:
            return [
                SlotEntry(
                    r.id, r.service_id, r.starts_at, r.ends_at, r.capacity, r.booked, r.origin
                )
                for r in session.scalars(
                    select(Slot)
                    .where(
                        Slot.office_id == office_id, Slot.starts_at >= start, Slot.starts_at < end
                    )
                    .order_by(Slot.starts_at, Slot.service_id)
                )
            ]

    def remove_slot(self, office_id: str, slot_id: int) -> SlotRemoval:
        """Remove one of an office's slots, unless someone booked it (ever)."""
        with self.store.session() as session, session.begin():
            row = session.get(Slot, slot_id, with_for_update=True)
            if row is None or row.office_id != office_id:
                return SlotRemoval.GONE
            if row.booked > 0:
                return SlotRemoval.BOOKED
            referred = exists().where(Appointment.slot_id == slot_id)
            if session.scalar(select(referred)):
                return SlotRemoval.HISTORY
            removed: int = session.execute(
                delete(Slot)
                .where(Slot.id == slot_id, Slot.booked == 0, ~referred)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            return SlotRemoval.REMOVED if removed == 1 else SlotRemoval.BOOKED

    # -- appointments --------------------------------------------------------------------
    def appointments(
        self, office_id: str, start: datetime, end: datetime, *, limit: int = 500
    ) -> list[AppointmentEntry]:
        """An office's appointments in every status whose slot starts between two
        moments, soonest first."""
        with self.store.session() as session:
            rows = session.execute(
                select(Appointment, Slot, Office, BookableService)
                .join(Slot, Appointment.slot_id == Slot.id)
                .join(Office, Slot.office_id == Office.id)
                .join(BookableService, Slot.service_id == BookableService.id)
                .where(Slot.office_id == office_id, Slot.starts_at >= start, Slot.starts_at < end)
                .order_by(Slot.starts_at, Appointment.id)
                .limit(limit)
            ).all()
            return [
                AppointmentEntry(
                    a.id,
                    a.status,
                    a.language,
                    s.id,
                    s.starts_at,
                    s.ends_at,
                    o.id,
                    dict(o.name),
                    o.timezone,
                    b.id,
                    dict(b.name),
                    a.cancelled_by,
                )
                for a, s, o, b in rows
            ]

    def mark_no_show(self, appointment_id: int, now: datetime) -> NoShow:
        """Record that the person did not come to a booked appointment that has begun."""
        with self.store.session() as session, session.begin():
            row = session.get(Appointment, appointment_id, with_for_update=True)
            if row is None:
                return NoShow.GONE
            slot = session.get(Slot, row.slot_id)
            assert slot is not None
            if row.status != "booked":
                return NoShow.NOT_BOOKED
            if slot.starts_at > now:
                return NoShow.NOT_STARTED
            changed: int = session.execute(
                update(Appointment)
                .where(Appointment.id == row.id, Appointment.status == "booked")
                .values(status="no_show")
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if changed != 1:
                return NoShow.NOT_BOOKED
            session.execute(
                update(Slot).where(Slot.id == row.slot_id).values(booked=Slot.booked - 1)
            )
            session.execute(
                delete(Reminder).where(
                    Reminder.appointment_id == row.id, Reminder.sent_at.is_(None)
                )
            )
            return NoShow.MARKED


def _check(row: object | None, new: bool) -> EditStatus | None:
    """Refuse creating what exists and changing what does not."""
    if new and row is not None:
        return EditStatus.EXISTS
    if not new and row is None:
        return EditStatus.GONE
    return None
