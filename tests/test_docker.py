"""The files in docker/, checked without a Docker engine: the Dockerfile with hadolint,
the compose file with docker-compose's own validator (Debian's ``docker-compose``
package; .ci/run installs it), and every ORIENTA_* variable it sets is a real setting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"


def _tool(name: str, env_flag: str = "ORIENTA_TEST_REQUIRE_DOCKER_TOOLS") -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        if os.environ.get(env_flag):
            pytest.fail(f"{env_flag} is set but {name} is missing")
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([_tool("hadolint"), "--failure-threshold", "info",
                             str(DOCKER / "Dockerfile")], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_is_valid_and_needs_its_secrets() -> None:
    compose = _tool("docker-compose")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORIENTA_", "POSTGRES_"))}
    ok = subprocess.run([compose, "-f", str(DOCKER / "compose.yaml"), "config", "-q"],
                        capture_output=True, text=True, check=False, timeout=60,
                        env={**env, "POSTGRES_PASSWORD": "not-a-real-secret"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    missing = subprocess.run([compose, "-f", str(DOCKER / "compose.yaml"), "config", "-q"],
                             capture_output=True, text=True, check=False, timeout=60, env=env)
    assert missing.returncode != 0 and "set POSTGRES_PASSWORD" in missing.stderr


def test_compose_sets_only_real_settings() -> None:
    document = yaml.safe_load((DOCKER / "compose.yaml").read_text("utf-8"))
    names = {f"ORIENTA_{field.upper()}" for field in Settings.model_fields}
    for service in document["services"].values():
        for variable in service.get("environment", {}):
            if variable.startswith("ORIENTA_"):
                assert variable in names, f"{variable} is not a setting"
    dockerfile = (DOCKER / "Dockerfile").read_text("utf-8")
    for variable in {word.split("=")[0] for word in dockerfile.split()
                     if word.startswith("ORIENTA_") and "=" in word}:
        assert variable in names, f"{variable} (Dockerfile) is not a setting"
