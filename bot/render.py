"""Turn the engine's ``Say`` actions into text in the user's language."""

from __future__ import annotations

from bot.engine.actions import Button, Msg, Say
from bot.i18n import Catalogs, isolate, isolate_fragments
from bot.messages import OutButton, Outgoing

__all__ = ["render"]


def render(say: Say, chat_id: str, lang: str | None, catalogs: Catalogs) -> Outgoing:
    """Render one ``Say``: translate the text, its parameters and its buttons.

    Parameters are wrapped in Unicode isolates so a left-to-right value (a
    language name, an address) cannot scramble a right-to-left sentence; the Latin,
    number, URL and phone fragments inside a right-to-left value (an Arabic article's
    body, a list of emergency lines) are isolated too, also in buttons' labels.
    """
    translator = catalogs.translator(say.lang or lang)
    params = {
        name: isolate(translator.gettext(value.msgid) if isinstance(value, Msg) else value)
        for name, value in say.params.items()
    }
    text = translator.gettext(say.text, **params)

    def label(button: Button) -> str:
        params = {name: isolate_fragments(value) for name, value in button.params.items()}
        return f"{button.icon} {translator.gettext(button.label, **params)}".strip()

    buttons = tuple(tuple(OutButton(label(b), b.payload) for b in row) for row in say.buttons)
    return Outgoing(chat_id, text, translator.lang, translator.direction, buttons)
