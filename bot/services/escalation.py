"""Escalation to a person: the engine's ``escalate`` step.

Opening a case tells the person what happens next, in their language: their
place in the queue when a mediator who speaks it is on duty; otherwise when
someone will answer and the offices' hours. An emergency first shows the
emergency numbers of the person's region (of every region when it is not
known) and alerts every mediator on duty. A second request joins the open
case. The rating buttons sent when a case ends come back here as ``e:`` data:
``rate:<case>:<1-5>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.content import EMERGENCY_KINDS, EmergencyLine, local_name
from bot.domain.hours import format_hours, hours_from_json
from bot.engine.actions import Button, Say
from bot.engine.events import ServiceResult
from bot.engine.texts import TEXTS
from bot.i18n import N_, Catalogs, format_moment
from bot.services.interfaces import ServiceContext
from bot.services.nearby import by_language, nearby
from bot.store.appointments import AppointmentBook
from bot.store.cases import CaseBook
from bot.store.knowledge import KnowledgeStore
from bot.store.repository import Store

__all__ = ["CASE_TEXTS", "EMERGENCY_LABELS", "EscalationService", "rating_buttons"]

CASE_TEXTS = {
    "opened": N_("case.opened"),
    "opened_later": N_("case.opened_later"),
    "opened_nobody": N_("case.opened_nobody"),
    "still_later": N_("case.still_later"),
    "still_nobody": N_("case.still_nobody"),
    "offices": N_("case.office_hours"),
    "joined": N_("case.joined"),
    "passed_on": N_("case.passed_on"),
    "numbers_region": N_("case.numbers_region"),
    "numbers_all": N_("case.numbers_all"),
    "alerted": N_("case.emergency_alerted"),
    "alerted_nobody": N_("case.emergency_nobody"),
    "claimed": N_("case.claimed"),
    "claimed_named": N_("case.claimed_named"),
    "says": N_("case.mediator_says"),
    "says_named": N_("case.mediator_named_says"),
    "returned": N_("case.returned"),
    "closed": N_("case.closed"),
    "requeued": N_("case.requeued"),
    "rate": N_("case.rate"),
    "rating": N_("case.rating_button"),
    "rated": N_("case.rated"),
    "rate_old": N_("case.rate_old"),
    "withdrawn": N_("case.withdrawn"),
    "sos_taken_back": N_("case.sos_taken_back"),
    "closed_emergency": N_("case.closed_emergency"),
    "no_request": N_("case.no_request"),
    "with_mediator": N_("case.with_mediator"),
}
EMERGENCY_LABELS = {
    "general": N_("emergency.kind.general"),
    "police": N_("emergency.kind.police"),
    "ambulance": N_("emergency.kind.ambulance"),
    "fire": N_("emergency.kind.fire"),
    "violence": N_("emergency.kind.violence"),
    "children": N_("emergency.kind.children"),
    "mental_health": N_("emergency.kind.mental_health"),
    "shelter": N_("emergency.kind.shelter"),
    "medical": N_("emergency.kind.medical"),
}
#: The lines that answer each kind of crisis (the NLU's crisis kinds), most specific
#: first; the general number is always shown besides them.
CRISIS_LINES: Mapping[str, tuple[str, ...]] = {
    "shelter": ("shelter",),
    "violence": ("violence", "police"),
    "suicide": ("mental_health",),
    "illness": ("ambulance", "medical"),
    "child": ("children", "police"),
}
_SUMMARY_MESSAGES = 8
_OFFICES_SHOWN = 4


def rating_buttons(case_id: int) -> tuple[tuple[Button, ...], ...]:
    """The 1–5 rating of a finished case, as one row of buttons."""
    return (
        tuple(
            Button(CASE_TEXTS["rating"], f"e:rate:{case_id}:{n}", "", {"n": str(n)})
            for n in range(1, 6)
        ),
    )


@dataclass
class EscalationService:
    """Opens and joins cases; answers the rating buttons."""

    book: CaseBook
    store: Store
    catalogs: Catalogs

    def start(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        data = args.get("data", "")
        if data:
            return self._press(ctx, data)
        urgency = args.get("urgency") or "normal"
        reason = args.get("reason") or "asked"
        region = ctx.vars.get("region") or None
        if reason in ("waiting", "withdraw"):
            return self._waiting(ctx, withdraw=reason == "withdraw")
        if reason == "mistake":
            return self._mistake(ctx)
        says: list[Say] = []
        kind = ctx.vars.get("crisis_kind") or "other"
        if urgency == "emergency" and (numbers := self._numbers(ctx.lang, region, kind)):
            says.append(numbers)
        opened = self.book.open_case(
            ctx.user_id,
            ctx.conversation_id,
            ctx.lang,
            reason,
            urgency,
            region,
            self._summary(ctx),
            ctx.now,
        )
        on_duty = self.book.on_duty(ctx.now)
        if urgency == "emergency":
            says.append(Say(CASE_TEXTS["alerted" if on_duty else "alerted_nobody"]))
        elif not opened.new:
            if opened.case.status == "queued":
                says.append(
                    Say(
                        CASE_TEXTS["joined"],
                        {"position": str(self.book.queue_position(opened.case.id))},
                    )
                )
        else:
            says.extend(self._what_next(ctx, opened.case.id, region))
        return ServiceResult(ok=True, says=tuple(says))

    def input(self, ctx: ServiceContext, args: Mapping[str, str]) -> ServiceResult:
        if args.get("data"):
            return self._press(ctx, args["data"])
        return ServiceResult(ok=True, passed=bool(args.get("leaves")))

    def _waiting(self, ctx: ServiceContext, *, withdraw: bool) -> ServiceResult:
        """Where the person's request stands (a person is coming), or its withdrawal."""
        case = self.book.open_case_of(ctx.user_id)
        if case is None or case.status != "queued":
            says = () if withdraw else (Say(CASE_TEXTS["no_request"]),)
            return ServiceResult(ok=True, says=says)
        if withdraw:
            done = self.book.withdraw(case.id, ctx.user_id, ctx.now)
            return ServiceResult(
                ok=True, says=(Say(CASE_TEXTS["withdrawn" if done else "no_request"]),)
            )
        if self.book.on_duty(ctx.now, ctx.lang) or case.urgency == "emergency":
            return ServiceResult(
                ok=True,
                says=(
                    Say(CASE_TEXTS["joined"], {"position": str(self.book.queue_position(case.id))}),
                ),
            )
        return ServiceResult(
            ok=True, says=tuple(self._what_next(ctx, case.id, case.region, again=True))
        )

    def _mistake(self, ctx: ServiceContext) -> ServiceResult:
        """🆘 pressed by mistake: an earlier request for a person stands (the case goes
        back to what it was), else the request the 🆘 made is withdrawn."""
        taken = self.book.take_back_emergency(ctx.user_id, ctx.now)
        if taken == "lowered":
            case = self.book.open_case_of(ctx.user_id)
            position = str(self.book.queue_position(case.id)) if case else "?"
            return ServiceResult(
                ok=True, says=(Say(CASE_TEXTS["sos_taken_back"], {"position": position}),)
            )
        key = "withdrawn" if taken == "withdrawn" else "no_request"
        return ServiceResult(ok=True, says=(Say(CASE_TEXTS[key]),))

    # -- what the person is told ---------------------------------------------------------
    def _what_next(
        self, ctx: ServiceContext, case_id: int, region: str | None, *, again: bool = False
    ) -> list[Say]:
        """Who will answer and when; ``again`` for a request that already waits (said
        shorter, without the offices told when it was made)."""
        speakers = [m for m in self.book.mediators() if ctx.lang in m.languages]
        if any(m.on_duty(ctx.now) for m in speakers):
            return [Say(CASE_TEXTS["opened"], {"position": str(self.book.queue_position(case_id))})]
        says = []
        starts = [
            (start, m.timezone) for m in speakers if (start := m.next_on_duty(ctx.now)) is not None
        ]
        if starts:
            start, zone = min(starts)
            says.append(
                Say(
                    CASE_TEXTS["still_later" if again else "opened_later"],
                    {"when": format_moment(start, zone, ctx.lang)},
                )
            )
        else:
            says.append(Say(CASE_TEXTS["still_nobody" if again else "opened_nobody"]))
        if again:
            return says
        offices = self._offices(ctx.lang, region)
        if offices:
            says.append(Say(CASE_TEXTS["offices"], {"offices": offices}))
        return says

    def _offices(self, lang: str, region: str | None) -> str:
        """The offices near the person: their region's, else their country's, never
        another country's. Where they live not known: the offices speaking their
        language when those are all in one country (else none rather than a list of
        countries)."""
        countries = {r.id: r.country for r in KnowledgeStore(self.store).regions()}
        offices = AppointmentBook(self.store).offices()
        if region in countries:
            near = nearby(offices, region, countries, lang)
            shown = near.local or near.national
        else:
            speaking = [o for o in offices if lang in o.languages]
            one_country = len({countries.get(o.region or "") for o in speaking}) == 1
            shown = by_language(speaking, lang) if one_country else ()
        lines = []
        for office in shown[:_OFFICES_SHOWN]:
            hours = format_hours(hours_from_json(office.hours), lang)
            lines.append(
                f"• {local_name(office.name, lang)} — {office.address}"
                + (f"\n  {hours}" if hours else "")
                + (f"\n  ☎ {office.phone}" if office.phone else "")
            )
        return "\n".join(lines)

    def _numbers(self, lang: str, region: str | None, kind: str = "other") -> Say | None:
        """The lines for this kind of crisis and the general number, of the person's
        region (of every region when it is not known; None when no region lists any: the
        flow's general text then stands alone)."""
        # A crisis of unknown kind gets every line of the region.
        wanted = (*CRISIS_LINES.get(kind, EMERGENCY_KINDS[1:]), "general")
        regions = [
            (choice, _pick(lines, wanted))
            for choice, lines in KnowledgeStore(self.store).emergency_numbers()
        ]
        mine = [(choice, lines) for choice, lines in regions if choice.id == region and lines]
        if mine:
            choice, lines = mine[0]
            return Say(
                CASE_TEXTS["numbers_region"],
                {
                    "region": local_name(choice.name, lang),
                    "numbers": "\n".join(self._line(line, lang) for line in lines),
                },
            )
        # Where the person is not known: one short line per region (numbers only, no
        # services' names or addresses), so their own is quick to find.
        text = "\n".join(
            f"• {local_name(choice.name, lang)}: "
            + " · ".join(self._line(line, lang, short=True) for line in lines)
            for choice, lines in regions
            if lines
        )
        return Say(CASE_TEXTS["numbers_all"], {"numbers": text}) if text else None

    def _line(self, line: EmergencyLine, lang: str, *, short: bool = False) -> str:
        label = self.catalogs.translator(lang).gettext(EMERGENCY_LABELS.get(line.kind, line.kind))
        if short:
            return f"☎️ {label} {line.number}"
        name = f" ({local_name(line.name, lang)})" if line.name else ""
        place = f"\n   📍 {line.place}" if line.place else ""
        return f"☎️ {label}{name}: {line.number}{place}"

    def _press(self, ctx: ServiceContext, data: str) -> ServiceResult:
        parts = data.split(":")
        if len(parts) == 3 and parts[0] == "rate" and parts[1].isdigit() and parts[2].isdigit():
            done = self.book.rate(int(parts[1]), ctx.user_id, int(parts[2]), ctx.now)
            return ServiceResult(ok=True, says=(Say(CASE_TEXTS["rated" if done else "rate_old"]),))
        return ServiceResult(ok=False, says=(Say(TEXTS["old_button"]),))

    # -- what the mediator is told -------------------------------------------------------
    def _summary(self, ctx: ServiceContext) -> dict[str, Any]:
        """What the mediator reads first: the person's own words (what they typed and
        agreed to keep; never a command, such as the /start a client sends by itself on
        reopening the chat), how the emergency came (its kind, the 🆘 button), their
        situation, region and topics, their upcoming appointments. The bot's own
        messages are only counted."""
        messages = self.store.messages(ctx.conversation_id)
        typed = [m for m in messages if m.direction == "in" and m.kind == "text"]
        words = [m.body[:500] for m in typed if m.body]
        if ctx.message and not ctx.message.startswith("/"):
            words.append(ctx.message[:500])
        asked = ctx.vars.get("question", "")
        if ctx.consented and asked and not any(asked in w for w in words):
            words.insert(0, asked)  # held until the consent answer, so never stored
        intents: list[str] = []
        for m in reversed(messages):
            if m.intent and m.intent not in intents:
                intents.append(m.intent)
        appointments = [
            {
                "service": dict(a.service.name),
                "office": dict(a.office.name),
                "when": a.slot.starts_at.isoformat(),
                "tz": a.office.timezone,
            }
            for a in AppointmentBook(self.store).upcoming(ctx.user_id, ctx.now)
        ]
        topics = [v for k in ("topic", "kb_topic") if (v := ctx.vars.get(k))]
        audience = ctx.vars.get("audience", "")
        situations = {a.id: dict(a.name) for a in KnowledgeStore(self.store).audiences()}
        crisis = ctx.vars.get("crisis_kind", "")
        return {
            "words": words[-_SUMMARY_MESSAGES:],
            "unkept": sum(1 for m in typed if not m.body),  # typed, not agreed to keep
            "bot_messages": sum(1 for m in messages if m.direction == "out"),
            "crisis": crisis if crisis != "other" else "",
            "sos_button": ctx.vars.get("sos") == "button",
            # An alarm raised by what the person typed (kept or not: see "consented").
            "alarm_typed": bool(crisis) and ctx.vars.get("sos") != "button",
            "consented": ctx.consented,
            "intents": intents[:6],
            "topics": sorted(set(topics)),
            "region": ctx.vars.get("region", ""),
            "audience": audience,
            "situation": situations.get(audience, {}),
            "appointments": appointments,
        }


def _pick(stored: tuple[dict[str, Any], ...], wanted: tuple[str, ...]) -> list[EmergencyLine]:
    """The stored lines of the wanted kinds, in the order wanted."""
    lines = [EmergencyLine.from_json(data) for data in stored]
    return [line for kind in wanted for line in lines if line.kind == kind]
