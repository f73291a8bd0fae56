"""uvicorn's own records go through Orienta's log handler: JSON lines with
ORIENTA_LOG_FORMAT=json, like every other record."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure_logging
from bot.serve import _web_server
from bot.settings import Settings


def test_uvicorn_logs_are_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    try:
        server = _web_server(Settings(), app=None)  # type: ignore[arg-type]
        assert server.config.log_config is None  # uvicorn installs no handler of its own
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/healthz", "1.1", 200
        )
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
        assert [(entry["logger"], entry["level"]) for entry in lines] == [
            ("uvicorn.error", "INFO"),
            ("uvicorn.access", "INFO"),
        ]
        assert lines[0]["message"] == "Started server process [42]"
    finally:
        configure_logging("INFO", "text")
