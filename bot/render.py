"""Turn the engine's ``Say`` actions into text in the user's language."""

from __future__ import annotations

from bot.engine.actions import Msg, Say
from bot.i18n import Catalogs, isolate
from bot.messages import OutButton, Outgoing

__all__ = ["render"]


def render(say: Say, chat_id: str, lang: str | None, catalogs: Catalogs) -> Outgoing:
    """Render one ``Say``: translate the text, its parameters and its buttons.

    Parameters are wrapped in Unicode isolates so a left-to-right value (a
    language name, an address) cannot scramble a right-to-left sentence.
    """
    translator = catalogs.translator(say.lang or lang)
    params = {
        name: isolate(translator.gettext(value.msgid) if isinstance(value, Msg) else value)
        for name, value in say.params.items()
    }
    text = translator.gettext(say.text, **params)
    buttons = tuple(
        tuple(
            OutButton(f"{b.icon} {translator.gettext(b.label, **b.params)}".strip(), b.payload)
            for b in row
        )
        for row in say.buttons
    )
    return Outgoing(chat_id, text, translator.lang, translator.direction, buttons)
