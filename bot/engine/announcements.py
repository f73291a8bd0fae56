"""The person's choice about announcements (broadcasts): ``/stop`` or the "stop these
messages" button under an announcement turns them off, ``/news`` or the button under the
confirmation turns them back on. Either works anywhere, before or during any flow, and
the conversation carries on where it was."""

from __future__ import annotations

from bot.engine.actions import Button, Say, SetBroadcasts
from bot.engine.events import Command, Event, Press
from bot.i18n import N_

__all__ = [
    "ANNOUNCEMENT_TEXTS",
    "RESUME_COMMAND",
    "RESUME_PAYLOAD",
    "STOP_COMMAND",
    "STOP_PAYLOAD",
    "announcement_choice",
    "announcement_reply",
    "stop_button",
]

STOP_PAYLOAD, RESUME_PAYLOAD = "bc:stop", "bc:on"
STOP_COMMAND, RESUME_COMMAND = "stop", "news"

ANNOUNCEMENT_TEXTS = {
    "stop": N_("broadcast.stop"),
    "resume": N_("broadcast.resume"),
    "stopped": N_("broadcast.stopped"),
    "resumed": N_("broadcast.resumed"),
}


def stop_button() -> Button:
    """The button under every announcement."""
    return Button(ANNOUNCEMENT_TEXTS["stop"], STOP_PAYLOAD, "🔕")


def announcement_choice(event: Event) -> bool | None:
    """True (announcements on), False (off), or None when ``event`` is not that choice."""
    if isinstance(event, Press) and event.data in (STOP_PAYLOAD, RESUME_PAYLOAD):
        return event.data == RESUME_PAYLOAD
    if isinstance(event, Command) and event.name in (STOP_COMMAND, RESUME_COMMAND):
        return event.name == RESUME_COMMAND
    return None


def announcement_reply(on: bool) -> tuple[SetBroadcasts, Say]:
    """What the choice does: the stored choice, and its confirmation (with the way back)."""
    if on:
        return SetBroadcasts(True), Say(ANNOUNCEMENT_TEXTS["resumed"])
    resume = Button(ANNOUNCEMENT_TEXTS["resume"], RESUME_PAYLOAD, "🔔")
    return SetBroadcasts(False), Say(ANNOUNCEMENT_TEXTS["stopped"], buttons=((resume,),))
