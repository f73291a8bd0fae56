"""Logs never contain what people wrote, nor their names: every record of a whole
conversation (language choice, a rights question, booking, escalation, a mediator's
reply, /forget) at DEBUG level, formatted with its arguments and any traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text as sql

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook
from tests.dialog import Dialog

SECRETS = ("Samira Benali", "0471 23 45 67", "rue des Tanneurs 12", "Bonjour Samira")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def caught() -> Iterator[_Records]:
    """Every record of every logger, at DEBUG."""
    root = logging.getLogger()
    handler, level = _Records(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def test_no_message_text_or_name_in_the_logs(
    orienta: Orienta, dialog: Dialog, caught: _Records
) -> None:
    book = CaseBook(orienta.store)
    mediator = book.add_mediator(
        "Amina", ["fr"], hours_to_json(parse_hours("always")), "Europe/Brussels", datetime.now(UTC)
    )
    await dialog.say("/start")
    await dialog.press("Français")
    await dialog.press(dialog.t("fr", "consent.agree"))
    await dialog.say(
        f"Je m'appelle {SECRETS[0]}, mon numéro est {SECRETS[1]}, "
        f"j'habite {SECRETS[2]} et je cherche un logement"
    )
    await dialog.say("Je voudrais prendre rendez-vous")
    await dialog.say(f"mardi matin, c'est {SECRETS[0]}")
    await dialog.say("/mediator")
    user = orienta.store.user("memory", dialog.chat_id)
    assert user is not None
    case = book.open_case_of(user.id)
    assert case is not None
    book.claim(case.id, mediator.id, datetime.now(UTC))
    book.mediator_message(case.id, mediator.id, "text", SECRETS[3], datetime.now(UTC))
    await dialog.say(f"merci, {SECRETS[0]}")
    book.finish(case.id, mediator.id, "closed", datetime.now(UTC))
    # The store fails in the middle of a turn: the error is logged, without the text.
    with orienta.store.engine.begin() as connection:
        connection.execute(sql("DROP TABLE messages"))
    answer = await dialog.say(f"{SECRETS[0]} encore, {SECRETS[1]}")
    assert answer[-1].text == dialog.t("fr", "error.internal")
    assert any(r.levelno >= logging.ERROR for r in caught.records)
    assert caught.records, "nothing was logged at all: the test would prove nothing"
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    for record in caught.records:
        text = handler.format(record)
        for secret in SECRETS:
            assert secret not in text, f"{record.name} logged {secret!r}: {text[:200]}"


def test_json_logs_are_one_object_per_line() -> None:
    import json

    from bot.logs import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "bot.runner", logging.ERROR, __file__, 1, "failed on %s", ("telegram",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line.replace("\\n", "")
    entry = json.loads(line)
    assert entry["message"] == "failed on telegram" and entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exception"]
