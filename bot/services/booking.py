"""Booking by buttons: choose a service and an office, see the next free times,
book and confirm; list, move and cancel one's appointments. Free text such as
"mardi matin" narrows the times offered.

Every button carries what it needs (after the ``b:`` prefix), and every press is
checked again against the database, so an old button, a time taken meanwhile or
a double tap gets a clear answer and never a half-done booking:

``new`` start · ``s:<service>`` · ``o:<office>`` · ``n:<minutes since epoch>`` later
times · ``t:<slot>`` pick · ``c:<slot>`` confirm · ``l`` my appointments ·
``x:<appointment>`` / ``X:<appointment>`` cancel / confirmed ·
``m:<appointment>`` move · ``r:<appointment>:<slot>`` confirm the move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.engine.actions import Button, Say
from bot.engine.core import home_buttons
from bot.engine.events import ServiceResult
from bot.i18n import N_, NP_, format_moment, format_short_moment
from bot.services.content import local_name
from bot.services.interfaces import ServiceContext
from bot.services.when import DayParts, Window, parse_when
from bot.store.appointments import (
    AppointmentBook,
    AppointmentView,
    BookingStatus,
    OfficeView,
    SlotView,
)

__all__ = ["BOOKING_TEXTS", "BookingPolicy", "BookingService", "appointment_params"]

BOOKING_TEXTS = {
    "choose_service": N_("booking.choose_service"),
    "choose_office": N_("booking.choose_office"),
    "slots": N_("booking.slots"),
    "slots_window": N_("booking.slots_window"),
    "move_slots": N_("booking.move_slots"),
    "no_slots": NP_("booking.no_slots", "booking.no_slots.plural"),
    "no_slots_window": N_("booking.no_slots_window"),
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
    "later": N_("booking.later"),
    "other_office": N_("booking.other_office"),
    "yes_cancel": N_("booking.yes_cancel"),
    "keep": N_("booking.keep"),
    "mine": N_("booking.my_appointments"),
    "book_new": N_("booking.book_new"),
    "move": N_("booking.move"),
    "cancel": N_("booking.cancel"),
}
T = BOOKING_TEXTS
_SERVICE, _OFFICE, _WINDOW, _MOVE = "bk_service", "bk_office", "bk_window", "bk_move"
_ACTION = "appointment_action"
_CLEAR = {_SERVICE: "", _OFFICE: "", _WINDOW: "", _MOVE: "", _ACTION: ""}

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class BookingPolicy:
    """What users may do: how far ahead, how short a notice, how many at once."""

    days: int = 28
    notice: timedelta = timedelta(minutes=60)
    max_active: int = 3
    page: int = 6


def appointment_params(view: AppointmentView, lang: str) -> dict[str, str]:
    """The values the appointment messages (and reminders) show, in ``lang``."""
    office = view.office
    return {
        "service": local_name(view.service.name, lang),
        "office": local_name(office.name, lang),
        "address": office.address,
        "phone": office.phone,
        "when": format_moment(view.slot.starts_at, office.timezone, lang),
    }


def _epoch_minutes(value: datetime) -> int:
    return int(value.timestamp() // 60)


class BookingService:
    """The booking dialogue over an :class:`AppointmentBook`."""

    def __init__(
        self, book: AppointmentBook, day_parts: DayParts, policy: BookingPolicy | None = None
    ) -> None:
        self.book = book
        self.day_parts = day_parts
        self.policy = policy or BookingPolicy()
        #: Called when a place was taken meanwhile (counted in the metrics).
        self.on_conflict: Callable[[], None] | None = None

    # -- the service protocol ------------------------------------------------------
    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        action = ctx.vars.get(_ACTION, "book")
        if action in ("list", "cancel"):
            return self._list(ctx)
        service = args.get("service", "")
        if service and self.book.service(service) is not None:
            return self._offices(ctx, service)
        return self._services(ctx)

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        intent = args.get("intent", "")
        if intent in ("list_appointments", "cancel_appointment"):
            return self._list(ctx)
        return self._narrow(ctx, args.get("text", ""), leaves=bool(args.get("leaves")))

    # -- presses -------------------------------------------------------------------
    def _press(self, ctx: ServiceContext, data: str) -> ServiceResult:
        code, _, value = data.partition(":")
        number = _int(value.partition(":")[0])
        if code == "new":
            return self._services(ctx)
        if code == "s" and self.book.service(value) is not None:
            return self._offices(ctx, value)
        if code == "o":
            return self._slots(ctx, value, ctx.vars.get(_SERVICE, ""), None, {_WINDOW: ""})
        if code == "n" and number is not None:
            after = datetime.fromtimestamp(number * 60, UTC)
            return self._slots(
                ctx, ctx.vars.get(_OFFICE, ""), ctx.vars.get(_SERVICE, ""), None, {}, after=after
            )
        if code == "t" and number is not None:
            return self._confirm(ctx, number)
        if code == "c" and number is not None:
            return self._book(ctx, number)
        if code == "l":
            return self._list(ctx)
        if code == "x" and number is not None:
            return self._ask_cancel(ctx, number)
        if code == "X" and number is not None:
            return self._cancel(ctx, number)
        if code == "m" and number is not None:
            return self._start_move(ctx, number)
        if code == "r":
            appointment, _, slot = value.partition(":")
            if _int(appointment) is not None and _int(slot) is not None:
                return self._move(ctx, int(appointment), int(slot))
        return self._services(ctx)  # an unknown or outdated button: start again

    # -- choosing ------------------------------------------------------------------
    def _services(self, ctx: ServiceContext) -> ServiceResult:
        services = self.book.services()
        if not services:  # nothing bookable here yet: the flow says where to go instead
            return ServiceResult(ok=False, vars=_CLEAR)
        rows = tuple(
            (Button(T["label"], f"b:s:{s.id}", "📅", {"label": local_name(s.name, ctx.lang)}),)
            for s in services
        )
        rows += ((Button(T["mine"], "b:l", "📋"),),)
        return self._wait(Say(T["choose_service"], buttons=rows + home_buttons()), _CLEAR)

    def _offices(self, ctx: ServiceContext, service: str) -> ServiceResult:
        offices = self.book.offices(service)
        region = ctx.vars.get("region", "")

        def order(office: OfficeView) -> tuple[int, int, int, str]:
            return (
                0 if ctx.lang in office.languages else 1 if office.interpreter else 2,
                0 if region and office.region == region else 1,
                0,
                office.id,
            )

        offices.sort(key=order)
        if len(offices) == 1:
            return self._slots(ctx, offices[0].id, service, None, {_SERVICE: service})
        rows = tuple(
            (
                Button(
                    T["label"],
                    f"b:o:{o.id}",
                    _office_icon(o, ctx.lang),
                    {"label": local_name(o.name, ctx.lang)},
                ),
            )
            for o in offices
        )
        say = Say(T["choose_office"], buttons=rows + home_buttons())
        return self._wait(say, {_SERVICE: service, _OFFICE: "", _WINDOW: ""})

    def _slots(
        self,
        ctx: ServiceContext,
        office_id: str,
        service_id: str,
        window: Window | None,
        changes: Mapping[str, str],
        *,
        after: datetime | None = None,
        lead: Sequence[Say] = (),
    ) -> ServiceResult:
        office = self.book.office(office_id) if office_id else None
        service = self.book.service(service_id) if service_id else None
        if office is None or service is None:
            return self._services(ctx)
        earliest = ctx.now + self.policy.notice
        horizon = ctx.now + timedelta(days=self.policy.days)
        start, end = earliest, horizon
        if window is not None:
            low, high = window.bounds(office.timezone)
            start, end = max(earliest, low), min(horizon, high)
        if after is not None:
            start = max(start, after)
        slots = self.book.free_slots(office.id, service.id, start, end, self.policy.page + 1)
        says = list(lead)
        new_vars = {**changes, _OFFICE: office.id, _SERVICE: service.id}
        params = {
            "office": local_name(office.name, ctx.lang),
            "address": office.address,
            "phone": office.phone,
            "service": local_name(service.name, ctx.lang),
            "days": str(self.policy.days),
        }
        if not slots and window is not None:
            says.append(Say(T["no_slots_window"], dict(params)))
            return self._slots(
                ctx, office.id, service.id, None, {**new_vars, _WINDOW: ""}, lead=says
            )
        if not slots:
            rows: Rows = ((Button(T["other_office"], f"b:s:{service.id}", "🏢"),),)
            says.append(Say(T["no_slots"], dict(params), buttons=rows + home_buttons()))
            return self._wait_all(says, new_vars)
        shown, more = slots[: self.policy.page], len(slots) > self.policy.page
        moving = ctx.vars.get(_MOVE, "") if _MOVE not in changes else changes[_MOVE]
        slot_rows = [
            Button(
                T["label"],
                f"b:t:{s.id}",
                "🕘",
                {"label": format_short_moment(s.starts_at, office.timezone, ctx.lang)},
            )
            for s in shown
        ]
        rows = tuple(tuple(slot_rows[i : i + 2]) for i in range(0, len(slot_rows), 2))
        if more:
            later = _epoch_minutes(shown[-1].starts_at) + 1
            rows += ((Button(T["later"], f"b:n:{later}", "⏩"),),)
        rows += ((Button(T["other_office"], f"b:s:{service.id}", "🏢"),),)
        text = T["move_slots"] if moving else (T["slots_window"] if window else T["slots"])
        says.append(Say(text, params, buttons=rows + home_buttons()))
        return self._wait_all(says, new_vars)

    def _narrow(self, ctx: ServiceContext, text: str, *, leaves: bool) -> ServiceResult:
        office = self.book.office(ctx.vars.get(_OFFICE, ""))
        service_id = ctx.vars.get(_SERVICE, "")
        if office is None or not service_id:
            if leaves:
                return ServiceResult(ok=True, passed=True)
            result = self._services(ctx)
            return ServiceResult(
                ok=True, wait=True, vars=result.vars, says=(Say(T["choose_first"]), *result.says)
            )
        parsed = parse_when(text, ctx.lang, ctx.now, office.timezone, self.day_parts)
        if parsed.past:
            return self._slots(
                ctx, office.id, service_id, None, {_WINDOW: ""}, lead=(Say(T["date_past"]),)
            )
        if parsed.window is None:
            if leaves:
                return ServiceResult(ok=True, passed=True)  # not a day: something else
            return self._slots(ctx, office.id, service_id, None, {}, lead=(Say(T["date_unclear"]),))
        return self._slots(
            ctx, office.id, service_id, parsed.window, {_WINDOW: parsed.window.to_var()}
        )

    # -- booking -------------------------------------------------------------------
    def _confirm(self, ctx: ServiceContext, slot_id: int) -> ServiceResult:
        slot = self.book.slot(slot_id)
        office = self.book.office(slot.office_id) if slot else None
        service = self.book.service(slot.service_id) if slot else None
        if slot is None or office is None or service is None:
            return self._problem(ctx, BookingStatus.GONE, None)
        if slot.starts_at < ctx.now + self.policy.notice:
            return self._problem(ctx, BookingStatus.TOO_LATE, slot)
        if slot.free <= 0:
            return self._problem(ctx, BookingStatus.FULL, slot)
        params = {
            "service": local_name(service.name, ctx.lang),
            "office": local_name(office.name, ctx.lang),
            "address": office.address,
            "when": format_moment(slot.starts_at, office.timezone, ctx.lang),
        }
        moving = _int(ctx.vars.get(_MOVE, ""))
        if moving is not None:
            yes = Button(T["yes_move"], f"b:r:{moving}:{slot.id}", "✅")
            text = T["confirm_move"]
        else:
            yes = Button(T["yes_book"], f"b:c:{slot.id}", "✅")
            text = T["confirm"]
        rows: Rows = ((yes,), (Button(T["other_times"], f"b:o:{office.id}", "🕘"),))
        return self._wait(
            Say(text, params, buttons=rows + home_buttons()),
            {_OFFICE: office.id, _SERVICE: service.id},
        )

    def _book(self, ctx: ServiceContext, slot_id: int) -> ServiceResult:
        outcome = self.book.book(
            ctx.user_id,
            slot_id,
            ctx.lang,
            ctx.now,
            notice=self.policy.notice,
            max_active=self.policy.max_active,
        )
        if outcome.status is BookingStatus.BOOKED and outcome.appointment is not None:
            return self._done(T["booked"], outcome.appointment, ctx.lang)
        if outcome.status is BookingStatus.ALREADY and outcome.appointment is not None:
            return self._done(T["already"], outcome.appointment, ctx.lang)
        if outcome.status is BookingStatus.FULL and self.on_conflict is not None:
            self.on_conflict()
        if outcome.status is BookingStatus.LIMIT:
            listing = self._list(ctx)
            return ServiceResult(
                ok=True,
                wait=True,
                vars=listing.vars,
                says=(Say(T["limit"], {"count": str(self.policy.max_active)}), *listing.says),
            )
        return self._problem(ctx, outcome.status, self.book.slot(slot_id))

    def _problem(
        self, ctx: ServiceContext, status: BookingStatus, slot: SlotView | None
    ) -> ServiceResult:
        """A time that cannot be booked: say why and offer the next free ones."""
        text = {BookingStatus.FULL: T["full"], BookingStatus.TOO_LATE: T["too_late"]}.get(
            status, T["gone"]
        )
        office_id = slot.office_id if slot else ctx.vars.get(_OFFICE, "")
        service_id = slot.service_id if slot else ctx.vars.get(_SERVICE, "")
        return self._slots(ctx, office_id, service_id, None, {_WINDOW: ""}, lead=(Say(text),))

    def _done(self, text: str, view: AppointmentView, lang: str) -> ServiceResult:
        rows: Rows = ((Button(T["mine"], "b:l", "📋"),),)
        say = Say(text, appointment_params(view, lang), buttons=rows + home_buttons())
        return ServiceResult(ok=True, says=(say,), vars=_CLEAR)

    # -- my appointments -------------------------------------------------------------
    def _list(self, ctx: ServiceContext) -> ServiceResult:
        upcoming = self.book.upcoming(ctx.user_id, ctx.now)
        if not upcoming:
            rows: Rows = ((Button(T["book_new"], "b:new", "📅"),),)
            return self._wait(Say(T["none"], buttons=rows + home_buttons()), _CLEAR)
        lines = []
        buttons: list[tuple[Button, ...]] = []
        for view in upcoming:
            params = appointment_params(view, ctx.lang)
            lines.append(f"🗓️ {params['when']} — {params['service']}, {params['office']}")
            short = {
                "label": format_short_moment(view.slot.starts_at, view.office.timezone, ctx.lang)
            }
            buttons.append(
                (
                    Button(T["move"], f"b:m:{view.id}", "🔁", short),
                    Button(T["cancel"], f"b:x:{view.id}", "❌", short),
                )
            )
        buttons.append((Button(T["book_new"], "b:new", "📅"),))
        say = Say(T["list"], {"items": "\n".join(lines)}, buttons=(*buttons, *home_buttons()))
        return self._wait(say, _CLEAR)

    def _ask_cancel(self, ctx: ServiceContext, appointment_id: int) -> ServiceResult:
        view = self.book.appointment(appointment_id)
        if view is None or view.user_id != ctx.user_id:
            return self._with_list(ctx, T["not_yours"])
        if view.status != "booked":
            return self._with_list(ctx, T["already_cancelled"])
        rows: Rows = (
            (Button(T["yes_cancel"], f"b:X:{view.id}", "❌"),),
            (Button(T["keep"], "b:l", "✅"),),
        )
        return self._wait(
            Say(
                T["cancel_confirm"],
                appointment_params(view, ctx.lang),
                buttons=rows + home_buttons(),
            ),
            {},
        )

    def _cancel(self, ctx: ServiceContext, appointment_id: int) -> ServiceResult:
        outcome = self.book.cancel(ctx.user_id, appointment_id, ctx.now, notice=timedelta(0))
        if outcome.status is BookingStatus.CANCELLED and outcome.appointment is not None:
            return self._done(T["cancelled"], outcome.appointment, ctx.lang)
        return self._with_list(ctx, _status_text(outcome.status))

    def _start_move(self, ctx: ServiceContext, appointment_id: int) -> ServiceResult:
        view = self.book.appointment(appointment_id)
        if view is None or view.user_id != ctx.user_id:
            return self._with_list(ctx, T["not_yours"])
        if view.status != "booked":
            return self._with_list(ctx, T["already_cancelled"])
        if view.slot.starts_at < ctx.now + self.policy.notice:
            return self._with_list(ctx, T["too_late"])
        return self._slots(
            ctx, view.office.id, view.service.id, None, {_MOVE: str(view.id), _WINDOW: ""}
        )

    def _move(self, ctx: ServiceContext, appointment_id: int, slot_id: int) -> ServiceResult:
        outcome = self.book.reschedule(
            ctx.user_id, appointment_id, slot_id, ctx.now, notice=self.policy.notice
        )
        if outcome.status is BookingStatus.MOVED and outcome.appointment is not None:
            return self._done(T["moved"], outcome.appointment, ctx.lang)
        if outcome.status in (BookingStatus.FULL, BookingStatus.GONE):
            if outcome.status is BookingStatus.FULL and self.on_conflict is not None:
                self.on_conflict()
            slot = self.book.slot(slot_id)
            return self._problem(ctx, outcome.status, slot)
        if outcome.status is BookingStatus.ALREADY and outcome.appointment is not None:
            return self._done(T["already"], outcome.appointment, ctx.lang)
        return self._with_list(ctx, _status_text(outcome.status))

    def _with_list(self, ctx: ServiceContext, text: str) -> ServiceResult:
        listing = self._list(ctx)
        return ServiceResult(ok=True, wait=True, vars=listing.vars, says=(Say(text), *listing.says))

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _wait(say: Say, changes: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=True, wait=True, says=(say,), vars=dict(changes))

    @staticmethod
    def _wait_all(says: Sequence[Say], changes: Mapping[str, str]) -> ServiceResult:
        return ServiceResult(ok=True, wait=True, says=tuple(says), vars=dict(changes))


def _status_text(status: BookingStatus) -> str:
    return {
        BookingStatus.NOT_YOURS: T["not_yours"],
        BookingStatus.GONE: T["not_yours"],
        BookingStatus.ALREADY_CANCELLED: T["already_cancelled"],
        BookingStatus.TOO_LATE: T["too_late"],
    }.get(status, T["gone"])


def _office_icon(office: OfficeView, lang: str) -> str:
    return "🗣️" if lang in office.languages else "🎧" if office.interpreter else "🏢"


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None
