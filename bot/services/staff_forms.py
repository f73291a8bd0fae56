"""The staff pages' forms as pydantic models: a new account, a mediator record, a new
password. Each problem is a message id (``console.staff.error.*``) with its
parameters, for the console to show beside its field in the staff member's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.domain.hours import hours_to_json, parse_hours
from bot.i18n import N_
from bot.settings import SERVED_LANGUAGES
from bot.store.staff import MIN_PASSWORD

__all__ = [
    "CONSOLE_LANGUAGES",
    "AccountForm",
    "FormErrors",
    "MediatorForm",
    "PasswordForm",
    "read_form",
]

#: The languages the console speaks.
CONSOLE_LANGUAGES = ("en", *SERVED_LANGUAGES)
_USERNAME = re.compile(r"^[^\s]{1,64}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

_E = {
    "required": N_("console.staff.error.required"),
    "invalid": N_("console.staff.error.invalid"),
    "username": N_("console.staff.error.username"),
    "too_long": N_("console.staff.error.too_long"),
    "languages": N_("console.staff.error.languages"),
    "other_languages": N_("console.staff.error.other_languages"),
    "hours": N_("console.staff.error.hours"),
    "timezone": N_("console.staff.error.timezone"),
    "telegram": N_("console.staff.error.telegram"),
    "password_short": N_("console.staff.error.password_short"),
    "password_long": N_("console.staff.error.password_long"),
    "password_differs": N_("console.staff.error.password_differs"),
    "needs_mediator": N_("console.staff.error.needs_mediator"),
}

#: Field name -> (message id, parameters).
FormErrors = dict[str, tuple[str, dict[str, str]]]


def _fail(key: str, **params: str) -> PydanticCustomError:
    return PydanticCustomError("orienta", _E[key], dict(params))


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)


class AccountForm(_Form):
    """A new console account, and how its first password is given."""

    username: str
    role: Literal["admin", "mediator"]
    language: str | None = None
    mediator_id: int | None = None
    #: "link": a one-time sign-in link; "temporary": a password to change at sign-in.
    method: Literal["link", "temporary"] = "link"

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not _USERNAME.match(value):
            raise _fail("username")
        return value

    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, value: Any) -> Any:
        return value or "link"

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> str | None:
        if not value:
            return None
        if value not in CONSOLE_LANGUAGES:
            raise _fail("invalid")
        return str(value)

    @field_validator("mediator_id", mode="before")
    @classmethod
    def _mediator(cls, value: Any) -> int | None:
        if value in (None, ""):
            return None
        if not str(value).isdigit():
            raise _fail("invalid")
        return int(value)

    @model_validator(mode="after")
    def _mediator_needs_record(self) -> AccountForm:
        if self.role == "mediator" and self.mediator_id is None:
            raise PydanticCustomError("orienta_field", "mediator_id", {})
        return self


class MediatorForm(_Form):
    """A mediator record: how they are named, which languages, hours and zone, their
    Telegram account."""

    name: str
    #: Served languages they take cases in.
    languages: tuple[str, ...]
    #: Other languages they speak, as codes ("en, de"), for colleagues to know.
    other_languages: tuple[str, ...] = ()
    #: Stored hours (weekday -> ranges); written as "mon-fri 09:00-17:00", empty: none.
    hours: dict[str, list[str]] = {}
    timezone: str
    telegram_user_id: int | None = None
    show_name: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise _fail("required")
        if len(value) > 100:
            raise _fail("too_long", limit="100")
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: Any) -> tuple[str, ...]:
        chosen = [value] if isinstance(value, str) else list(value or ())
        if not chosen or any(lang not in SERVED_LANGUAGES for lang in chosen):
            raise _fail("languages")
        return tuple(lang for lang in SERVED_LANGUAGES if lang in chosen)

    @field_validator("other_languages", mode="before")
    @classmethod
    def _others(cls, value: Any) -> tuple[str, ...]:
        if not isinstance(value, str):
            return tuple(value or ())
        codes = [c.strip().lower() for c in value.replace(";", ",").split(",") if c.strip()]
        if any(not _LANGUAGE.match(c) for c in codes) or len(codes) > 12:
            raise _fail("other_languages")
        return tuple(dict.fromkeys(c for c in codes if c not in SERVED_LANGUAGES))

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> dict[str, list[str]]:
        if isinstance(value, dict):
            return value
        if not str(value or "").strip():
            return {}
        try:
            return hours_to_json(parse_hours(str(value)))
        except ValueError:
            raise _fail("hours") from None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _fail("timezone") from None
        return value

    @field_validator("telegram_user_id", mode="before")
    @classmethod
    def _telegram(cls, value: Any) -> int | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not text.isdigit() or not 0 < int(text) < 2**63:
            raise _fail("telegram")
        return int(text)

    @field_validator("show_name", mode="before")
    @classmethod
    def _checked(cls, value: Any) -> bool:
        return value not in (None, "", False, "0", "off")

    @property
    def all_languages(self) -> list[str]:
        """As stored: the served languages first, then the others."""
        return [*self.languages, *self.other_languages]


class PasswordForm(_Form):
    """A password chosen twice."""

    password: str
    again: str

    @field_validator("password")
    @classmethod
    def _length(cls, value: str) -> str:
        if len(value) < MIN_PASSWORD:
            raise _fail("password_short", count=str(MIN_PASSWORD))
        if len(value) > 1024:
            raise _fail("password_long")
        return value

    @model_validator(mode="after")
    def _same(self) -> PasswordForm:
        if self.password != self.again:
            raise PydanticCustomError("orienta_field", "again", {})
        return self


F = TypeVar("F", bound=_Form)

_FIELD_ERRORS = {"mediator_id": "needs_mediator", "again": "password_differs"}


def read_form(model: type[F], data: Mapping[str, Any]) -> F | FormErrors:
    """The valid form, or its problems by field."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        errors: FormErrors = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            if error["type"] == "orienta":
                msgid = error["msg"]
                params = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
            elif error["type"] == "orienta_field":
                field = error["msg"]
                msgid, params = _E[_FIELD_ERRORS[field]], {}
            elif error["type"] == "missing":
                msgid, params = _E["required"], {}
            else:
                msgid, params = _E["invalid"], {}
            errors.setdefault(field, (msgid, params))
        return errors
