"""What every console page needs of the staff accounts: signing in, sessions, linking an
account to a new mediator record, and the audit log — through the store's
:class:`~bot.store.staff.StaffBook`, so the web never touches the store. Managing
accounts (creating, roles, second factor) is :mod:`bot.services.staff_accounts`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.staff import AuditView, SessionView, SignInResult, StaffView
from bot.store.repository import Store
from bot.store.staff import StaffBook

__all__ = ["ConsoleStaff"]


class ConsoleStaff:
    """Sign-in, sessions and the audit log, over the :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._book = StaffBook(store)

    # -- signing in ------------------------------------------------------------------------
    def sign_in(self, username: str, password: str, address: str, now: datetime) -> SignInResult:
        return self._book.sign_in(username, password, address, now)

    def start_session(
        self, user_id: int, now: datetime, *, pending: str | None = None
    ) -> tuple[str, str]:
        """A new session: (token, CSRF token)."""
        return self._book.start_session(user_id, now, pending=pending)

    def session(self, token: str, now: datetime, *, touch: bool = True) -> SessionView | None:
        return self._book.session(token, now, touch=touch)

    def end_session(self, token: str) -> None:
        self._book.end_session(token)

    def link_new_mediator(
        self, user_id: int, languages: Sequence[str], timezone: str, now: datetime
    ) -> int:
        return self._book.link_new_mediator(user_id, languages, timezone, now)

    # -- the audit log ---------------------------------------------------------------------
    def audit(
        self,
        user: StaffView | str | None,
        action: str,
        target: str,
        now: datetime,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self._book.audit(user, action, target, now, detail)

    def audit_entries(
        self,
        *,
        limit: int = 200,
        before: int | None = None,
        username: str | None = None,
        action: str | None = None,
    ) -> list[AuditView]:
        return self._book.audit_entries(
            limit=limit, before=before, username=username, action=action
        )

    def all_audit_entries(self, batch: int = 500) -> Iterator[AuditView]:
        return self._book.all_audit_entries(batch)

    def audit_actions(self) -> list[str]:
        return self._book.audit_actions()
