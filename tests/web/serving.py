"""Orienta's web app served by uvicorn on 127.0.0.1 for a real headless Chromium
(Debian's package, driven by Playwright; no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bot.app import Orienta
from bot.web.app import create_app
from tests.web.staff import PASSWORD, codes

__all__ = ["ARTIFACTS", "CHROMIUM", "CHROMIUM_FLAGS", "need_chromium", "serving", "sign_in"]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("ORIENTA_TEST_REQUIRE_BROWSER"):
            pytest.fail("ORIENTA_TEST_REQUIRE_BROWSER is set but Chromium is missing")
        pytest.skip("no Chromium: apt-get install chromium (.ci/run does)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(orienta: Orienta) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread; its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(orienta), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "web server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sign_in(page: Any, server: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the console's form, as a person would."""
    page.goto(f"{server}/console/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.login button[type=submit]").click()
    page.wait_for_url(f"{server}/console/**")
    if "/console/login/code" in page.url:  # the second factor (administrators have one)
        page.locator("input[name=code]").fill(codes(datetime.now(UTC))[0])
        page.locator("form.login button[type=submit]").click()
        page.wait_for_url(lambda url: "/console/login" not in url)
