"""A terminal chat (``orienta chat``): type messages, pick buttons by number."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.messages import Incoming, Outgoing
from bot.runner import Runner

__all__ = ["TerminalChannel", "chat"]

_RLM = "\u200f"


class TerminalChannel:
    """Prints messages; buttons become numbered lines ("1. 🏠 Housing")."""

    name = "terminal"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buttons: list[str] = []

    async def send(self, message: Outgoing) -> None:
        mark = _RLM if message.direction == "rtl" else ""
        for line in message.text.splitlines() or [""]:
            print(f"bot> {mark}{line}", file=self.out)
        flat = [button for row in message.buttons for button in row]
        if flat:
            self.buttons = [button.data for button in flat]
            for number, button in enumerate(flat, 1):
                print(f"     [{number}] {mark}{button.text}", file=self.out)
        self.out.flush()


async def chat(
    runner: Runner, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout, chat_id: str = "terminal"
) -> None:
    """Read lines until end of input; a bare number presses that button."""
    channel = TerminalChannel(out)
    print(
        "Orienta terminal chat. Type a message; a number presses a button; Ctrl-D quits.", file=out
    )
    while True:
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        text = line.rstrip("\n")
        if text.strip().isdigit() and 1 <= int(text) <= len(channel.buttons):
            incoming = Incoming("terminal", chat_id, "button", data=channel.buttons[int(text) - 1])
        else:
            incoming = Incoming("terminal", chat_id, "text", text=text)
        await runner.handle(incoming, channel)
