"""The web console's case queue: open cases, a case with its transcript, a reply box
and the claim / close / return actions — the same store functions the Telegram
staff group uses. Until staff accounts exist, only 127.0.0.1 may open it.
"""

from __future__ import annotations

from bot.i18n import N_

__all__ = ["CONSOLE_TEXTS"]

CONSOLE_TEXTS = {
    "title": N_("console.title"),
    "queue": N_("console.queue"),
    "language": N_("console.language"),
    "urgency": N_("console.urgency"),
    "status": N_("console.status"),
    "any": N_("console.any"),
    "open": N_("console.open"),
    "filter": N_("console.filter"),
    "case": N_("console.case"),
    "opened": N_("console.opened"),
    "mediator": N_("console.mediator"),
    "empty": N_("console.empty"),
    "acting_as": N_("console.acting_as"),
    "no_mediators": N_("console.no_mediators"),
    "reply": N_("console.reply"),
    "send": N_("console.send"),
    "note": N_("console.note"),
    "transcript": N_("console.transcript"),
    "summary": N_("console.summary"),
    "back": N_("console.back"),
    "person": N_("console.person"),
    "internal_note": N_("console.internal_note"),
    "no_messages": N_("console.no_messages"),
    "media": N_("console.media"),
    "empty_reply": N_("console.empty_reply"),
    "rating": N_("console.rating"),
}
