"""Transcript-style conversation driver for tests: say, press, read the replies."""

from __future__ import annotations

from bot.app import Orienta
from bot.channels.memory import MemoryChannel
from bot.messages import Incoming, OutButton, Outgoing

__all__ = ["NAMES", "Dialog", "bare"]

#: The language buttons' labels: each language named in itself.
NAMES = {"ar": "العربية", "fr": "Français", "it": "Italiano", "fi": "Suomi", "uk": "Українська"}


def bare(text: str) -> str:
    """Text without Unicode isolates (those rendering puts around parameters, and the
    left-to-right ones around commands in Arabic texts)."""
    return text.replace("\u2066", "").replace("\u2068", "").replace("\u2069", "")


class Dialog:
    """One user talking to a wired Orienta through the in-memory channel."""

    def __init__(
        self,
        orienta: Orienta,
        chat_id: str = "chat-1",
        channel: str = "memory",
        language_code: str | None = None,
    ) -> None:
        self.orienta = orienta
        self.chat_id = chat_id
        self.channel_name = channel
        self.language_code = language_code
        self.channel = MemoryChannel(channel)
        self.last: list[Outgoing] = []

    async def _send(self, incoming: Incoming) -> list[Outgoing]:
        await self.orienta.runner.handle(incoming, self.channel)
        self.last = self.channel.take(self.chat_id)
        return self.last

    async def say(self, text: str) -> list[Outgoing]:
        return await self._send(
            Incoming(
                self.channel_name, self.chat_id, "text", text=text, language_code=self.language_code
            )
        )

    async def media(self, kind: str = "media") -> list[Outgoing]:
        return await self._send(
            Incoming(
                self.channel_name,
                self.chat_id,
                kind,  # type: ignore[arg-type]
                language_code=self.language_code,
            )
        )

    def buttons(self) -> list[OutButton]:
        return [b for message in self.last for row in message.buttons for b in row]

    def button(self, label: str) -> OutButton:
        """The button of the last replies whose text contains ``label``."""
        found = [b for b in self.buttons() if label in b.text]
        assert found, f"no button {label!r} in {[b.text for b in self.buttons()]}"
        return found[-1]

    async def press(self, label: str) -> list[Outgoing]:
        return await self.press_data(self.button(label).data)

    async def press_data(self, data: str) -> list[Outgoing]:
        return await self._send(
            Incoming(
                self.channel_name,
                self.chat_id,
                "button",
                data=data,
                language_code=self.language_code,
            )
        )

    def texts(self) -> list[str]:
        return [message.text for message in self.last]

    def t(self, lang: str, msgid: str, **params: str) -> str:
        """The catalog text of ``msgid`` in ``lang`` (what the user should see)."""
        return self.orienta.catalogs.translator(lang).gettext(msgid, **params)


async def consent(dialog: Dialog, lang: str) -> None:
    """/start, the language by its button, and the consent agreed."""
    await dialog.say("/start")
    await dialog.press(NAMES[lang])
    await dialog.press(dialog.t(lang, "consent.agree"))
