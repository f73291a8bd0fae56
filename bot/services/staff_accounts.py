"""Staff accounts managed in the console: accounts and their first or new password (a
one-time link or a temporary one), roles, the last administrator, mediator records and
the mediators' own "away" switch, and the second factor (TOTP, required of
administrators). Every change is audited here: who did it, what, to whom.

A refusal is a :class:`StaffError` carrying a message id for the console to show in
the staff member's language.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.i18n import N_
from bot.services.staff_forms import AccountForm, MediatorForm
from bot.services.totp import matching_step, new_secret, provisioning_uri, qr_svg
from bot.store.cases import CaseBook, MediatorView
from bot.store.mediators import MediatorBook
from bot.store.repository import Store
from bot.store.staff import SessionView, StaffBook, StaffView
from bot.store.staff_access import CODE_LIMIT, LastAdmin, StaffAccess

__all__ = [
    "LINK_LIFETIME",
    "CodeCheck",
    "Enrolment",
    "Issued",
    "MediatorRow",
    "MediatorView",
    "SessionView",
    "StaffAccounts",
    "StaffError",
    "StaffView",
    "Stage",
    "stage",
]

#: How long a one-time sign-in link works.
LINK_LIFETIME = timedelta(hours=24)

_E = {
    "no_account": N_("console.staff.error.no_account"),
    "no_mediator": N_("console.staff.error.no_mediator"),
    "taken": N_("console.staff.error.username_taken"),
    "mediator_taken": N_("console.staff.error.mediator_taken"),
    "mediator_exists": N_("console.staff.error.mediator_exists"),
    "last_admin": N_("console.staff.error.last_admin"),
    "admin_totp": N_("console.staff.error.admin_totp"),
    "wrong_password": N_("console.staff.error.wrong_password"),
    "wrong_code": N_("console.staff.error.wrong_code"),
    "not_mediator": N_("console.staff.error.not_mediator"),
}


class StaffError(ValueError):
    """A refused change; ``msgid`` says why, to translate."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.msgid = _E[key]


class Stage(StrEnum):
    """How far a session has got in signing in."""

    CODE = "code"  # the second factor is still to be given
    PASSWORD = "password"  # signed in with a temporary password: choose one
    ENROL = "enrol"  # an administrator without a second factor: enrol one
    FULL = "full"


def stage(session: SessionView) -> Stage:
    if session.pending == "code":
        return Stage.CODE
    if session.user.must_change_password:
        return Stage.PASSWORD
    if session.user.is_admin and not session.user.totp:
        return Stage.ENROL
    return Stage.FULL


class CodeCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LIMITED = "limited"


@dataclass(frozen=True)
class Issued:
    """A first or new password given: the one-time link's token, or the temporary
    password (shown once to the administrator, stored only hashed)."""

    user: StaffView
    link_token: str | None = None
    temporary: str | None = None


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    svg: str


@dataclass(frozen=True)
class MediatorRow:
    mediator: MediatorView
    account: str | None
    on_duty: bool


