"""Broadcasts (announcements) as the console and the sending job use them: a draft and
its checks, who it reaches and in which language, the message each person gets, the
schedule and the counts. Returns data; never sends (``bot.runtime.broadcasts`` does,
through the outbox).

A person gets the announcement in their conversation language; a language without a
text (none written, or the catalog message not translated into it) is not sent, and
the console shows how many people that leaves out. Only people who consented to the
current privacy notice, have not turned announcements off and have not blocked the bot
are reached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.engine.announcements import stop_button
from bot.i18n import N_, Catalogs
from bot.messages import OutButton, Outgoing
from bot.settings import SERVED_LANGUAGES
from bot.store.appointments import AppointmentBook
from bot.store.broadcast_delivery import BroadcastDelivery
from bot.store.broadcasts import BroadcastBook, BroadcastRecord
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import Store

__all__ = [
    "BROADCAST_ERRORS",
    "AudienceCount",
    "BroadcastDraft",
    "BroadcastRecord",
    "Broadcasts",
    "Choices",
    "Named",
]

MAX_TEXT = 3500  # under Telegram's 4096, with room for the isolates and the button
BROADCAST_ERRORS = {
    "no_text": N_("console.broadcasts.error.no_text"),
    "unknown_msgid": N_("console.broadcasts.error.unknown_msgid"),
    "both": N_("console.broadcasts.error.both"),
    "too_long": N_("console.broadcasts.error.too_long"),
    "dates": N_("console.broadcasts.error.dates"),
}


@dataclass(frozen=True)
class BroadcastDraft:
    """What an administrator composed: texts per language or a catalog message, and
    who it is for (empty filters mean anyone)."""

    texts: Mapping[str, str] = field(default_factory=dict)
    msgid: str = ""
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    office: str = ""
    first: date | None = None
    last: date | None = None
    note: str = ""

    def audience_json(self) -> dict[str, Any]:
        return {
            "regions": list(self.regions),
            "languages": list(self.languages),
            "situations": list(self.situations),
            "office": self.office,
            "from": self.first.isoformat() if self.first else "",
            "to": self.last.isoformat() if self.last else "",
        }

    @classmethod
    def of(cls, record: BroadcastRecord) -> BroadcastDraft:
        a = record.audience

        def day(value: object) -> date | None:
            return date.fromisoformat(str(value)) if value else None

        return cls(
            {k: str(v) for k, v in record.texts.items()},
            record.msgid or "",
            tuple(a.get("regions", ())),
            tuple(a.get("languages", ())),
            tuple(a.get("situations", ())),
            str(a.get("office", "")),
            day(a.get("from")),
            day(a.get("to")),
            record.note,
        )


@dataclass(frozen=True)
class AudienceCount:
    """Who a draft reaches: per language, those who will get it and those left out
    because their language has no text."""

    reached: Mapping[str, int]
    excluded: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.reached.values())

    @property
    def left_out(self) -> int:
        return sum(self.excluded.values())


@dataclass(frozen=True)
class Named:
    id: str
    name: Mapping[str, str]


@dataclass(frozen=True)
class Choices:
    """What the compose form offers."""

    languages: tuple[str, ...]
    regions: list[Named]
    situations: list[Named]
    offices: list[Named]
    msgids: list[str]


class Broadcasts:
    """Composing, counting, previewing, scheduling and cancelling broadcasts; and what
    the sending job needs (the recipients, their messages, the counts)."""

    def __init__(
        self,
        store: Store,
        catalogs: Catalogs,
        consent_version: str,
        served: Sequence[str] = SERVED_LANGUAGES,
    ) -> None:
        self.book = BroadcastBook(store)
        self.delivery = BroadcastDelivery(store)
        self.places = AppointmentBook(store)
        self.knowledge = KnowledgeStore(store)
        self.catalogs = catalogs
        self.consent_version = consent_version
        self.served = tuple(served)

    # -- composing -----------------------------------------------------------------------
    def choices(self) -> Choices:
        return Choices(
            self.served,
            [Named(c.id, c.name) for c in self.knowledge.regions()],
            [Named(c.id, c.name) for c in self.knowledge.audiences()],
            [Named(o.id, o.name) for o in self.places.offices()],
            self.catalog_messages(),
        )

    def catalog_messages(self) -> list[str]:
        """Catalog messages an announcement can be: the people's texts without
        placeholders (not the console's own)."""
        english = self.catalogs.translator("en")
        return sorted(
            m
            for m in self.catalogs.msgids("en")
            if not m.startswith("console.") and "{" not in english.gettext(m)
        )

    def check(self, draft: BroadcastDraft) -> list[str]:
        """The problems of a draft, as message ids (none: it can be sent)."""
        problems = []
        written = any(t.strip() for t in draft.texts.values())
        if draft.msgid and written:
            problems.append(BROADCAST_ERRORS["both"])
        elif draft.msgid and draft.msgid not in self.catalog_messages():
            problems.append(BROADCAST_ERRORS["unknown_msgid"])
        elif not draft.msgid and not written:
            problems.append(BROADCAST_ERRORS["no_text"])
        if any(len(t) > MAX_TEXT for t in draft.texts.values()):
            problems.append(BROADCAST_ERRORS["too_long"])
        if draft.first and draft.last and draft.last < draft.first:
            problems.append(BROADCAST_ERRORS["dates"])
        return problems

    def texts(self, draft: BroadcastDraft) -> dict[str, str]:
        """The text each served language gets (a language without one is left out)."""
        if draft.msgid:
            return {
                lang: self.catalogs.translator(lang).gettext(draft.msgid)
                for lang in self.served
                if self.catalogs.translator(lang).has(draft.msgid)
            }
        return {
            lang: text.strip()
            for lang, text in draft.texts.items()
            if lang in self.served and text.strip()
        }

    def message(self, text: str, lang: str, chat_id: str = "") -> Outgoing:
        """The announcement as the person gets it, with the "stop these messages" button."""
        t = self.catalogs.translator(lang)
        button = stop_button()
        label = f"{button.icon} {t.gettext(button.label)}"
        return Outgoing(chat_id, text, t.lang, t.direction, ((OutButton(label, button.payload),),))

    def preview(self, draft: BroadcastDraft) -> list[Outgoing]:
        """The message in each language that has a text."""
        texts = self.texts(draft)
        return [self.message(texts[lang], lang) for lang in self.served if lang in texts]

    # -- the audience --------------------------------------------------------------------
    def recipients(self, draft: BroadcastDraft) -> tuple[list[tuple[int, str]], AudienceCount]:
        """(user id, language) of everyone the draft reaches now, and the counts."""
        start = end = None
        if draft.office:
            office = self.places.office(draft.office)
            zone = ZoneInfo(office.timezone if office else "UTC")
            if draft.first:
                start = datetime.combine(draft.first, time(0, 0), zone)
            if draft.last:
                end = datetime.combine(draft.last + timedelta(days=1), time(0, 0), zone)
        texts = self.texts(draft)
        reached: Counter[str] = Counter()
        excluded: Counter[str] = Counter()
        people: list[tuple[int, str]] = []
        for person in self.book.candidates(self.consent_version, draft.office, start, end):
            state = person.state
            values = state.get("vars") or {}
            lang = str(state.get("lang") or person.language or "")
            if lang not in self.served:
                continue
            if draft.languages and lang not in draft.languages:
                continue
            if draft.regions and values.get("region") not in draft.regions:
                continue
            if draft.situations and values.get("audience") not in draft.situations:
                continue
            if lang in texts:
                reached[lang] += 1
                people.append((person.user_id, lang))
            else:
                excluded[lang] += 1
        return people, AudienceCount(dict(reached), dict(excluded))

    # -- the records ---------------------------------------------------------------------
    def create(self, draft: BroadcastDraft, by: str, now: datetime) -> int:
        return self.book.create(
            draft.texts, draft.msgid or None, draft.audience_json(), draft.note, by, now
        )

    def update(self, broadcast_id: int, draft: BroadcastDraft) -> bool:
        return self.book.update_draft(
            broadcast_id, draft.texts, draft.msgid or None, draft.audience_json(), draft.note
        )

    def get(self, broadcast_id: int) -> BroadcastRecord | None:
        return self.book.get(broadcast_id)

    def latest(self) -> list[BroadcastRecord]:
        return self.book.latest()

    def schedule(self, broadcast_id: int, at: datetime) -> bool:
        """Send at ``at`` (now or later: the sending job picks it up then)."""
        return self.book.schedule(broadcast_id, at)

    def cancel(self, broadcast_id: int, now: datetime) -> bool:
        return self.book.cancel(broadcast_id, now)

    # -- for the sending job -------------------------------------------------------------
    def write_recipients(self, record: BroadcastRecord, now: datetime) -> int:
        """Write the audience down (once) as sending starts."""
        if record.recipients is not None:
            return record.recipients
        people, _ = self.recipients(BroadcastDraft.of(record))
        return self.delivery.write_recipients(record.id, people, now)

    def queue_next(self, record: BroadcastRecord, now: datetime, limit: int = 50) -> int:
        """Put the next pending recipients' messages in the outbox; how many."""
        texts = self.texts(BroadcastDraft.of(record))
        waiting = self.delivery.waiting(record.id, limit)
        if not waiting:
            return 0
        messages = [
            (
                w.id,
                self.message(texts[w.language], w.language, w.chat_id).to_dict()
                if w.language in texts
                else None,  # its text was taken away meanwhile
            )
            for w in waiting
        ]
        return self.delivery.enqueue(record.id, messages, now)
