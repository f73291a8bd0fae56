"""Wiring: build Orienta's parts from the settings, in one place, at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from bot.authoring.content_files import load_content
from bot.authoring.flowfiles import load_flows
from bot.domain.content import Content
from bot.engine.core import EngineConfig
from bot.engine.model import FlowSet
from bot.i18n import Catalogs
from bot.metrics import Metrics
from bot.publishing import LiveRelease
from bot.runner import Runner
from bot.services.booking import BookingPolicy, BookingService
from bot.services.escalation import EscalationService
from bot.services.interfaces import Services
from bot.services.knowledge import KnowledgeService
from bot.services.when import DayParts
from bot.settings import SERVED_LANGUAGES, Settings
from bot.store.appointments import AppointmentBook
from bot.store.cases import CaseBook
from bot.store.content import publish_content
from bot.store.database import exclusive, make_engine, migrate
from bot.store.knowledge import KnowledgeStore
from bot.store.releases import ReleaseBook
from bot.store.repository import Store
from bot.store.slots import SlotBook
from nlu.intents import CHANGE_LANGUAGE, EMERGENCY
from nlu.pipeline import RasaOptions, Understanding, build_understanding

__all__ = [
    "Orienta",
    "build",
    "default_services",
    "load_checked_flows",
    "load_content_files",
    "prepare_content",
    "understanding_from_settings",
]


@dataclass
class Orienta:
    """Everything a channel needs: the settings, the catalogs, the store, the runner."""

    settings: Settings
    catalogs: Catalogs
    store: Store
    runner: Runner
    #: Keeps the runner and catalogs on the newest release published in the console.
    live: LiveRelease
    metrics: Metrics


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
        rasa = RasaOptions(
            settings.rasa_url, token, settings.rasa_timeout, settings.rasa_retry_after
        )
    return build_understanding(
        settings.nlu_data_dir,
        settings.var_dir / "nlu",
        SERVED_LANGUAGES,
        settings.nlu_lexicons_dir,
        settings.langid_model,
        rasa,
        settings.intent_threshold,
    )


log = logging.getLogger(__name__)


def load_content_files(settings: Settings, today: date) -> Content:
    """The content under ``ORIENTA_CONTENT_DIR``, checked for every served language."""
    return load_content(settings.content_dir, ("en", *SERVED_LANGUAGES), today)


def prepare_content(settings: Settings, store: Store, today: date) -> None:
    """On a database without offices and articles, publish the content files (the
    example deployment of a fresh clone); then make sure the slot calendars reach
    ``ORIENTA_BOOKING_DAYS`` ahead."""
    book = AppointmentBook(store)
    with exclusive(store.engine, "content"):  # workers starting together publish it once
        if not book.offices() and not KnowledgeStore(store).articles("en"):
            content = load_content_files(settings, today)
            for problem in content.problems:
                log.warning("content: %s", problem)
            if not content.errors:
                publish_content(store, content)
    created, removed = SlotBook(store).generate_slots(today, settings.booking_days)
    if created or removed:
        log.info("slots: %d created, %d removed", created, removed)


def default_services(
    settings: Settings, store: Store, catalogs: Catalogs, metrics: Metrics | None = None
) -> Services:
    """The knowledge base, booking and escalation over the store (booking conflicts
    counted in ``metrics``)."""
    policy = BookingPolicy(
        days=settings.booking_days,
        notice=timedelta(minutes=settings.booking_notice_minutes),
        max_active=settings.max_appointments,
    )
    booking = BookingService(
        AppointmentBook(store), DayParts(settings.nlu_lexicons_dir / "dayparts"), policy
    )
    if metrics is not None:
        booking.on_conflict = metrics.booking_conflict
    return Services(
        knowledge=KnowledgeService(KnowledgeStore(store)),
        booking=booking,
        escalation=EscalationService(CaseBook(store), store, catalogs),
    )


def build(
    settings: Settings,
    *,
    understanding: Understanding | None = None,
    services: Services | None = None,
    run_migrations: bool = True,
) -> Orienta:
    """Build Orienta on the configured store and NLU (migrating the database first)."""
    catalogs = Catalogs(settings.locales_dir)
    flows = load_checked_flows(settings, catalogs)
    if run_migrations:
        migrate(settings.database_url)
    store = Store(make_engine(settings.database_url))
    if understanding is None:
        understanding = understanding_from_settings(settings)
    config = EngineConfig(
        served=SERVED_LANGUAGES,
        intent_threshold=settings.intent_threshold,
        emergency_intent=EMERGENCY,
        language_intent=CHANGE_LANGUAGE,
    )
    metrics = Metrics()
    if services is None:
        services = default_services(settings, store, catalogs, metrics)
    runner = Runner(
        flows,
        config,
        catalogs,
        store,
        understanding,
        services,
        consent_version=settings.privacy_notice_version,
    )
    runner.metrics = metrics
    live = LiveRelease(settings.flows_dir, catalogs, runner, ReleaseBook(store))
    live.refresh()
    return Orienta(settings, catalogs, store, runner, live, metrics)
