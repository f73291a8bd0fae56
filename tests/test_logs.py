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


def test_a_one_time_sign_in_link_is_not_logged(capsys: pytest.CaptureFixture[str]) -> None:
    """The token of a link an administrator gave is a password until used: the access
    log shows the page, not the token."""
    configure_logging("INFO", "json")
    try:
        token = "Zx9_secret-token-value"
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "POST",
            f"/console/welcome/{token}",
            "1.1",
            303,
        )
        err = capsys.readouterr().err
        assert token not in err
        assert json.loads(err.splitlines()[-1])["message"].endswith(
            '"POST /console/welcome/… HTTP/1.1" 303'
        )
    finally:
        configure_logging("INFO", "text")
