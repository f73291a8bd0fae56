"""Booking by buttons: choose a service and an office near the person, a day and a
time, book and confirm; list, move and cancel one's appointments. Free text such
as "mardi matin" narrows the times offered. The choosing half is
:mod:`bot.services.booking_choice`.

Every button carries what it needs (after the ``b:`` prefix), and every press is
checked again against the database, so an old button, a time taken meanwhile or
a double tap gets a clear answer and never a half-done booking:

``new`` start · ``s:<service>`` its offices · ``g`` / ``g:<region>`` where I live ·
``o:<office>`` its times · ``a:<office>`` another office (never this one) ·
``w:<service>`` offices in other countries · ``n:<minutes since epoch>`` later /
``p:<minutes>`` earlier times · ``d`` / ``d:<yyyymmdd>`` choose a day ·
``y:<yyyymmdd>`` that day's times · ``t:<slot>`` pick · ``c:<slot>`` confirm ·
``l`` my appointments · ``x:<appointment>`` / ``X:<appointment>`` cancel /
confirmed · ``m:<appointment>`` move · ``r:<appointment>:<slot>`` confirm the move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from bot.domain.content import local_name
from bot.engine.actions import Button, Say
from bot.engine.config import home_buttons
from bot.engine.events import ServiceResult
from bot.i18n import format_moment, format_short_moment
from bot.services.booking_choice import Chooser, parse_day
from bot.services.booking_common import (
    ACTION,
    BACK,
    BOOKING_TEXTS,
    CLEAR,
    MOVE,
    NO,
    OFFICE,
    SERVICE,
    WINDOW,
    YES,
    BookingPolicy,
    Rows,
    number,
    wait,
)
from bot.services.interfaces import ServiceContext
from bot.services.when import DayParts
from bot.store.appointments import (
    AppointmentBook,
    AppointmentView,
    BookingStatus,
    SlotView,
)
from bot.store.knowledge import KnowledgeStore

__all__ = ["BOOKING_TEXTS", "BookingPolicy", "BookingService", "appointment_params"]

T = BOOKING_TEXTS


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


class BookingService:
    """The booking dialogue over an :class:`AppointmentBook` (regions, for the offices
    near the person, from a :class:`KnowledgeStore` over the same store)."""

    def __init__(
        self,
        book: AppointmentBook,
        day_parts: DayParts,
        policy: BookingPolicy | None = None,
        places: KnowledgeStore | None = None,
    ) -> None:
        self.book = book
        self.policy = policy or BookingPolicy()
        self.choose = Chooser(book, places or KnowledgeStore(book.store), day_parts, self.policy)
        #: Called when a place was taken meanwhile (counted in the metrics).
        self.on_conflict: Callable[[], None] | None = None

    # -- the service protocol ------------------------------------------------------
    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        action = ctx.vars.get(ACTION, "book")
        if action == "move":
            return self._move_one(ctx)
        if action in ("list", "cancel"):
            return self._list(ctx)
        service = args.get("service", "")
        if service and self.book.service(service) is not None:
            return self.choose.offices(ctx, service)
        return self.choose.services(ctx)

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        intent = args.get("intent", "")
        answer = {"affirm": ctx.vars.get(YES, ""), "deny": ctx.vars.get(NO, "")}.get(intent)
        if answer:  # "yes" / "no" typed to a yes/no question: as its button
            return self._press(ctx, answer)
        if intent == "move_appointment":
            return self._move_one(ctx)
        if intent in ("list_appointments", "cancel_appointment"):
            return self._list(ctx)
        return self.choose.narrow(ctx, args.get("text", ""), leaves=bool(args.get("leaves")))

    # -- presses -------------------------------------------------------------------
    def _press(self, ctx: ServiceContext, data: str) -> ServiceResult:
        code, _, value = data.partition(":")
        choose, num = self.choose, number(value.partition(":")[0])
        moment = datetime.fromtimestamp(num * 60, UTC) if num is not None else None
        if code == "new":
            return choose.services(ctx)
        if code == "s" and self.book.service(value) is not None:
            return choose.offices(ctx, value)
        if code == "g":
            return choose.region_chosen(ctx, value) if value else choose.ask_region(ctx, {})
        if code == "o":
            return choose.slots(ctx, value, ctx.vars.get(SERVICE, ""), None, {WINDOW: ""})
        if code == "a":
            return choose.others(ctx, value)
        if code == "w":
            return choose.abroad(ctx, value)
        if code == "n" and moment is not None:
            return choose.page(ctx, after=moment)
        if code == "p" and moment is not None:
            return choose.page(ctx, before=moment)
        if code == "d":
            return choose.days(ctx, parse_day(value))
        if code == "y" and (day := parse_day(value)) is not None:
            return choose.day(ctx, day)
        if code == "t" and num is not None:
            return self._confirm(ctx, num)
        if code == "c" and num is not None:
            return self._book(ctx, num)
        if code == "l":
            return self._list(ctx)
        if code == "x" and num is not None:
            return self._ask_cancel(ctx, num)
        if code == "X" and num is not None:
            return self._cancel(ctx, num)
        if code == "m" and num is not None:
            return self._start_move(ctx, num)
        if code == "r":
            appointment, _, slot = value.partition(":")
            if number(appointment) is not None and number(slot) is not None:
                return self._move(ctx, int(appointment), int(slot))
        return choose.services(ctx)  # an unknown or outdated button: start again

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
        moving = number(ctx.vars.get(MOVE, ""))
        if moving is not None:
            yes = Button(T["yes_move"], f"b:r:{moving}:{slot.id}", "✅")
            text = T["confirm_move"]
        else:
            yes = Button(T["yes_book"], f"b:c:{slot.id}", "✅")
            text = T["confirm"]
        rows: Rows = ((yes,), (Button(T["other_times"], f"b:o:{office.id}", "🕘"),))
        return wait(
            Say(text, params, buttons=rows + home_buttons()),
            {
                OFFICE: office.id,
                SERVICE: service.id,
                YES: yes.payload.removeprefix("b:"),
                NO: f"o:{office.id}",
            },
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
        office_id = slot.office_id if slot else ctx.vars.get(OFFICE, "")
        service_id = slot.service_id if slot else ctx.vars.get(SERVICE, "")
        return self.choose.slots(ctx, office_id, service_id, None, {WINDOW: ""}, lead=(Say(text),))

    def _done(self, text: str, view: AppointmentView, lang: str) -> ServiceResult:
        rows: Rows = ((Button(T["mine"], "b:l", "📋"),),)
        say = Say(text, appointment_params(view, lang), buttons=rows + home_buttons())
        return ServiceResult(ok=True, says=(say,), vars=CLEAR)

    # -- my appointments -------------------------------------------------------------
    def _list(self, ctx: ServiceContext) -> ServiceResult:
        upcoming = self.book.upcoming(ctx.user_id, ctx.now)
        if not upcoming:
            rows: Rows = ((Button(T["book_new"], "b:new", "📅"),),)
            return wait(Say(T["none"], buttons=rows + home_buttons()), CLEAR)
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
        return wait(say, CLEAR)

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
        return wait(
            Say(
                T["cancel_confirm"],
                appointment_params(view, ctx.lang),
                buttons=rows + home_buttons(),
            ),
            {YES: f"X:{view.id}", NO: "l"},
        )

    def _cancel(self, ctx: ServiceContext, appointment_id: int) -> ServiceResult:
        outcome = self.book.cancel(ctx.user_id, appointment_id, ctx.now, notice=timedelta(0))
        if outcome.status is BookingStatus.CANCELLED and outcome.appointment is not None:
            return self._done(T["cancelled"], outcome.appointment, ctx.lang)
        return self._with_list(ctx, _status_text(outcome.status))

    def _move_one(self, ctx: ServiceContext) -> ServiceResult:
        """To "move my appointment": the times for the only upcoming one, else the list
        (each with its move button)."""
        upcoming = self.book.upcoming(ctx.user_id, ctx.now)
        if len(upcoming) == 1:
            return self._start_move(ctx, upcoming[0].id)
        return self._list(ctx)

    def _start_move(self, ctx: ServiceContext, appointment_id: int) -> ServiceResult:
        view = self.book.appointment(appointment_id)
        if view is None or view.user_id != ctx.user_id:
            return self._with_list(ctx, T["not_yours"])
        if view.status != "booked":
            return self._with_list(ctx, T["already_cancelled"])
        if view.slot.starts_at < ctx.now + self.policy.notice:
            return self._with_list(ctx, T["too_late"])
        return self.choose.slots(
            ctx, view.office.id, view.service.id, None, {MOVE: str(view.id), WINDOW: "", BACK: "l"}
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


def _status_text(status: BookingStatus) -> str:
    return {
        BookingStatus.NOT_YOURS: T["not_yours"],
        BookingStatus.GONE: T["not_yours"],
        BookingStatus.ALREADY_CANCELLED: T["already_cancelled"],
        BookingStatus.TOO_LATE: T["too_late"],
    }.get(status, T["gone"])
