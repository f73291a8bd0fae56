"""Engine and runner throughput: pure engine steps per second, and whole turns
(NLU + engine + SQLite store + rendering) per second through the in-memory channel.

Run with ``make bench`` or ``python -m bench.engine``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bot.app import build
from bot.authoring.flowfiles import load_flows
from bot.channels.memory import MemoryChannel
from bot.engine.core import EngineConfig, step
from bot.engine.events import Command, Press
from bot.engine.state import State
from bot.messages import Incoming
from bot.settings import SERVED_LANGUAGES, Settings

ROOT = Path(__file__).resolve().parent.parent


def engine_steps(n: int = 20_000) -> float:
    flows = load_flows(ROOT / "flows")
    config = EngineConfig(served=SERVED_LANGUAGES)
    started = time.perf_counter()
    for _ in range(n // 2):
        out = step(flows, config, State(lang="fr", consent="given"), Command("menu"))
        step(flows, config, out.state, Press(f"{out.state.seq}.11"))
    return n / (time.perf_counter() - started)


async def runner_turns(n: int = 300) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3", var_dir=ROOT / "var")
        orienta = build(settings)
        channel = MemoryChannel()
        texts = [
            "bonjour",
            "je cherche un logement",
            "ho bisogno di un medico",
            "tarvitsen apua kelan kanssa",
            "мені потрібна допомога з документами",
        ]
        started = time.perf_counter()
        for i in range(n):
            chat = f"c{i % 20}"
            await orienta.runner.handle(
                Incoming("memory", chat, text=texts[i % len(texts)]), channel
            )
        elapsed = time.perf_counter() - started
        orienta.store.engine.dispose()
        return n / elapsed


def main() -> None:
    print(f"engine: {engine_steps():,.0f} pure steps/s")
    print(
        f"runner: {asyncio.run(runner_turns()):,.0f} text turns/s "
        "(langid + intents + engine + SQLite + rendering, one process)"
    )


if __name__ == "__main__":
    main()
