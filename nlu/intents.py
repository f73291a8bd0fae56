"""The intent names of the SPEC. Flows, tests and evaluations use exactly these."""

from __future__ import annotations

__all__ = [
    "CHANGE_LANGUAGE",
    "EMERGENCY",
    "HUMAN",
    "INTENTS",
    "OUT_OF_SCOPE",
    "PRIVACY",
    "RIGHTS_TOPICS",
    "SMALL_TALK",
]

INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "book_appointment",
    "cancel_appointment",
    "list_appointments",
    "move_appointment",  # another day or time for an appointment already booked
    "rights_housing",
    "rights_health",
    "rights_work",
    "rights_benefits",
    "rights_education",
    "rights_documents",
    "rights_budget",
    "office_info",
    "human_mediator",
    "emergency",
    "change_language",
    "privacy",  # what data is kept, who reads it, how to delete it ("forget me")
    "out_of_scope",
)

EMERGENCY = "emergency"
HUMAN = "human_mediator"
CHANGE_LANGUAGE = "change_language"
#: Intents that say nothing of what the person needs ("hello", "thanks", "yes").
SMALL_TALK = frozenset({"greet", "thanks", "goodbye", "affirm", "deny"})
OUT_OF_SCOPE = "out_of_scope"
PRIVACY = "privacy"

#: Rights topics: ``rights_<topic>`` intents and knowledge-base topics.
RIGHTS_TOPICS: tuple[str, ...] = tuple(
    name.removeprefix("rights_") for name in INTENTS if name.startswith("rights_")
)
