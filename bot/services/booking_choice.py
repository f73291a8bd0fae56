"""Booking, the choosing half: a service, where the person lives (asked once when it
matters), an office near them, a day and a time.

Offices are offered by nearness (:mod:`bot.services.nearby`): the person's region
first, then the rest of their country; another country only when the person asks
("🌍 offices in other countries"), and when nothing is near, an honest answer with
the way on (a person, by chat, phone or video). "Another office" never offers the
office being shown. Times come a page at a time, earlier and later, or by day
("📆 choose a day"); every step has a "back".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.domain.calendar import day_label, day_title, local_days
from bot.domain.content import ALL, local_name
from bot.engine.actions import Button, Say
from bot.engine.config import home_buttons
from bot.engine.events import ServiceResult
from bot.i18n import format_short_moment
from bot.services.booking_common import (
    BACK,
    CLEAR,
    MOVE,
    OFFICE,
    REGION,
    SERVICE,
    WINDOW,
    BookingPolicy,
    Rows,
    back,
    epoch_minutes,
    wait,
)
from bot.services.booking_common import BOOKING_TEXTS as T
from bot.services.interfaces import ServiceContext
from bot.services.nearby import Nearby, nearby, region_needed
from bot.services.when import DayParts, Window, parse_when
from bot.store.appointments import AppointmentBook, OfficeView, ServiceView
from bot.store.knowledge import Choice, KnowledgeStore

__all__ = ["Chooser", "day_data", "parse_day"]

#: At most this many free times are read to list the days that have some.
_DAY_SCAN = 2000


def day_data(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_day(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date() if len(value) == 8 else None
    except ValueError:
        return None


def _pairs(buttons: Sequence[Button]) -> Rows:
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def _office_icon(office: OfficeView, lang: str) -> str:
    return "🗣️" if lang in office.languages else "🎧" if office.interpreter else "🏢"


class Chooser:
    """Services, region, offices, days and times, over an :class:`AppointmentBook`."""

    def __init__(
        self,
        book: AppointmentBook,
        places: KnowledgeStore,
        day_parts: DayParts,
        policy: BookingPolicy,
    ) -> None:
        self.book = book
        self.places = places
        self.day_parts = day_parts
        self.policy = policy

    # -- a service -----------------------------------------------------------------
    def services(self, ctx: ServiceContext) -> ServiceResult:
        services = self.book.services()
        if not services:  # nothing bookable here yet: the flow says where to go instead
            return ServiceResult(ok=False, vars=CLEAR)
        rows = tuple(
            (Button(T["label"], f"b:s:{s.id}", "📅", {"label": local_name(s.name, ctx.lang)}),)
            for s in services
        )
        rows += ((Button(T["mine"], "b:l", "📋"),),)
        return wait(Say(T["choose_service"], buttons=_home(rows)), CLEAR)

    # -- where the person lives ----------------------------------------------------------
    def ask_region(self, ctx: ServiceContext, changes: Mapping[str, str]) -> ServiceResult:
        rows = tuple(
            (Button(T["label"], f"b:g:{r.id}", "📍", {"label": local_name(r.name, ctx.lang)}),)
            for r in self.places.regions()
        )
        rows += ((Button(T["region_other"], f"b:g:{ALL}", "🌍"),), (back("new"),))
        return wait(Say(T["ask_region"], buttons=_home(rows)), changes)

    def region_chosen(self, ctx: ServiceContext, region: str) -> ServiceResult:
        """The person said where they live: remembered, then the offices of the service
        they were choosing (or the services)."""
        if region != ALL and region not in {r.id for r in self.places.regions()}:
            return self.ask_region(ctx, {})
        here = replace(ctx, vars={**ctx.vars, REGION: region})
        service = ctx.vars.get(SERVICE, "")
        if service and self.book.service(service) is not None:
            result = self.offices(here, service)
        else:
            result = self.services(here)
        return replace(result, vars={**result.vars, REGION: region})

    # -- an office -----------------------------------------------------------------
    def _near(self, ctx: ServiceContext, service: str) -> tuple[Nearby, list[Choice]]:
        regions = self.places.regions()
        region = ctx.vars.get(REGION, "")
        if region != ALL and region not in {r.id for r in regions}:
            region = ""  # not known (asked first when it matters) or no longer offered
        countries = {r.id: r.country for r in regions}
        return nearby(self.book.offices(service), region, countries, ctx.lang), regions

    def offices(self, ctx: ServiceContext, service: str) -> ServiceResult:
        """The offices offering ``service`` near the person, asking first where they live
        when that is not known and offices are in more than one region."""
        regions = self.places.regions()
        if region_needed(ctx.vars.get(REGION, ""), [r.id for r in regions], self.book.offices()):
            return self.ask_region(ctx, {SERVICE: service, OFFICE: "", WINDOW: ""})
        near, regions = self._near(ctx, service)
        names = {r.id: local_name(r.name, ctx.lang) for r in regions}
        region = ctx.vars.get(REGION, "")
        params = {"service": self._service_name(service, ctx.lang)}
        changes = {SERVICE: service, OFFICE: "", WINDOW: ""}
        if len(near.local) == 1:
            return self.slots(ctx, near.local[0].id, service, None, {**changes, BACK: "new"})
        if near.local or near.national:
            text = T["choose_office"] if near.local else T["nearest"]
            rows = self._office_rows(near.same_country(), ctx.lang)
            rows += ((Button(T["change_region"], "b:g", "📍"),), (back("new"),))
            say = Say(text, {**params, "region": names.get(region, "")}, buttons=_home(rows))
            return wait(say, {**changes, BACK: f"s:{service}"})
        # nothing in the person's region or country: say so, and the ways on
        rows = ((Button(T["change_region"], "b:g", "📍"),),)
        if near.abroad:
            rows += ((Button(T["abroad_button"], f"b:w:{service}", "🌍"),),)
        rows += ((back("new"),),)
        if region in names:
            say = Say(T["none_region"], {**params, "region": names[region]}, buttons=_home(rows))
        else:
            say = Say(T["none_near"], params, buttons=_home(rows))
        return wait(say, changes)

    def others(self, ctx: ServiceContext, office_id: str) -> ServiceResult:
        """The other offices of the person's country ("another office"), never this one."""
        service = ctx.vars.get(SERVICE, "")
        if not service or self.book.service(service) is None:
            return self.services(ctx)
        near, _ = self._near(ctx, service)
        rows = self._office_rows(near.same_country(but=office_id), ctx.lang)
        if near.abroad:
            rows += ((Button(T["abroad_button"], f"b:w:{service}", "🌍"),),)
        rows += ((back(f"o:{office_id}"),),)
        params = {"service": self._service_name(service, ctx.lang)}
        return wait(Say(T["others"], params, buttons=_home(rows)), {BACK: f"a:{office_id}"})

    def abroad(self, ctx: ServiceContext, service: str) -> ServiceResult:
        """Offices in other countries: only when the person asked for them."""
        if self.book.service(service) is None:
            return self.services(ctx)
        near, _ = self._near(ctx, service)
        rows = (*self._office_rows(near.abroad, ctx.lang), (back(f"s:{service}"),))
        params = {"service": self._service_name(service, ctx.lang)}
        return wait(
            Say(T["abroad"], params, buttons=_home(rows)),
            {SERVICE: service, OFFICE: "", WINDOW: "", BACK: f"w:{service}"},
        )

    def _office_rows(self, offices: Sequence[OfficeView], lang: str) -> Rows:
        return tuple(
            (
                Button(
                    T["label"],
                    f"b:o:{o.id}",
                    _office_icon(o, lang),
                    {"label": local_name(o.name, lang)},
                ),
            )
            for o in offices
        )

    def _service_name(self, service_id: str, lang: str) -> str:
        service = self.book.service(service_id)
        return local_name(service.name, lang) if service else ""

    # -- a time --------------------------------------------------------------------
    def slots(
        self,
        ctx: ServiceContext,
        office_id: str,
        service_id: str,
        window: Window | None,
        changes: Mapping[str, str],
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        lead: Sequence[Say] = (),
    ) -> ServiceResult:
        """A page of free times (from ``after``, or the page just before ``before``)."""
        office = self.book.office(office_id) if office_id else None
        service = self.book.service(service_id) if service_id else None
        if office is None or service is None:
            return self.services(ctx)
        low, high = self._range(ctx, office, window)
        says = list(lead)
        new_vars = {**changes, OFFICE: office.id, SERVICE: service.id}
        params = self._params(ctx, office, service)
        if before is not None:
            found = self.book.free_slots(office.id, service.id, low, min(high, before), _DAY_SCAN)
            shown = found[-self.policy.page :]
            more = bool(self.book.free_slots(office.id, service.id, before, high, 1))
        else:
            found = self.book.free_slots(
                office.id, service.id, max(low, after or low), high, self.policy.page + 1
            )
            shown, more = found[: self.policy.page], len(found) > self.policy.page
        if not shown and window is not None:
            says.append(Say(T["no_slots_window"], dict(params)))
            return self.slots(ctx, office.id, service.id, None, {**new_vars, WINDOW: ""}, lead=says)
        near, _ = self._near(ctx, service.id)
        others = near.same_country(but=office.id)
        back_to = self._back(ctx, window, new_vars)
        if not shown:
            rows: Rows = ()
            if others:
                rows += ((Button(T["other_office"], f"b:a:{office.id}", "🏢"),),)
            text = T["no_slots"] if others else T["no_slots_here"]
            says.append(Say(text, dict(params), buttons=_home((*rows, (back(back_to),)))))
            return wait(says, new_vars)
        earlier = bool(self.book.free_slots(office.id, service.id, low, shown[0].starts_at, 1))
        rows = _pairs(
            [
                Button(
                    T["label"],
                    f"b:t:{s.id}",
                    "🕘",
                    {"label": format_short_moment(s.starts_at, office.timezone, ctx.lang)},
                )
                for s in shown
            ]
        )
        paging = []
        if earlier:
            paging.append(Button(T["earlier"], f"b:p:{epoch_minutes(shown[0].starts_at)}", "⏪"))
        if more:
            paging.append(Button(T["later"], f"b:n:{epoch_minutes(shown[-1].starts_at) + 1}", "⏩"))
        rows += (tuple(paging),) if paging else ()
        if not _one_day(window):
            rows += ((Button(T["choose_day"], "b:d", "📆"),),)
        if others:
            rows += ((Button(T["other_office"], f"b:a:{office.id}", "🏢"),),)
        rows += ((back(back_to),),)
        if window is not None:
            params["day"] = day_title(window.first, ctx.lang)
        if new_vars.get(MOVE, ctx.vars.get(MOVE, "")):
            text = T["move_slots"]
        elif _one_day(window):
            text = T["slots_day"]
        else:
            text = T["slots_window"] if window else T["slots"]
        says.append(Say(text, params, buttons=_home(rows)))
        return wait(says, new_vars)

    def page(
        self, ctx: ServiceContext, *, after: datetime | None = None, before: datetime | None = None
    ) -> ServiceResult:
        """Later or earlier times, in the window the person chose (if any)."""
        window = Window.from_var(ctx.vars.get(WINDOW, ""))
        return self.slots(
            ctx,
            ctx.vars.get(OFFICE, ""),
            ctx.vars.get(SERVICE, ""),
            window,
            {},
            after=after,
            before=before,
        )

    def days(self, ctx: ServiceContext, anchor: date | None) -> ServiceResult:
        """The next days with free times, as buttons, a page at a time."""
        office = self.book.office(ctx.vars.get(OFFICE, ""))
        service = self.book.service(ctx.vars.get(SERVICE, ""))
        if office is None or service is None:
            return self.services(ctx)
        low, high = self._range(ctx, office, None)
        found = self.book.free_slots(office.id, service.id, low, high, _DAY_SCAN)
        days = local_days((s.starts_at for s in found), office.timezone)
        if not days:
            return self.slots(ctx, office.id, service.id, None, {WINDOW: ""})
        size = self.policy.days_page
        index = next((i for i, d in enumerate(days) if anchor and d >= anchor), 0)
        start = index - index % size
        rows = _pairs(
            [
                Button(T["label"], f"b:y:{day_data(d)}", "📆", {"label": day_label(d, ctx.lang)})
                for d in days[start : start + size]
            ]
        )
        paging = []
        if start > 0:
            paging.append(Button(T["earlier_days"], f"b:d:{day_data(days[start - size])}", "⏪"))
        if start + size < len(days):
            paging.append(Button(T["later_days"], f"b:d:{day_data(days[start + size])}", "⏩"))
        rows += (tuple(paging),) if paging else ()
        rows += ((back(f"o:{office.id}"),),)
        say = Say(T["days"], self._params(ctx, office, service), buttons=_home(rows))
        return wait(say, {WINDOW: ""})

    def day(self, ctx: ServiceContext, day: date) -> ServiceResult:
        window = Window(day, day)
        return self.slots(
            ctx,
            ctx.vars.get(OFFICE, ""),
            ctx.vars.get(SERVICE, ""),
            window,
            {WINDOW: window.to_var()},
        )

    def narrow(self, ctx: ServiceContext, text: str, *, leaves: bool) -> ServiceResult:
        """Typed text about when ("mardi matin") narrows the times offered."""
        office = self.book.office(ctx.vars.get(OFFICE, ""))
        service_id = ctx.vars.get(SERVICE, "")
        if office is None or not service_id:
            if leaves:
                return ServiceResult(ok=True, passed=True)
            result = self.services(ctx)
            return replace(result, says=(Say(T["choose_first"]), *result.says))
        parsed = parse_when(text, ctx.lang, ctx.now, office.timezone, self.day_parts)
        if parsed.past:
            return self.slots(
                ctx, office.id, service_id, None, {WINDOW: ""}, lead=(Say(T["date_past"]),)
            )
        if parsed.window is None:
            if leaves:
                return ServiceResult(ok=True, passed=True)  # not a day: something else
            return self.slots(ctx, office.id, service_id, None, {}, lead=(Say(T["date_unclear"]),))
        return self.slots(
            ctx, office.id, service_id, parsed.window, {WINDOW: parsed.window.to_var()}
        )

    # -- helpers ---------------------------------------------------------------------
    def _range(
        self, ctx: ServiceContext, office: OfficeView, window: Window | None
    ) -> tuple[datetime, datetime]:
        earliest = ctx.now + self.policy.notice
        horizon = ctx.now + timedelta(days=self.policy.days)
        if window is None:
            return earliest, horizon
        low, high = window.bounds(office.timezone)
        return max(earliest, low), min(horizon, high)

    def _params(
        self, ctx: ServiceContext, office: OfficeView, service: ServiceView
    ) -> dict[str, str]:
        return {
            "office": local_name(office.name, ctx.lang),
            "address": office.address,
            "phone": office.phone,
            "service": local_name(service.name, ctx.lang),
            "days": str(self.policy.days),
        }

    @staticmethod
    def _back(ctx: ServiceContext, window: Window | None, changes: Mapping[str, str]) -> str:
        """Where "back" goes from the times: the days (after a day was chosen or named),
        else the step the times were reached from."""
        if window is not None:
            return f"d:{day_data(window.first)}"
        return changes.get(BACK) or ctx.vars.get(BACK) or "new"


def _one_day(window: Window | None) -> bool:
    return window is not None and window.first == window.last and not window.part and not window.at


def _home(rows: Rows) -> Rows:
    """Rows with "back to menu" and "talk to a person" last, as on every step."""
    return rows + home_buttons()
