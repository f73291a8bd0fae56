"""Every setting of Orienta, read from ``ORIENTA_*`` environment variables.

This is the only module that reads the environment. Each field carries a
``description``: the README's settings table is checked against it by
``tests/test_settings.py``, so a setting cannot exist undocumented.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SERVED_LANGUAGES", "Settings", "env_example"]

#: Languages Orienta answers in, in the order shown on the language buttons.
SERVED_LANGUAGES: tuple[str, ...] = ("ar", "fr", "it", "fi", "uk")

_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Orienta's configuration. Build it once in the entry point and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="ORIENTA_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    database_url: str = Field(
        default=f"sqlite:///{_ROOT / 'var' / 'orienta.sqlite3'}",
        description="SQLAlchemy URL of the store: SQLite (default, under var/) or "
        "PostgreSQL, e.g. postgresql+psycopg://orienta:secret@db/orienta.",
    )
    telegram_token: SecretStr | None = Field(
        default=None,
        description="Bot token from @BotFather. When unset, `orienta run` starts the "
        "local web chat instead of Telegram.",
    )
    telegram_api_url: str | None = Field(
        default=None,
        description="Root URL of the Bot API server, e.g. http://127.0.0.1:8081 for a "
        "self-hosted telegram-bot-api or a test server. Unset means Telegram's own.",
    )
    webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS address Telegram posts updates to, e.g. "
        "https://orienta.example.org (the bot serves /telegram/webhook). Unset means polling.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret every webhook request must carry (Telegram's secret_token, "
        "1-256 of A-Z a-z 0-9 _ -). Unset: derived from the bot token.",
    )
    staff_chat_id: int | None = Field(
        default=None,
        description="Id of the mediators' Telegram supergroup (forum topics on, the bot an "
        "admin allowed to manage topics), e.g. -1001234567890. Unset: cases only in the web "
        "console.",
    )
    staff_language: str = Field(
        default="en",
        pattern="^(en|ar|fr|it|fi|uk)$",
        description="Language of the staff group's and web console's texts (en, ar, fr, it, "
        "fi or uk).",
    )
    staff_timezone: str = Field(
        default="UTC",
        description="Time zone of the times shown to mediators, e.g. Europe/Rome.",
    )
    case_renotify_minutes: int = Field(
        default=10,
        ge=1,
        description="Minutes a case may wait unclaimed before the mediators on duty are "
        "notified again (and then again after as many minutes).",
    )
    console_live_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds between two looks at the database by each open console page's "
        "live stream (new cases, a person's messages).",
    )
    chat_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a worker holds a chat without renewing its lease. A chat whose "
        "worker died is taken over when the heartbeat shows it dead (sooner), at the latest "
        "after this long.",
    )
    heartbeat_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Seconds between a worker's heartbeats in the database; each also looks "
        "for workers that stopped beating.",
    )
    worker_dead_after_seconds: float = Field(
        default=6.0,
        gt=0,
        description="Seconds without a heartbeat after which a worker counts as dead: its "
        "chats are taken over at once (within this plus one heartbeat), whatever their "
        "leases say. Several heartbeats long.",
    )
    worker_name: str | None = Field(
        default=None,
        max_length=128,
        description="Name of this worker, the same when it is restarted and unique among the "
        "running workers: a restarted worker takes its chats back at once. Unset: the host "
        "name and ORIENTA_PORT (which no other running process on the host can hold).",
    )
    resume_seconds: float = Field(
        default=15.0,
        gt=0,
        description="Seconds between a worker's looks for stored updates and unsent replies "
        "that no live worker holds (a worker died, or the database was away).",
    )
    rasa_url: str | None = Field(
        default=None,
        description="Base URL of a Rasa server (rasa run --enable-api), e.g. "
        "http://127.0.0.1:5005. Unset means the embedded NLU backend.",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Interface the web server (local chat, consoles) listens on.",
    )
    port: int = Field(default=8080, description="Port the web server listens on.")
    flows_dir: Path = Field(
        default=_ROOT / "flows", description="Folder holding the flow YAML files."
    )
    content_dir: Path = Field(
        default=_ROOT / "content",
        description="Folder holding the content YAML: regions, offices, services and the "
        "rights articles (loaded into the database by `orienta content load`).",
    )
    booking_days: int = Field(
        default=28,
        ge=1,
        le=366,
        description="How many days ahead slots are generated from the offices' hours and "
        "offered to users.",
    )
    booking_notice_minutes: int = Field(
        default=60,
        ge=0,
        description="The earliest a slot can be booked, rescheduled or cancelled by a user: "
        "this many minutes before it starts.",
    )
    max_appointments: int = Field(
        default=3,
        ge=1,
        description="How many upcoming appointments one user may hold at once.",
    )
    locales_dir: Path = Field(
        default=_ROOT / "locales",
        description="Folder holding the gettext catalogs (<lang>/LC_MESSAGES/orienta.po).",
    )
    nlu_data_dir: Path = Field(
        default=_ROOT / "nlu" / "data",
        description="Folder holding the NLU training data (Rasa YAML, one file per language).",
    )
    nlu_lexicons_dir: Path = Field(
        default=_ROOT / "nlu" / "lexicons",
        description="Folder holding the curated word lists: crisis phrases per language "
        "(crisis/<lang>.txt) and Arabizi markers.",
    )
    rasa_token: SecretStr | None = Field(
        default=None,
        description="Token of the Rasa server (rasa run --auth-token). Required in production: "
        "without it Rasa's API also lets anyone replace the model.",
    )
    rasa_timeout: float = Field(
        default=2.0,
        gt=0,
        description="Seconds to wait for Rasa before the embedded backend answers that message.",
    )
    rasa_retry_after: float = Field(
        default=30.0,
        gt=0,
        description="Seconds the bot keeps using the embedded backend after Rasa failed "
        "three times in a row, before trying Rasa again (circuit breaker).",
    )
    var_dir: Path = Field(
        default=_ROOT / "var",
        description="Folder for runtime files: the SQLite database, trained NLU models.",
    )
    langid_model: Path | None = Field(
        default=None,
        description="Path to a fastText language-identification model. Unset means the "
        "lid.176.ftz vendored in nlu/models (fastText's, CC BY-SA 3.0).",
    )
    intent_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Below this intent confidence the bot does not guess: it offers buttons.",
    )
    retention_days: int = Field(
        default=180,
        ge=1,
        description="Days after which what people wrote (message bodies, copies in cases "
        "once closed, stored updates) is erased; the anonymous counts stay.",
    )
    held_hours: int = Field(
        default=24,
        ge=1,
        description="Hours a message typed before consent (or another step) waits for the "
        "answer; unanswered after that, it is erased.",
    )
    audit_retention_days: int = Field(
        default=730,
        ge=30,
        description="Days the console's audit log (who read or changed what) is kept.",
    )
    privacy_notice_version: str = Field(
        default="2026-11",
        description="Version of the privacy notice users consent to; stored with the consent.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: str = Field(
        default="text",
        pattern="^(text|json)$",
        description="`text` (a line per record) or `json` (one JSON object per line, for a "
        "log collector).",
    )

    @model_validator(mode="after")
    def _heartbeats_fit(self) -> Settings:
        if self.worker_dead_after_seconds < 2 * self.heartbeat_seconds:
            raise ValueError(
                "ORIENTA_WORKER_DEAD_AFTER_SECONDS must be at least two heartbeats "
                "(ORIENTA_HEARTBEAT_SECONDS): a live worker would be taken for dead"
            )
        return self


def env_example() -> str:
    """The text of ``.env.example``: every setting, its description and its default,
    commented out (``make env-example`` writes it; ``tests/test_settings.py`` checks it)."""
    lines = [
        "# Every ORIENTA_* setting, generated from bot/settings.py by `make env-example`.",
        "# Orienta reads the environment only (no .env file of its own): copy what you need",
        "# into the service's environment, docker/.env or a systemd EnvironmentFile.",
        "# Each line is commented out with its default; unset means the default.",
    ]
    for name, field in Settings.model_fields.items():
        lines.append("")
        lines += [
            f"# {line}"
            for line in textwrap.wrap(field.description or "", 86, break_on_hyphens=False)
        ]
        lines.append(f"#ORIENTA_{name.upper()}={_shown_default(field.default)}")
    return "\n".join(lines) + "\n"


def _shown_default(value: object) -> str:
    """A default as it would be written: paths inside the checkout relative to it."""
    if value is None:
        return ""
    text = str(value)
    root = f"{_ROOT}/"
    return text.replace(root, "") if root in text else text
