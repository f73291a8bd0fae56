"""Console accounts as everyone sees them: an account, a signed-in session, a sign-in's
outcome, an audit log entry, and what the hourly clean-up deleted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["AuditView", "Expired", "SessionView", "SignIn", "SignInResult", "StaffView"]


@dataclass(frozen=True)
class Expired:
    """What :meth:`StaffBook.expire` deleted."""

    sessions: int
    sign_in_failures: int
    audit_entries: int

    @property
    def total(self) -> int:
        return self.sessions + self.sign_in_failures + self.audit_entries


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    role: str
    mediator_id: int | None
    #: The languages of the linked mediator (empty for an admin without one).
    languages: tuple[str, ...]
    language: str | None
    active: bool
    last_login_at: datetime | None
    #: Signed in with a temporary password: must choose a new one first.
    must_change_password: bool = False
    #: Has a second factor (TOTP).
    totp: bool = False
    #: The linked mediator's name, and whether they switched themselves away.
    mediator_name: str | None = None
    away: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class SessionView:
    user: StaffView
    csrf: str
    expires_at: datetime
    #: "code" while the second factor is still to be given.
    pending: str | None = None


class SignIn(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown name, wrong password or a disabled account: one answer
    LIMITED = "limited"  # too many failures lately


@dataclass(frozen=True)
class SignInResult:
    status: SignIn
    user: StaffView | None = None


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    username: str
    action: str
    target: str
    detail: Mapping[str, Any]
