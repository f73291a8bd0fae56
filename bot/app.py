"""Wiring: build Orienta's parts from the settings, in one place, at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.core import EngineConfig
from bot.engine.loader import load_flows
from bot.engine.model import FlowSet
from bot.i18n import Catalogs
from bot.runner import Runner
from bot.services.interfaces import Services
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.database import make_engine, migrate
from bot.store.repository import Store
from nlu.pipeline import RasaOptions, Understanding, build_understanding

__all__ = ["Orienta", "build", "load_checked_flows", "understanding_from_settings"]


@dataclass
class Orienta:
    """Everything a channel needs: the settings, the catalogs, the store, the runner."""

    settings: Settings
    catalogs: Catalogs
    store: Store
    runner: Runner


def load_checked_flows(settings: Settings, catalogs: Catalogs) -> FlowSet:
    """Flows checked against the schema, the graph rules and every served catalog."""
    languages = ("en", *SERVED_LANGUAGES)
    return load_flows(settings.flows_dir, {lang: catalogs.msgids(lang) for lang in languages})


def understanding_from_settings(settings: Settings, *, use_rasa: bool = True) -> Understanding:
    """The NLU the settings describe: Rasa (with the embedded fallback) when
    ``ORIENTA_RASA_URL`` is set and ``use_rasa``, else the embedded backend."""
    rasa = None
    if settings.rasa_url and use_rasa:
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        rasa = RasaOptions(settings.rasa_url, token, settings.rasa_timeout,
                           settings.rasa_retry_after)
    return build_understanding(settings.nlu_data_dir, settings.var_dir / "nlu",
                               SERVED_LANGUAGES, settings.nlu_lexicons_dir,
                               settings.langid_model, rasa)


def build(settings: Settings, *, understanding: Understanding | None = None,
          services: Services | None = None, run_migrations: bool = True) -> Orienta:
    """Build Orienta on the configured store and NLU (migrating the database first)."""
    catalogs = Catalogs(settings.locales_dir)
    flows = load_checked_flows(settings, catalogs)
    if run_migrations:
        migrate(settings.database_url)
    store = Store(make_engine(settings.database_url))
    if understanding is None:
        understanding = understanding_from_settings(settings)
    config = EngineConfig(served=SERVED_LANGUAGES, intent_threshold=settings.intent_threshold)
    runner = Runner(flows, config, catalogs, store, understanding, services,
                    consent_version=settings.privacy_notice_version)
    return Orienta(settings, catalogs, store, runner)
