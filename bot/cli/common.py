"""What every command group shares: the store and today's date."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.store.repository import Store

__all__ = ["ROOT", "Command", "open_store", "today"]

#: The project's root (flows, nlu data, locales, tests' data).
ROOT = Path(__file__).resolve().parent.parent.parent
#: A command's handler: settings and parsed arguments in, exit status out.
Command = Callable[[Settings, argparse.Namespace], int]


def open_store(settings: Settings) -> Store:
    from bot.store.database import make_engine, migrate
    from bot.store.repository import Store

    migrate(settings.database_url)
    return Store(make_engine(settings.database_url))


def today() -> date:
    return datetime.now(UTC).date()
