"""Staff accounts for the web console: passwords, sessions, sign-in limits, audit log.

Passwords are hashed with argon2id (``argon2-cffi``'s defaults, rehashed on sign-in
when those change). A session cookie holds a random token; the database keeps only its
SHA-256, so a copy of the database does not sign anyone in. Failed sign-ins are
counted in the database per account name and per address, so the limit holds across
workers. Every staff read of a conversation and every change goes to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from bot.store.models import AuditEntry, LoginFailure, Mediator, StaffSession, StaffUser
from bot.store.repository import Store

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "AuditView",
    "Expired",
    "SessionView",
    "SignIn",
    "SignInResult",
    "StaffBook",
    "StaffView",
    "check_password",
    "hash_token",
]

ROLES = ("admin", "mediator")
MIN_PASSWORD = 12
#: Failed sign-ins allowed per account name, and per address, within the window.
_USER_LIMIT = 5
_ADDRESS_LIMIT = 20
_WINDOW = timedelta(minutes=15)
#: A session ends this long after sign-in, or after this long unused.
_LIFETIME = timedelta(hours=12)
_IDLE = timedelta(hours=2)
# Verified against when the account does not exist, so both cases take as long.
_DUMMY = (
    "$argon2id$v=19$m=65536,t=3,p=4$HRyRXC7jO8dZILE1RgwN7Q$"
    "5kry07/BH29XXAT/hvKv5PlIQTgMKWWe73q+5l1lZLo"
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


class StaffBook:
    """Staff accounts, sessions and the audit log over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hasher = PasswordHasher()

    # -- accounts ----------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        now: datetime,
        *,
        mediator_id: int | None = None,
        language: str | None = None,
    ) -> StaffView:
        """A new account; ``ValueError`` names what is wrong."""
        username = username.strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise ValueError("the name must be 1-64 characters without spaces")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        check_password(password)
        with self.store.session() as session, session.begin():
            if mediator_id is not None and session.get(Mediator, mediator_id) is None:
                raise ValueError("no such mediator")
            user = StaffUser(
                username=username,
                password_hash=self.hasher.hash(password),
                role=role,
                mediator_id=mediator_id,
                language=language,
                active=True,
                created_at=now,
            )
            session.add(user)
            try:
                session.flush()
            except IntegrityError:
                raise ValueError(f"an account named {username!r} exists") from None
            return self.view(user, session.get(Mediator, mediator_id) if mediator_id else None)

    def link_new_mediator(
        self, user_id: int, languages: Sequence[str], timezone: str, now: datetime
    ) -> int:
        """Make an account a mediator in one step: a mediator record named after the
        account (no weekly hours: never counted on duty), linked to it. Returns its id;
        an account already linked keeps its mediator."""
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None:
                raise ValueError("no such account")
            if user.mediator_id is not None:
                return user.mediator_id
            name = user.username
            taken = {n for n in session.scalars(select(Mediator.name))}
            suffix = 2
            while name in taken:
                name, suffix = f"{user.username} ({suffix})", suffix + 1
            mediator = Mediator(
                name=name,
                languages=list(languages),
                hours={},
                timezone=timezone,
                show_name=False,
                active=True,
                created_at=now,
            )
            session.add(mediator)
            session.flush()
            user.mediator_id = mediator.id
            return mediator.id

    def users(self) -> list[StaffView]:
        with self.store.session() as session, session.begin():
            rows = session.execute(
                select(StaffUser, Mediator)
                .outerjoin(Mediator, StaffUser.mediator_id == Mediator.id)
                .order_by(StaffUser.username)
            )
            return [self.view(user, mediator) for user, mediator in rows]

    def user(self, user_id: int) -> StaffView | None:
        with self.store.session() as session, session.begin():
            user = session.get(StaffUser, user_id)
            if user is None:
                return None
            return self.view(
                user, session.get(Mediator, user.mediator_id) if user.mediator_id else None
            )

    def set_password(self, username: str, password: str) -> bool:
        """Change a password; every session of the account ends."""
        check_password(password)
        with self.store.session() as session, session.begin():
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            if user is None:
                return False
            user.password_hash = self.hasher.hash(password)
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            return True

    def set_active(self, username: str, active: bool) -> bool:
        """Enable or disable an account; disabling ends its sessions."""
        with self.store.session() as session, session.begin():
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
            if user is None:
                return False
            user.active = active
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            return True

    # -- signing in --------------------------------------------------------------------

    def sign_in(self, username: str, password: str, address: str, now: datetime) -> SignInResult:
        """Check a password, counting failures per name and per address."""
        keys = (f"user:{username.strip().lower()[:100]}", f"ip:{address[:100]}")
        with self.store.session() as session, session.begin():
            since = now - _WINDOW
            counts = [
                session.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.key == key, LoginFailure.at > since)
                )
                or 0
                for key in keys
            ]
            if counts[0] >= _USER_LIMIT or counts[1] >= _ADDRESS_LIMIT:
                return SignInResult(SignIn.LIMITED)
            user = session.scalar(
                select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())
            )
            if not self._verify(user.password_hash if user else _DUMMY, password) or (
                user is None or not user.active
            ):
                session.add_all([LoginFailure(key=key, at=now) for key in keys])
                session.execute(delete(LoginFailure).where(LoginFailure.at < since))
                return SignInResult(SignIn.WRONG)
            if self.hasher.check_needs_rehash(user.password_hash):
                user.password_hash = self.hasher.hash(password)
            user.last_login_at = now
            session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
            mediator = session.get(Mediator, user.mediator_id) if user.mediator_id else None
            return SignInResult(SignIn.OK, self.view(user, mediator))

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def start_session(
        self, user_id: int, now: datetime, *, pending: str | None = None
    ) -> tuple[str, str]:
        """A new session: (cookie token, CSRF token); ``pending`` names a step of
        signing in still to do (``"code"``: the second factor)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.store.session() as session, session.begin():
            session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
            session.add(
                StaffSession(
                    token_hash=hash_token(token),
                    user_id=user_id,
                    csrf=csrf,
                    created_at=now,
                    expires_at=now + _LIFETIME,
                    last_seen_at=now,
                    pending=pending,
                )
            )
        return token, csrf

    def session(self, token: str, now: datetime, *, touch: bool = True) -> SessionView | None:
        """The live session of a cookie token (its idle clock restarted unless ``touch``
        is false: a page's live stream is not someone using the console), or None."""
        if not token:
            return None
        with self.store.session() as session, session.begin():
            row = session.scalar(
                select(StaffSession).where(StaffSession.token_hash == hash_token(token))
            )
            if row is None:
                return None
            if row.expires_at <= now or row.last_seen_at + _IDLE <= now:
                session.delete(row)
                return None
            user = session.get(StaffUser, row.user_id)
            if user is None or not user.active:
                return None
            if touch and now - row.last_seen_at > timedelta(minutes=1):
                row.last_seen_at = now
            mediator = session.get(Mediator, user.mediator_id) if user.mediator_id else None
            return SessionView(self.view(user, mediator), row.csrf, row.expires_at, row.pending)

    def end_session(self, token: str) -> None:
        with self.store.session() as session, session.begin():
            session.execute(
                delete(StaffSession).where(StaffSession.token_hash == hash_token(token))
            )

    def expire(self, now: datetime, audit_before: datetime) -> Expired:
        """Delete what staff records no longer need (run with the retention job):
        sessions that ended without a sign-out, failed sign-ins older than the limit's
        window (they hold addresses), and audit entries older than ``audit_before``."""
        with self.store.session() as session, session.begin():
            sessions = session.execute(
                delete(StaffSession).where(
                    or_(StaffSession.expires_at <= now, StaffSession.last_seen_at <= now - _IDLE)
                )
            )
            failures = session.execute(delete(LoginFailure).where(LoginFailure.at <= now - _WINDOW))
            audit = session.execute(delete(AuditEntry).where(AuditEntry.at < audit_before))
            return Expired(
                *(
                    int(result.rowcount or 0)  # type: ignore[attr-defined]
                    for result in (sessions, failures, audit)
                )
            )

    # -- the audit log -----------------------------------------------------------------

    def audit(
        self,
        user: StaffView | str | None,
        action: str,
        target: str,
        now: datetime,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record an action of a console account, of someone named otherwise (a mediator
        in the Telegram staff group), or of nobody in particular (the command line)."""
        account = user if isinstance(user, StaffView) else None
        name = account.username if account else (user if isinstance(user, str) else "-")
        with self.store.session() as session, session.begin():
            session.add(
                AuditEntry(
                    at=now,
                    user_id=account.id if account else None,
                    username=name[:64],
                    action=action,
                    target=target[:200],
                    detail=dict(detail or {}),
                )
            )

    def audit_entries(
        self,
        *,
        limit: int = 200,
        before: int | None = None,
        username: str | None = None,
        action: str | None = None,
    ) -> list[AuditView]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if before is not None:
            query = query.where(AuditEntry.id < before)
        if username:
            query = query.where(AuditEntry.username == username)
        if action:
            query = query.where(AuditEntry.action == action)
        with self.store.session() as session, session.begin():
            return [_audit_view(row) for row in session.scalars(query)]

    def all_audit_entries(self, batch: int = 500) -> Iterator[AuditView]:
        """Every entry, oldest first, read in batches (for the export)."""
        after = 0
        while True:
            with self.store.session() as session, session.begin():
                rows = [
                    _audit_view(row)
                    for row in session.scalars(
                        select(AuditEntry)
                        .where(AuditEntry.id > after)
                        .order_by(AuditEntry.id)
                        .limit(batch)
                    )
                ]
            if not rows:
                return
            yield from rows
            after = rows[-1].id

    def audit_actions(self) -> list[str]:
        with self.store.session() as session, session.begin():
            return list(
                session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
            )

    @staticmethod
    def view(user: StaffUser, mediator: Mediator | None) -> StaffView:
        return StaffView(
            user.id,
            user.username,
            user.role,
            user.mediator_id,
            tuple(mediator.languages) if mediator else (),
            user.language,
            user.active,
            user.last_login_at,
            user.must_change_password,
            user.totp_secret is not None,
            mediator.name if mediator else None,
            bool(mediator and mediator.away),
        )


def _audit_view(row: AuditEntry) -> AuditView:
    return AuditView(row.id, row.at, row.username, row.action, row.target, row.detail)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise ValueError("the password is too long")
