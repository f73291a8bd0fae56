"""The cases as the mediators' Telegram staff group works on them: who is on duty, the
case behind a topic or a number, claiming, replying, notes, finishing — each one
transaction in the store, each action of a mediator written to the audit log.

The staff group's channel (:mod:`bot.channels.telegram_staff`) only translates between
Telegram and these calls; it never touches the store itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.cases import CaseStatus, CaseView, MediatorView
from bot.store.cases import CaseBook
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import Store
from bot.store.staff import StaffBook

__all__ = ["StaffGroupCases"]


class StaffGroupCases:
    """What the staff group reads and changes, over the :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cases = CaseBook(store)
        self._regions = KnowledgeStore(store)
        self._staff = StaffBook(store)

    # -- reading ---------------------------------------------------------------------------
    def on_duty(self, now: datetime) -> list[MediatorView]:
        return self._cases.on_duty(now)

    def mediator(self, mediator_id: int) -> MediatorView | None:
        return self._cases.mediator(mediator_id)

    def mediator_by_telegram(self, telegram_user_id: int) -> MediatorView | None:
        return self._cases.mediator_by_telegram(telegram_user_id)

    def case(self, case_id: int) -> CaseView | None:
        return self._cases.case(case_id)

    def case_by_thread(self, thread_id: int) -> CaseView | None:
        return self._cases.case_by_thread(thread_id)

    def region_names(self) -> dict[str, dict[str, str]]:
        return self._regions.region_names()

    # -- acting ----------------------------------------------------------------------------
    def claim(self, case_id: int, mediator_id: int, now: datetime) -> CaseStatus:
        return self._cases.claim(case_id, mediator_id, now)

    def finish(self, case_id: int, mediator_id: int, status: str, now: datetime) -> CaseStatus:
        return self._cases.finish(case_id, mediator_id, status, now)

    def reply(
        self, case_id: int, mediator_id: int, kind: str, body: str | None, now: datetime, ref: str
    ) -> CaseStatus:
        """A mediator's message for the person (only from the one who claimed the case)."""
        return self._cases.mediator_message(case_id, mediator_id, kind, body, now, ref=ref)

    def note(self, case_id: int, mediator_id: int, body: str, now: datetime) -> CaseStatus:
        return self._cases.note(case_id, mediator_id, body, now)

    def set_topic(self, case_id: int, thread_id: int, message_id: int | None) -> None:
        """The group's topic (forum thread) and summary message of a case."""
        self._cases.set_staff_topic(case_id, thread_id, message_id)

    def audit(
        self, mediator: str, action: str, target: str, now: datetime, detail: dict[str, Any]
    ) -> None:
        self._staff.audit(mediator, action, target, now, detail)

    def processed(self, inbox_id: int, now: datetime) -> None:
        """A staff-group update handled (nothing for the person's conversation)."""
        self._store.mark_processed(inbox_id, now)