class StaffAccounts:
    """The console's staff management, over the store."""

    def __init__(self, store: Store) -> None:
        self.book = StaffBook(store)
        self.access = StaffAccess(store)
        self.cases = CaseBook(store)
        self.mediator_book = MediatorBook(store)

    # -- accounts ------------------------------------------------------------------------

    def accounts(self) -> list[StaffView]:
        return self.book.users()

    def account(self, user_id: int) -> StaffView:
        user = self.book.user(user_id)
        if user is None:
            raise StaffError("no_account")
        return user

    def create(self, actor: StaffView, form: AccountForm, now: datetime) -> Issued:
        """A new account and its first password, as the form says."""
        if form.mediator_id is not None:
            self._free_mediator(form.mediator_id)
        temporary = _temporary_password() if form.method == "temporary" else None
        try:
            user = self.book.add_user(
                form.username,
                temporary or secrets.token_urlsafe(32),  # unknown to all: the link sets one
                form.role,
                now,
                mediator_id=form.mediator_id,
                language=form.language,
            )
        except ValueError:
            raise StaffError("taken") from None
        detail = {"role": user.role, "method": form.method}
        if user.mediator_name:
            detail["mediator"] = user.mediator_name
        self.book.audit(actor, "user.add", user.username, now, detail)
        if temporary is not None:
            self.access.set_temporary_password(user.id, temporary)
            return Issued(self.account(user.id), temporary=temporary)
        token = self.access.issue_link(user.id, "welcome", now, LINK_LIFETIME)
        return Issued(user, link_token=token)

    def reset_password(self, actor: StaffView, user_id: int, method: str, now: datetime) -> Issued:
        """A new one-time link, or a temporary password; the account's sessions end
        with a temporary password at once, with a link when it is used."""
        user = self.account(user_id)
        if method == "temporary":
            temporary = _temporary_password()
            self.access.set_temporary_password(user.id, temporary)
            self.book.audit(actor, "user.temporary_password", user.username, now)
            return Issued(user, temporary=temporary)
        token = self.access.issue_link(user.id, "reset", now, LINK_LIFETIME)
        self.book.audit(actor, "user.reset_link", user.username, now)
        return Issued(user, link_token=token)

    def set_active(self, actor: StaffView, user_id: int, active: bool, now: datetime) -> None:
        user = self.account(user_id)
        try:
            self.access.set_active(user.id, active)
        except LastAdmin:
            raise StaffError("last_admin") from None
        self.book.audit(actor, "user.enable" if active else "user.disable", user.username, now)

    def set_role(self, actor: StaffView, user_id: int, role: str, now: datetime) -> None:
        user = self.account(user_id)
        if role == user.role:
            return
        try:
            self.access.set_role(user.id, role)
        except LastAdmin:
            raise StaffError("last_admin") from None
        self.book.audit(actor, "user.role", user.username, now, {"from": user.role, "to": role})

    def link_mediator(
        self, actor: StaffView, user_id: int, mediator_id: int | None, now: datetime
    ) -> None:
        user = self.account(user_id)
        if mediator_id is not None:
            self._free_mediator(mediator_id, user_id)
        try:
            changed = self.access.link_mediator(user.id, mediator_id)
        except ValueError:
            raise StaffError("mediator_taken") from None
        if changed is None:
            raise StaffError("no_account")
        if mediator_id is None:
            self.book.audit(
                actor, "user.mediator_unlink", user.username, now, {"was": user.mediator_name}
            )
        else:
            self.book.audit(
                actor, "user.mediator_link", user.username, now, {"mediator": changed.mediator_name}
            )

    def _free_mediator(self, mediator_id: int, user_id: int | None = None) -> None:
        mediator = self.cases.mediator(mediator_id)
        if mediator is None or not mediator.active:
            raise StaffError("no_mediator")
        linked = self.mediator_book.accounts().get(mediator_id)
        if linked is not None and (user_id is None or linked != self.account(user_id).username):
            raise StaffError("mediator_taken")

    # -- mediators -----------------------------------------------------------------------

    def mediators(self, now: datetime) -> list[MediatorRow]:
        accounts = self.mediator_book.accounts()
        return [MediatorRow(m, accounts.get(m.id), m.on_duty(now)) for m in self.cases.mediators()]

    def unlinked_mediators(self) -> list[MediatorView]:
        accounts = self.mediator_book.accounts()
        return [m for m in self.cases.mediators() if m.id not in accounts]

    def mediator(self, mediator_id: int) -> MediatorView:
        mediator = self.cases.mediator(mediator_id)
        if mediator is None or not mediator.active:
            raise StaffError("no_mediator")
        return mediator

    def create_mediator(self, actor: StaffView, form: MediatorForm, now: datetime) -> MediatorView:
        try:
            mediator = self.cases.add_mediator(
                form.name,
                form.all_languages,
                form.hours,
                form.timezone,
                now,
                telegram_user_id=form.telegram_user_id,
                show_name=form.show_name,
            )
        except ValueError:
            raise StaffError("mediator_exists") from None
        self.book.audit(actor, "mediator.add", mediator.name, now, _mediator_detail(mediator))
        return mediator

    def update_mediator(
        self, actor: StaffView, mediator_id: int, form: MediatorForm, now: datetime
    ) -> MediatorView:
        before = self.mediator(mediator_id)
        try:
            after = self.mediator_book.update(
                mediator_id,
                name=form.name,
                languages=form.all_languages,
                hours=form.hours,
                timezone=form.timezone,
                telegram_user_id=form.telegram_user_id,
                show_name=form.show_name,
            )
        except ValueError:
            raise StaffError("mediator_exists") from None
        if after is None:
            raise StaffError("no_mediator")
        old, new = _mediator_detail(before), _mediator_detail(after)
        changes = {k: f"{old[k]} → {new[k]}" for k in new if old[k] != new[k]}
        if changes:
            self.book.audit(actor, "mediator.edit", after.name, now, changes)
        return after

    def set_away(self, user: StaffView, away: bool, now: datetime) -> None:
        """A mediator's own switch: away (not on duty, not alerted) or available."""
        if user.mediator_id is None:
            raise StaffError("not_mediator")
        if self.mediator_book.set_away(user.mediator_id, away, now):
            self.book.audit(
                user,
                "mediator.away" if away else "mediator.available",
                user.mediator_name or "-",
                now,
            )

    def away_since(self, user: StaffView) -> datetime | None:
        return self.mediator_book.away_since(user.mediator_id) if user.mediator_id else None

    # -- signing in with a link or a new password ----------------------------------------

    def link_account(self, token: str, now: datetime) -> StaffView | None:
        return self.access.link_account(token, now)

    def use_link(self, token: str, password: str, now: datetime) -> StaffView | None:
        user = self.access.use_link(token, password, now)
        if user is not None:
            self.book.audit(user, "user.link_used", user.username, now)
        return user

    def change_password(
        self, user: StaffView, current: str, new: str, keep_token: str, now: datetime
    ) -> None:
        if not self.access.change_password(user.id, current, new, keep_token):
            raise StaffError("wrong_password")
        self.book.audit(user, "user.password", user.username, now)

    # -- the second factor ---------------------------------------------------------------

    def enrolment(self, user: StaffView) -> Enrolment:
        """The secret being enrolled (a new one the first time), its URI and QR code."""
        state = self.access.totp(user.id)
        secret = state.pending if state and state.pending else None
        if secret is None:
            secret = new_secret()
            self.access.begin_totp(user.id, secret)
        uri = provisioning_uri(secret, user.username)
        return Enrolment(secret, uri, qr_svg(uri))

    def confirm_enrolment(self, user: StaffView, code: str, now: datetime) -> CodeCheck:
        state = self.access.totp(user.id)
        if state is None or state.pending is None:
            return CodeCheck.WRONG
        if self.access.code_failures(user.id, now) >= CODE_LIMIT:
            return CodeCheck.LIMITED
        step = matching_step(state.pending, code, now)
        if step is None:
            self.access.code_failed(user.id, now)
            self.book.audit(user, "user.totp_wrong", user.username, now)
            return CodeCheck.WRONG
        self.access.confirm_totp(user.id, step)
        self.book.audit(user, "user.totp_enrol", user.username, now)
        return CodeCheck.OK

    def check_code(self, user: StaffView, code: str, token: str, now: datetime) -> CodeCheck:
        """The second step of signing in: a code from the account's secret, used once,
        failures limited like passwords'."""
        state = self.access.totp(user.id)
        if self.access.code_failures(user.id, now) >= CODE_LIMIT:
            self.book.audit(None, "login.code_limited", user.username, now)
            return CodeCheck.LIMITED
        step = matching_step(state.secret, code, now) if state and state.secret else None
        if step is None or not self.access.accept_step(user.id, step):
            self.access.code_failed(user.id, now)
            self.book.audit(None, "login.code_wrong", user.username, now)
            return CodeCheck.WRONG
        self.access.code_passed(user.id, token)
        self.book.audit(user, "login.code", user.username, now)
        return CodeCheck.OK

    def remove_own_totp(self, user: StaffView, code: str, now: datetime) -> CodeCheck:
        """A mediator gives up their second factor (a current code proves it is them);
        administrators must keep one."""
        if user.is_admin:
            raise StaffError("admin_totp")
        state = self.access.totp(user.id)
        if self.access.code_failures(user.id, now) >= CODE_LIMIT:
            return CodeCheck.LIMITED
        step = matching_step(state.secret, code, now) if state and state.secret else None
        if step is None or not self.access.accept_step(user.id, step):
            self.access.code_failed(user.id, now)
            return CodeCheck.WRONG
        self.access.clear_totp(user.id)
        self.book.audit(user, "user.totp_remove", user.username, now)
        return CodeCheck.OK

    def reset_totp(self, actor: StaffView, user_id: int, now: datetime) -> None:
        """Another administrator's recovery: the account enrols again (an administrator
        at their next sign-in)."""
        user = self.account(user_id)
        self.access.clear_totp(user.id)
        self.book.audit(actor, "user.totp_reset", user.username, now)


def _temporary_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


def _mediator_detail(m: MediatorView) -> dict[str, str]:
    return {
        "name": m.name,
        "languages": ",".join(m.languages),
        "hours": "; ".join(f"{d} {','.join(r)}" for d, r in m.hours.items()) or "-",
        "timezone": m.timezone,
        "telegram": str(m.telegram_user_id or "-"),
        "show_name": str(m.show_name),
    }
