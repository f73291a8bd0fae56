"""Logging set-up: plain lines for a terminal, or one JSON object per line for a log
collector (``ORIENTA_LOG_FORMAT=json``). Log messages carry ids and counts, never what
people wrote (``tests/test_log_privacy.py``)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

__all__ = ["HiddenLinks", "JsonFormatter", "configure_logging"]

_QUIET = ("alembic", "httpx", "httpcore")
_SIGN_IN_LINK = re.compile(r"(/console/welcome/)[^/?\s\"]+")


class HiddenLinks(logging.Filter):
    """Keeps one-time sign-in links out of the access log: their token is a password
    until used (``/console/welcome/<token>`` is logged as ``/console/welcome/…``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SIGN_IN_LINK.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _SIGN_IN_LINK.sub(r"\1…", record.msg)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    # uvicorn's own loggers (configured by an earlier server with its default config)
    # log through this handler too: no handlers of their own, propagating, enabled.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        server_log = logging.getLogger(name)
        server_log.handlers.clear()
        server_log.propagate, server_log.disabled = True, False
        server_log.setLevel(logging.NOTSET)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HiddenLinks) for f in access.filters):
        access.addFilter(HiddenLinks())
    # httpx logs every request URL at INFO, and the Rasa token travels in the query string.
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
