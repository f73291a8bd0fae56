"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from sqlalchemy import text

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook
from tests.dialog import Dialog
from tests.web.staff import web_client


async def test_ready_only_when_the_database_is_migrated(orienta: Orienta) -> None:
    async with web_client(orienta) as http:
        assert (await http.get("/healthz")).text == "ok"
        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        with orienta.store.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
        behind = await http.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["reason"] == "database not migrated"


async def test_metrics_count_updates_nlu_and_waiting_cases(
    orienta: Orienta, dialog: Dialog
) -> None:
    CaseBook(orienta.store).add_mediator(
        "Amina", ["uk"], hours_to_json(parse_hours("always")), "Europe/Kyiv", orienta.runner.clock()
    )
    await dialog.say("/start")
    await dialog.press("Українська")
    await dialog.press(dialog.t("uk", "consent.agree"))
    await dialog.say("Мені потрібна допомога з житлом")
    await dialog.say("/mediator")
    async with web_client(orienta) as http:
        scraped = await http.get("/metrics")
    assert scraped.status_code == 200
    lines = scraped.text.splitlines()
    assert 'orienta_updates_total{channel="memory",outcome="ok"} 5.0' in lines
    assert 'orienta_update_seconds_count{channel="memory"} 5.0' in lines
    assert any(
        line.startswith('orienta_nlu_messages_total{backend="') and 'fallback="no"' in line
        for line in lines
    )
    assert 'orienta_escalations_waiting{language="uk"} 1.0' in lines
    assert "orienta_booking_conflicts_total 0.0" in lines
    async with web_client(orienta, peer="93.184.216.34") as outside:
        assert (await outside.get("/metrics")).status_code == 403
    async with web_client(orienta, peer="10.0.0.5") as proxied:  # a proxy beside the bot
        assert (await proxied.get("/metrics")).status_code == 200
        relayed = await proxied.get("/metrics", headers={"x-forwarded-for": "93.184.216.34"})
        assert relayed.status_code == 403
