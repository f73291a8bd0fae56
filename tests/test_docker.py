"""The files in docker/, checked without a Docker engine: both Dockerfiles with hadolint,
the compose file with docker-compose's own validator (Debian's ``docker-compose``
package; .ci/run installs it), every ORIENTA_* variable they set is a real setting, the
Rasa image trains as ``nlu/rasa_service.py`` does, and its command needs a token."""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.settings import SERVED_LANGUAGES, Settings
from nlu import rasa_service

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
DOCKERFILES = ["Dockerfile", "Dockerfile.rasa"]
SECRETS = {"POSTGRES_PASSWORD": "not-a-real-secret", "ORIENTA_RASA_TOKEN": "not-a-real-token"}


def _tool(name: str, env_flag: str = "ORIENTA_TEST_REQUIRE_DOCKER_TOOLS") -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        if os.environ.get(env_flag):
            pytest.fail(f"{env_flag} is set but {name} is missing")
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return found


def _stages(name: str) -> list[list[tuple[str, str]]]:
    """A Dockerfile's instructions, (KEYWORD, arguments) with continuations joined, by stage."""
    stages: list[list[tuple[str, str]]] = []
    current = ""
    for raw in (DOCKER / name).read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, rest = (current + line).partition(" ")
        current = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), rest.strip()))
    return stages


def _only(stage: list[tuple[str, str]], keyword: str) -> str:
    [value] = [rest for word, rest in stage if word == keyword]
    return value


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


@dataclass(frozen=True)
class RasaImage:
    workdir: str  # the build stage's
    copies: dict[str, str]  # build stage: absolute destination -> source in the repository
    train_env: dict[str, str]  # the training command's variables (ENV and inline)
    train_argv: list[str]
    final: list[tuple[str, str]]

    def path(self, relative: str) -> str:
        return posixpath.normpath(posixpath.join(self.workdir, relative))

    @property
    def model(self) -> str:
        out = self.path(_flag(self.train_argv, "--out"))
        return f"{out}/{_flag(self.train_argv, '--fixed-model-name')}.tar.gz"

    @property
    def port(self) -> int:
        return int(_only(self.final, "EXPOSE"))


