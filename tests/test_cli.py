"""The ``orienta`` command: flows check and diagram, terminal chat, python -m bot."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.app import Orienta
from bot.channels.terminal import chat

ROOT = Path(__file__).resolve().parent.parent


def orienta_cmd(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=120,
        check=False,
    )


def test_flows_check_passes_on_shipped_flows() -> None:
    result = orienta_cmd("flows", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "flows OK" in result.stdout


def test_flows_check_fails_naming_file_flow_step(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    shutil.copy(ROOT / "tests/data/flows/invalid/unknown_step.yaml", tmp_path / "flows")
    result = orienta_cmd("flows", "check", env={"ORIENTA_FLOWS_DIR": str(tmp_path / "flows")})
    assert result.returncode == 1
    assert result.stdout == (
        "unknown_step.yaml:4: flow 'broken_unknown_step', step 'first': unknown step 'nowhere'\n"
    )  # with its line; the steps it leaves unreachable are not reported again


def test_flows_diagram_prints_mermaid() -> None:
    result = orienta_cmd("flows", "diagram", "welcome")
    assert result.returncode == 0
    assert result.stdout.startswith("flowchart TD")
    assert 'choose_language -- "language.name.ar" --> apply_language' in result.stdout
    assert orienta_cmd("flows", "diagram", "nope").returncode == 2


def test_help_lists_subcommands() -> None:
    result = orienta_cmd("--help")
    for name in ("run", "chat", "flows", "nlu", "db", "i18n"):
        assert name in result.stdout


async def test_terminal_chat_numbers_press_buttons(orienta: Orienta) -> None:
    out = io.StringIO()
    await chat(orienta.runner, io.StringIO("/start\n3\n1\n"), out, chat_id="t1")
    text = out.getvalue()
    italian = orienta.catalogs.translator("it")
    assert "[3] Italiano" in text
    assert italian.gettext("welcome.consent_thanks") in text


def test_cli_keeps_request_urls_with_tokens_out_of_logs() -> None:
    import logging

    from bot.cli import main

    assert main(["flows", "check"]) == 0
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
