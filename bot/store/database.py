"""Engines and migrations: the only place that builds SQLAlchemy engines."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bot.store.models import Base

__all__ = [
    "alembic_config",
    "current_revision",
    "drop_everything",
    "exclusive",
    "head_revision",
    "make_engine",
    "migrate",
]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for SQLite (WAL, foreign keys, a busy timeout) or PostgreSQL. Errors
    never show the statement's parameters (they hold what people wrote), so a logged
    database error keeps no message text."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: no corruption on a crash; a power cut may lose the last commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # SQLite's lower() knows only ASCII: searches fold Arabic, Cyrillic, … with this.
            dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None when it was never migrated)."""
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Run the block in one process at a time across every worker on this database: a
    PostgreSQL advisory lock named ``name`` (several workers starting together migrate
    and load the example content once). SQLite serves one machine: no lock."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(f"orienta:{name}".encode())
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (``head`` by default), one worker
    at a time."""
    engine = make_engine(url)
    try:
        with exclusive(engine, "migrate"):
            command.upgrade(alembic_config(url), revision)
    finally:
        engine.dispose()


def drop_everything(url: str) -> None:
    """Drop every table of the store and the migration record (tests and benchmarks
    start from an empty database this way; ``migrate`` builds it again)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