def _rasa_image() -> RasaImage:
    build, *_, final = _stages("Dockerfile.rasa")
    workdir, copies, env = "/", {}, {}
    train: list[str] | None = None
    for keyword, rest in build:
        if keyword == "WORKDIR":
            workdir = posixpath.join(workdir, rest)
        elif keyword == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(rest))
        elif keyword == "COPY" and "--from" not in rest:
            *sources, destination = shlex.split(rest)
            for source in sources:
                target = posixpath.join(workdir, destination)
                if destination.endswith("/"):
                    target = posixpath.join(target, posixpath.basename(source))
                copies[posixpath.normpath(target)] = source
        elif keyword == "RUN" and "rasa train nlu" in rest:
            words = shlex.split(rest)
            words = words[: words.index("&&")] if "&&" in words else words
            while "=" in words[0]:
                key, value = words.pop(0).split("=", 1)
                env[key] = value
            train = words
    assert train is not None, "Dockerfile.rasa has no `rasa train nlu` step"
    return RasaImage(workdir, copies, env, train, final)


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_passes_hadolint(name: str) -> None:
    result = subprocess.run(
        [_tool("hadolint"), "--failure-threshold", "info", str(DOCKER / name)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_config(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_tool("docker-compose"), "-f", str(DOCKER / "compose.yaml"), "config", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ORIENTA_", "POSTGRES_"))}


def test_compose_file_is_valid_and_needs_its_secrets() -> None:
    env = _clean_environment()
    ok = _compose_config({**env, **SECRETS}, "-q")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for name in SECRETS:
        for value in (None, ""):
            others = {k: v for k, v in SECRETS.items() if k != name}
            given = others if value is None else {**others, name: value}
            missing = _compose_config({**env, **given}, "-q")
            assert missing.returncode != 0 and f"set {name}" in missing.stderr, (
                f"{name}={value!r}: " + missing.stderr
            )


def test_compose_runs_rasa_internally_and_the_bot_starts_without_it() -> None:
    result = _compose_config({**_clean_environment(), **SECRETS})
    assert result.returncode == 0, result.stderr
    services: dict[str, Any] = yaml.safe_load(result.stdout)["services"]
    bot, rasa = services["bot"], services["rasa"]
    image = _rasa_image()
    assert Path(rasa["build"]["context"]) == ROOT
    assert rasa["build"]["dockerfile"] == "docker/Dockerfile.rasa"
    # One token, from the environment, on both sides.
    assert rasa["environment"]["RASA_TOKEN"] == SECRETS["ORIENTA_RASA_TOKEN"]
    assert bot["environment"]["ORIENTA_RASA_TOKEN"] == SECRETS["ORIENTA_RASA_TOKEN"]
    url = urlsplit(bot["environment"]["ORIENTA_RASA_URL"])
    assert (url.hostname, url.port) == ("rasa", image.port)
    assert "ports" not in rasa, "Rasa's API must stay on the internal network"
    assert rasa.get("restart") and f"http://127.0.0.1:{image.port}/" in " ".join(
        rasa["healthcheck"]["test"]
    )
    # The bot falls back to the embedded backend, so it must not wait for Rasa's health.
    assert bot["depends_on"]["rasa"]["condition"] == "service_started"
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"


def test_docker_files_set_only_real_settings() -> None:
    document = yaml.safe_load((DOCKER / "compose.yaml").read_text("utf-8"))
    names = {f"ORIENTA_{field.upper()}" for field in Settings.model_fields}
    for service in document["services"].values():
        for variable in service.get("environment", {}):
            if variable.startswith("ORIENTA_"):
                assert variable in names, f"{variable} is not a setting"
    for dockerfile in DOCKERFILES:
        text = (DOCKER / dockerfile).read_text("utf-8")
        for variable in {
            word.split("=")[0]
            for word in text.split()
            if word.startswith("ORIENTA_") and "=" in word
        }:
            assert variable in names, f"{variable} ({dockerfile}) is not a setting"


def test_rasa_image_trains_like_rasa_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], dict[str, str], list[str]]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        staged = sorted(path.name for path in Path(_flag(command, "--nlu")).iterdir())
        calls.append((command, kwargs["env"], staged))
        out = Path(_flag(command, "--out"))
        out.mkdir(parents=True)
        (out / f"{_flag(command, '--fixed-model-name')}.tar.gz").write_bytes(b"")
        return subprocess.CompletedProcess(command, 0)

    for key in ("RASA_TELEMETRY_ENABLED", "TF_CPP_MIN_LOG_LEVEL", "PYTHONHASHSEED"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(rasa_service.subprocess, "run", fake_run)
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "rasa").touch()
    rasa_service.train(
        tmp_path / "venv", ROOT / "nlu", tmp_path / "models", SERVED_LANGUAGES, force=True
    )
    [(command, env, staged)] = calls
    image = _rasa_image()
    argv = image.train_argv

    assert Path(argv[0]).name == "rasa" and argv[1:3] == command[1:3] == ["train", "nlu"]
    # The image builds without a terminal: quiet, as rasa_service is then.
    flags = {w for w in command if w.startswith("--")} | {"--quiet"}
    assert {w for w in argv if w.startswith("--")} == flags
    # The same configuration file and the same training files.
    assert image.copies[image.path(_flag(argv, "--config"))] == "nlu/config.yml"
    assert image.copies[image.path(_flag(argv, "--nlu"))] == "nlu/data"
    assert staged == sorted(path.name for path in (ROOT / "nlu" / "data").iterdir()), (
        "the image trains on all of nlu/data, rasa_service on the served languages' files"
    )
    # The same repeatability settings (the cache location aside).
    wanted = {k: v for k, v in env.items() if k not in os.environ and k != "RASA_CACHE_DIRECTORY"}
    assert "PYTHONHASHSEED" in wanted
    assert {k: image.train_env.get(k) for k in wanted} == wanted

    # The runtime stage: the venv and the model, nothing else, as a numeric non-root user.
    copies = [shlex.split(rest) for keyword, rest in image.final if keyword == "COPY"]
    venv = str(Path(argv[0]).parent.parent)
    out = posixpath.dirname(image.model)
    assert sorted(copies) == sorted([["--from=build", venv, venv], ["--from=build", out, out]])
    assert f"PATH={venv}/bin:" in _only(image.final, "ENV")
    user = _only(image.final, "USER").split(":")
    assert all(part.isdigit() and int(part) != 0 for part in user), user


def _run_rasa_cmd(
    tmp_path: Path, token: str | None
) -> tuple[subprocess.CompletedProcess[str], list[str] | None]:
    """Run the image's CMD with a stand-in ``rasa`` that records its arguments."""
    command = json.loads(_only(_rasa_image().final, "CMD"))
    assert command[:2] == ["sh", "-c"] and len(command) == 3, command
    bin_dir, record = tmp_path / "bin", tmp_path / "argv"
    bin_dir.mkdir(exist_ok=True)
    record.unlink(missing_ok=True)
    fake = bin_dir / "rasa"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "RECORD": str(record)}
    if token is not None:
        env["RASA_TOKEN"] = token
    result = subprocess.run(
        ["/bin/sh", "-c", command[2]],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env=env,
    )
    return result, record.read_text().splitlines() if record.exists() else None


@pytest.mark.parametrize("token", [None, ""])
def test_rasa_image_refuses_to_start_without_a_token(tmp_path: Path, token: str | None) -> None:
    result, argv = _run_rasa_cmd(tmp_path, token)
    assert result.returncode != 0 and "RASA_TOKEN" in result.stderr
    assert argv is None, "rasa was started without a token"


def test_rasa_image_serves_the_trained_model_with_its_token(tmp_path: Path) -> None:
    image = _rasa_image()
    token = "a token; with spaces"
    result, argv = _run_rasa_cmd(tmp_path, token)
    assert result.returncode == 0, result.stderr
    assert argv is not None and argv[0] == "run" and "--enable-api" in argv
    assert _flag(argv, "--auth-token") == token
    assert _flag(argv, "--model") == image.model
    assert _flag(argv, "--interface") == "0.0.0.0"
    assert int(_flag(argv, "--port")) == image.port
    assert f"http://127.0.0.1:{image.port}/" in _only(image.final, "HEALTHCHECK")


def test_dockerignore_keeps_local_data_out_and_the_sources_in() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {".git", "**/.env", ".venv", ".venv-rasa", "var"} <= set(patterns)
    for dockerfile in DOCKERFILES:
        for stage in _stages(dockerfile):
            for keyword, rest in stage:
                if keyword != "COPY" or "--from" in rest:
                    continue
                for source in shlex.split(rest)[:-1]:
                    assert (ROOT / source).exists(), f"{dockerfile}: {source} is missing"
                    ignored = [
                        p
                        for p in patterns
                        if fnmatch.fnmatch(source, p) or source.startswith(p.rstrip("/") + "/")
                    ]
                    assert not ignored, f"{dockerfile}: {source} is excluded by {ignored}"
