"""Message ids the engine and the runner show by themselves (not from a flow).

Marked with ``N_`` so ``orienta i18n update`` extracts them; ids built at run
time (per language, per kind) are listed here in full for the same reason.
"""

from __future__ import annotations

from bot.i18n import N_

__all__ = ["COMMAND_DESCRIPTIONS", "EMERGENCY_NUMBERS", "LANGUAGE_NAMES", "TEXTS", "UNREADABLE"]

#: The general emergency numbers (the emergency flow's first message), also shown by the
#: runner itself when it cannot handle a message that says someone is in danger.
EMERGENCY_NUMBERS = N_("emergency.numbers")

TEXTS = {
    "menu": N_("button.menu"),
    "human": N_("button.human"),
    "emergency": N_("menu.emergency"),
    "what_next": N_("home.what_next"),
    "not_understood": N_("fallback.not_understood"),
    "old_button": N_("error.old_button"),
    "unknown_command": N_("error.unknown_command"),
    "loop": N_("error.loop"),
    "internal": N_("error.internal"),
    "too_long": N_("error.too_long"),
    "cancelled": N_("cancel.done"),
    "switched": N_("language.switched"),
    "use_buttons": N_("service.use_buttons"),
    "escalation_unavailable": N_("escalation.unavailable"),
    "held": N_("welcome.held"),
    "buttons_first": N_("welcome.buttons_first"),
}

UNREADABLE = {
    "empty": N_("error.unreadable_empty"),
    "binary": N_("error.unreadable_binary"),
    "media": N_("error.unreadable_media"),
    "voice": N_("error.unreadable_voice"),
    "edited": N_("error.unreadable_edited"),
}

#: Descriptions of the slash commands in each language's command menu.
COMMAND_DESCRIPTIONS = {
    "start": N_("command.start"),
    "menu": N_("command.menu"),
    "language": N_("command.language"),
    "help": N_("command.help"),
    "mediator": N_("command.mediator"),
    "appointments": N_("command.appointments"),
    "forget": N_("command.forget"),
    "cancel": N_("command.cancel"),
}

LANGUAGE_NAMES = {
    "ar": N_("language.name.ar"),
    "fr": N_("language.name.fr"),
    "it": N_("language.name.it"),
    "fi": N_("language.name.fi"),
    "uk": N_("language.name.uk"),
}
