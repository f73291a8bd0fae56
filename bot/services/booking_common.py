"""What the booking dialogue's two halves share: its texts, its policy, the
conversation variables it keeps and a few helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine.actions import Button, Say
from bot.engine.events import ServiceResult
from bot.i18n import N_, NP_

__all__ = ["BOOKING_TEXTS", "BookingPolicy", "Rows"]

BOOKING_TEXTS = {
    "choose_service": N_("booking.choose_service"),
    "choose_office": N_("booking.choose_office"),
    "ask_region": N_("booking.ask_region"),
    "region_other": N_("booking.region_other"),
    "change_region": N_("booking.change_region"),
    "nearest": N_("booking.nearest_offices"),
    "others": N_("booking.other_offices"),
    "none_region": N_("booking.none_in_region"),
    "none_near": N_("booking.none_near"),
    "abroad": N_("booking.abroad"),
    "abroad_button": N_("booking.abroad_button"),
    "slots": N_("booking.slots"),
    "slots_window": N_("booking.slots_window"),
    "slots_day": N_("booking.slots_day"),
    "move_slots": N_("booking.move_slots"),
    "no_slots": NP_("booking.no_slots", "booking.no_slots.plural"),
    "no_slots_here": NP_("booking.no_slots_here", "booking.no_slots_here.plural"),
    "no_slots_window": N_("booking.no_slots_window"),
    "days": N_("booking.days"),
    "choose_day": N_("booking.choose_day"),
    "earlier_days": N_("booking.earlier_days"),
    "later_days": N_("booking.later_days"),
    "confirm": N_("booking.confirm"),
    "confirm_move": N_("booking.confirm_move"),
    "booked": N_("booking.booked"),
    "moved": N_("booking.moved"),
    "already": N_("booking.already"),
    "full": N_("booking.full"),
    "too_late": N_("booking.too_late"),
    "gone": N_("booking.gone"),
    "limit": NP_("booking.limit", "booking.limit.plural"),
    "list": N_("booking.list"),
    "none": N_("booking.none"),
    "cancel_confirm": N_("booking.cancel_confirm"),
    "cancelled": N_("booking.cancelled"),
    "already_cancelled": N_("booking.already_cancelled"),
    "not_yours": N_("booking.not_yours"),
    "date_unclear": N_("booking.date_unclear"),
    "date_past": N_("booking.date_past"),
    "choose_first": N_("booking.choose_first"),
    "label": N_("button.content"),
    "yes_book": N_("booking.yes_book"),
    "yes_move": N_("booking.yes_move"),
    "other_times": N_("booking.other_times"),
    "earlier": N_("booking.earlier"),
    "later": N_("booking.later"),
    "back": N_("booking.back"),
    "other_office": N_("booking.other_office"),
    "yes_cancel": N_("booking.yes_cancel"),
    "keep": N_("booking.keep"),
    "mine": N_("booking.my_appointments"),
    "book_new": N_("booking.book_new"),
    "move": N_("booking.move"),
    "cancel": N_("booking.cancel"),
}
T = BOOKING_TEXTS
#: Conversation variables: the chosen service, office and time window, the appointment
#: being moved, the step "back" returns to from the times (``new``: the services,
#: ``s:<service>``: the offices, ``l``: my appointments), and the person's region
#: (shared with the knowledge base: asked once, remembered, changeable).
SERVICE, OFFICE, WINDOW, MOVE, BACK = "bk_service", "bk_office", "bk_window", "bk_move", "bk_back"
REGION, ACTION = "region", "appointment_action"
CLEAR = {SERVICE: "", OFFICE: "", WINDOW: "", MOVE: "", BACK: "", ACTION: ""}

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class BookingPolicy:
    """What users may do: how far ahead, how short a notice, how many at once; how many
    times and days one message offers."""

    days: int = 28
    notice: timedelta = timedelta(minutes=60)
    max_active: int = 3
    page: int = 6
    days_page: int = 8


def back(data: str) -> Button:
    """The "back" button to the step before (``data`` after the ``b:`` prefix)."""
    return Button(T["back"], f"b:{data}", "⬅️")


def wait(says: Say | Sequence[Say], changes: Mapping[str, str]) -> ServiceResult:
    """Ask the person something: the booking step waits for their press or text."""
    shown = (says,) if isinstance(says, Say) else tuple(says)
    return ServiceResult(ok=True, wait=True, says=shown, vars=dict(changes))


def epoch_minutes(value: datetime) -> int:
    return int(value.timestamp() // 60)


def number(value: str) -> int | None:
    """A button's number (a slot, an appointment, minutes since the epoch)."""
    return int(value) if value.isdigit() and len(value) < 12 else None
