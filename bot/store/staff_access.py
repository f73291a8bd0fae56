"""How console accounts get in: one-time sign-in links, temporary passwords, roles and
the last administrator, the second factor (TOTP) and the sessions waiting for it.

A link's token, like a session's, is stored only as its SHA-256 (:func:`hash_token`).
A TOTP secret is stored as given (it must be, to check codes) and never leaves this
module but to the enrolment page of its own account; the last time step accepted is
kept, so a code is accepted once. Failed codes are counted in ``login_failures`` like
failed passwords.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.store.models import LoginFailure, Mediator, SignInLink, StaffSession, StaffUser
from bot.store.repository import Store
from bot.store.staff import ROLES, StaffBook, StaffView, check_password, hash_token

__all__ = ["CODE_LIMIT", "LastAdmin", "StaffAccess", "TotpState"]

#: Failed codes allowed per account within the window.
CODE_LIMIT = 5
_WINDOW = timedelta(minutes=15)


class LastAdmin(ValueError):
    """The change would leave no active administrator."""


@dataclass(frozen=True)
class TotpState:
    secret: str | None
    pending: str | None
    last_step: int | None


class StaffAccess:
    """Links, passwords, roles and second factors of console accounts, by account id."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hasher = PasswordHasher()

    # -- links and passwords -------------------------------------------------------------

    def issue_link(self, user_id: int, purpose: str, now: datetime, lifetime: timedelta) -> str:
        """A new one-time link's token; the account's earlier unused links end."""
        token = secrets.token_urlsafe(32)
        with self.store.session() as session, session.begin():
            session.execute(
                delete(SignInLink).where(
                    SignInLink.user_id == user_id, SignInLink.used_at.is_(None)
                )
            )
            session.add(
                SignInLink(
                    token_hash=hash_token(token),
                    user_id=user_id,
                    purpose=purpose,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
        return token

    def link_account(self, token: str, now: datetime) -> StaffView | None:
        """The active account a link opens, while it is unused and unexpired."""
        with self.store.session() as session, session.begin():
            user = self._link_user(session, token, now)
            return _view(session, user) if user else None

    def use_link(self, token: str, password: str, now: datetime) -> StaffView | None:
        """Set the password through a link, once; the account's sessions end."""
        check_password(password)
        with self.store.session() as session, session.begin():
            user = self._link_user(session, token, now, lock=True)
            if user is None:
                return None
            session.execute(
                update(SignInLink)
                .where(SignInLink.token_hash == hash_token(token))
                .values(used_at=now)
            )
            user.password_hash = self.hasher.hash(password)
            user.must_change_password = False
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            return _view(session, user)

    @staticmethod
    def _link_user(
        session: Session, token: str, now: datetime, *, lock: bool = False
    ) -> StaffUser | None:
        if not token:
            return None
        query = select(SignInLink).where(
            SignInLink.token_hash == hash_token(token),
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        link = session.scalar(query.with_for_update() if lock else query)
        if link is None:
            return None
        user = session.get(StaffUser, link.user_id)
        return user if user is not None and user.active else None

    def set_temporary_password(self, user_id: int, password: str) -> bool:
        """A password the account must change at its next sign-in; its sessions end and
        its unused links stop working."""
        check_password(password)
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None:
                return False
            user.password_hash = self.hasher.hash(password)
            user.must_change_password = True
            session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
            session.execute(
                delete(SignInLink).where(
                    SignInLink.user_id == user_id, SignInLink.used_at.is_(None)
                )
            )
            return True

    def change_password(self, user_id: int, current: str, new: str, keep_token: str) -> bool:
        """The account's own change: the current password is checked; the account's other
        sessions end, the one with ``keep_token`` goes on."""
        check_password(new)
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None or not self._verify(user.password_hash, current):
                return False
            user.password_hash = self.hasher.hash(new)
            user.must_change_password = False
            session.execute(
                delete(StaffSession).where(
                    StaffSession.user_id == user_id,
                    StaffSession.token_hash != hash_token(keep_token),
                )
            )
            return True

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- roles, enabling, mediators ------------------------------------------------------

    def set_active(self, user_id: int, active: bool) -> StaffView | None:
        """Enable or disable an account (its sessions end); :class:`LastAdmin` when it is
        the last active administrator."""
        with self.store.session() as session, session.begin():
            _lock_admins(session)
            user = session.get(StaffUser, user_id)
            if user is None:
                return None
            user.active = active
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
            _keep_an_admin(session)
            return _view(session, user)

    def set_role(self, user_id: int, role: str) -> StaffView | None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.store.session() as session, session.begin():
            _lock_admins(session)
            user = session.get(StaffUser, user_id)
            if user is None:
                return None
            user.role = role
            _keep_an_admin(session)
            return _view(session, user)

    def link_mediator(self, user_id: int, mediator_id: int | None) -> StaffView | None:
        """Link the account to a mediator record (one account per record), or unlink it."""
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None:
                return None
            if mediator_id is not None:
                if session.get(Mediator, mediator_id) is None:
                    raise ValueError("no such mediator")
                other = session.scalar(
                    select(StaffUser.id).where(
                        StaffUser.mediator_id == mediator_id, StaffUser.id != user_id
                    )
                )
                if other is not None:
                    raise ValueError("that mediator has an account already")
            user.mediator_id = mediator_id
            return _view(session, user)

    # -- the second factor ---------------------------------------------------------------

    def totp(self, user_id: int) -> TotpState | None:
        with self.store.session() as session:
            user = session.get(StaffUser, user_id)
            if user is None:
                return None
            return TotpState(user.totp_secret, user.totp_pending, user.totp_last_step)

    def begin_totp(self, user_id: int, secret: str) -> None:
        """Keep a secret being enrolled until a code from it confirms it."""
        with self.store.session() as session, session.begin():
            session.execute(
                update(StaffUser).where(StaffUser.id == user_id).values(totp_pending=secret)
            )

    def confirm_totp(self, user_id: int, step: int) -> bool:
        """The pending secret becomes the account's, its code's step used."""
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None or user.totp_pending is None:
                return False
            user.totp_secret, user.totp_pending = user.totp_pending, None
            user.totp_last_step = step
            return True

    def accept_step(self, user_id: int, step: int) -> bool:
        """Use a code's time step once: False when it (or a later one) was used."""
        with self.store.session() as session, session.begin():
            result = session.execute(
                update(StaffUser)
                .where(
                    StaffUser.id == user_id,
                    or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
                )
                .values(totp_last_step=step)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def clear_totp(self, user_id: int) -> bool:
        """Remove the account's second factor (and any being enrolled)."""
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None:
                return False
            user.totp_secret = user.totp_pending = user.totp_last_step = None
            return True

    def code_failures(self, user_id: int, now: datetime) -> int:
        with self.store.session() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.key == _code_key(user_id), LoginFailure.at > now - _WINDOW)
                )
                or 0
            )

    def code_failed(self, user_id: int, now: datetime) -> None:
        with self.store.session() as session, session.begin():
            session.add(LoginFailure(key=_code_key(user_id), at=now))

    def code_passed(self, user_id: int, token: str) -> None:
        """The session has its second factor; the account's failed codes are forgotten."""
        with self.store.session() as session, session.begin():
            session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == hash_token(token))
                .values(pending=None)
            )
            session.execute(delete(LoginFailure).where(LoginFailure.key == _code_key(user_id)))


def _code_key(user_id: int) -> str:
    return f"code:{user_id}"


def _lock_admins(session: Session) -> None:
    """Hold the administrators' rows (PostgreSQL), so two admins demoting each other at
    once cannot both pass :func:`_keep_an_admin`."""
    session.execute(select(StaffUser.id).where(StaffUser.role == "admin").with_for_update())


def _keep_an_admin(session: Session) -> None:
    session.flush()
    admins = session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .where(StaffUser.role == "admin", StaffUser.active.is_(True))
    )
    if not admins:
        raise LastAdmin("no active administrator would be left")


def _view(session: Session, user: StaffUser) -> StaffView:
    mediator = session.get(Mediator, user.mediator_id) if user.mediator_id else None
    return StaffBook.view(user, mediator)
