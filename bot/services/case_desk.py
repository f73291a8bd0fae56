"""The console's case desk: who may see which case, searching and paging the cases,
what changed since a page last looked (for its live updates), and replying — which
claims a waiting case.

Everything here keeps to what the mediator may see (:func:`may_see`, and the same rule
in SQL in :mod:`bot.store.case_search`), so neither a search nor a live update ever
names a case the mediator may not open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.store.case_search import (
    CaseChange,
    CaseSearch,
    changes_after,
    find_cases,
    latest_event,
    visible_open,
)
from bot.store.cases import (
    OPEN,
    URGENCIES,
    CaseBook,
    CaseMessageView,
    CaseStatus,
    CaseView,
    Visibility,
    open_to_all,
)
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import Store
from bot.store.staff import StaffView

__all__ = [
    "PAGE_SIZE",
    "STATUS_CHOICES",
    "URGENCIES",
    "CaseChange",
    "CaseDesk",
    "CaseMessageView",
    "CasePage",
    "CaseStatus",
    "CaseView",
    "Replied",
    "Viewer",
    "may_see",
    "read_query",
]

#: Cases on one page of the queue.
PAGE_SIZE = 50
#: The queue's status filter: open (waiting or taken), one status, or all.
STATUS_CHOICES = ("open", "queued", "claimed", "closed", "returned", "all")
_MAX_WORDS = 5
_NUMBER = re.compile(r"#?\s*(\d{1,9})")


@dataclass(frozen=True)
class Viewer:
    """Who looks at the cases: a mediator's languages and record, or an admin."""

    languages: tuple[str, ...]
    mediator_id: int | None
    is_admin: bool

    @classmethod
    def of(cls, user: StaffView) -> Viewer:
        return cls(tuple(user.languages), user.mediator_id, user.is_admin)

    @property
    def visibility(self) -> Visibility:
        return None if self.is_admin else (self.languages, self.mediator_id)


@dataclass(frozen=True)
class CasePage:
    """One page of found cases."""

    cases: list[CaseView]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Replied:
    """What a reply did: sent (``DONE``) or why not; ``claimed`` when sending it claimed
    the waiting case; ``case`` as it is after (who holds it, for a refusal)."""

    status: CaseStatus
    claimed: bool
    case: CaseView | None


def may_see(viewer: Viewer, case: CaseView, covered: Iterable[str] = ()) -> bool:
    """An admin sees every case; a mediator theirs, those in their languages, and the
    waiting cases open to all (emergencies, languages nobody on duty speaks)."""
    return (
        viewer.is_admin
        or case.language in viewer.languages
        or (viewer.mediator_id is not None and case.mediator_id == viewer.mediator_id)
        or open_to_all(case, covered)
    )


def read_query(
    q: str,
    *,
    status: str = "open",
    language: str | None = None,
    urgency: str | None = None,
    newest: bool = False,
    page: int = 1,
) -> CaseSearch:
    """A search from the queue's filters: ``q`` is a case number (``12``, ``#12``) or
    words (at most five, each of two characters or more); ``page`` counts from 1."""
    text = q.strip()
    number = _NUMBER.fullmatch(text)
    words = tuple(dict.fromkeys(w for w in text.lower().split() if len(w) >= 2))[:_MAX_WORDS]
    statuses = (
        OPEN
        if status == "open"
        else ("queued", "claimed", "closed", "returned")
        if status == "all"
        else (status,)
    )
    return CaseSearch(
        statuses=statuses,
        number=int(number.group(1)) if number else None,
        language=language,
        urgency=urgency,
        words=() if number else words,
        newest=newest,
        offset=(max(page, 1) - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )


class CaseDesk:
    """The console's case functions over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.book = CaseBook(store)

    def covered(self, now: datetime) -> frozenset[str]:
        return self.book.covered_languages(now)

    def case(self, case_id: int, viewer: Viewer, now: datetime) -> CaseView | None:
        """The case, when the viewer may see it (a missing case and a case not theirs
        look the same)."""
        case = self.book.case(case_id)
        if case is None or not may_see(viewer, case, self.covered(now)):
            return None
        return case

    def transcript(self, case_id: int, after: int = 0) -> list[CaseMessageView]:
        """The case's messages (those after message ``after``)."""
        return [m for m in self.book.transcript(case_id) if m.id > after]

    def region_names(self) -> dict[str, dict[str, str]]:
        return KnowledgeStore(self.store).region_names()

    def search(self, viewer: Viewer, search: CaseSearch, now: datetime) -> CasePage:
        found = find_cases(self.store, search, viewer.visibility, self.covered(now))
        pages = max(1, -(-found.total // search.limit))
        return CasePage(found.cases, found.total, search.offset // search.limit + 1, pages)

    # -- live updates --------------------------------------------------------------------
    def latest(self) -> int:
        """The newest change of any case (an id to compare, nothing about the case)."""
        return latest_event(self.store)

    def changes(self, viewer: Viewer, after: int, now: datetime) -> list[CaseChange]:
        """The changes after ``after`` of the cases the viewer may see now."""
        return changes_after(self.store, after, viewer.visibility, self.covered(now))

    def open_cases(self, viewer: Viewer, now: datetime) -> frozenset[int]:
        """The open cases the viewer may see now."""
        return visible_open(self.store, viewer.visibility, self.covered(now))

    # -- acting ----------------------------------------------------------------------------
    def claim(self, case_id: int, mediator_id: int, now: datetime) -> CaseStatus:
        return self.book.claim(case_id, mediator_id, now)

    def finish(self, case_id: int, mediator_id: int, status: str, now: datetime) -> CaseStatus:
        """Close the case (``closed``) or return it to the bot (``returned``)."""
        return self.book.finish(case_id, mediator_id, status, now)

    def note(self, case_id: int, mediator_id: int, text: str, now: datetime) -> CaseStatus:
        """An internal note, never sent to the person."""
        return self.book.note(case_id, mediator_id, text, now, source="console")

    def reply(self, case_id: int, mediator_id: int, text: str, now: datetime) -> Replied:
        """Send the mediator's text to the person. A waiting case is claimed by it first;
        of two mediators replying at once one claims it and sends, the other is refused
        (``TAKEN``) and told who took it."""
        claimed = False
        case = self.book.case(case_id)
        if case is not None and case.status == "queued":
            status = self.book.claim(case_id, mediator_id, now)
            if status not in (CaseStatus.DONE, CaseStatus.YOURS):
                return Replied(status, False, self.book.case(case_id))
            claimed = status == CaseStatus.DONE
        status = self.book.mediator_message(
            case_id, mediator_id, "text", text, now, source="console"
        )
        return Replied(status, claimed, self.book.case(case_id))
