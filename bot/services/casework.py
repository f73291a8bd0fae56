"""What mediators read about a case, in the staff language: the topic title, the
summary, the lines of the transcript. Shared by the Telegram staff group and the
web console, so both show a case the same way. Pure formatting: no I/O.

The summary leads with the person's own words, then why the case is open (an
emergency reads as one, with its kind), their situation, region, topics and
appointments; the bot's messages are only counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain.content import local_name
from bot.i18n import N_, NP_, Translator, format_moment
from bot.store.cases import CaseView

__all__ = ["STAFF_TEXTS", "TOPIC_NAMES", "case_title", "staff_text", "summary_text"]

STAFF_TEXTS = {
    "summary": N_("staff.case_summary"),
    "withdrawn": N_("staff.withdrawn"),
    "sos_taken_back": N_("staff.sos_taken_back"),
    "alarm_typed": N_("staff.alarm_typed"),
    "none": N_("staff.none"),
    "reason.asked": N_("staff.reason.asked"),
    "reason.emergency": N_("staff.reason.emergency"),
    "reason.misunderstood": N_("staff.reason.misunderstood"),
    "reason.flow": N_("staff.reason.flow"),
    "urgency.normal": N_("staff.urgency.normal"),
    "urgency.high": N_("staff.urgency.high"),
    "urgency.emergency": N_("staff.urgency.emergency"),
    "status.queued": N_("staff.status.queued"),
    "status.claimed": N_("staff.status.claimed"),
    "status.closed": N_("staff.status.closed"),
    "status.returned": N_("staff.status.returned"),
    "claim": N_("staff.button.claim"),
    "close": N_("staff.button.close"),
    "return": N_("staff.button.return"),
    "new_case": N_("staff.new_case"),
    "nobody_on_duty": N_("staff.nobody_on_duty"),
    "emergency": N_("staff.emergency"),
    "renotify": N_("staff.renotify"),
    "claimed": N_("staff.claimed"),
    "already_claimed": N_("staff.already_claimed"),
    "already_yours": N_("staff.already_yours"),
    "not_owner": N_("staff.not_owner"),
    "case_over": N_("staff.case_over"),
    "case_gone": N_("staff.case_gone"),
    "closed": N_("staff.closed"),
    "returned": N_("staff.returned"),
    "requeued": N_("staff.requeued"),
    "rated": N_("staff.rated"),
    "not_mediator": N_("staff.not_mediator"),
    "claim_first": N_("staff.claim_first"),
    "not_a_case": N_("staff.not_a_case"),
    "help": N_("staff.help"),
    "note_saved": N_("staff.note_saved"),
    "person_button": N_("staff.person_pressed_button"),
    "person_edited": N_("staff.person_edited"),
    "from_console": N_("staff.from_console"),
    "note_from_console": N_("staff.note_from_console"),
    "not_delivered.unreachable": N_("staff.not_delivered.unreachable"),
    "not_delivered.text_only": N_("staff.not_delivered.text_only"),
    "no_bodies": N_("staff.no_bodies"),
    "no_words": N_("staff.no_words"),
    "bot_folded": NP_("staff.bot_folded", "staff.bot_folded.plural"),
    "sos_button": N_("staff.sos_button"),
    "crisis.shelter": N_("staff.crisis.shelter"),
    "crisis.violence": N_("staff.crisis.violence"),
    "crisis.suicide": N_("staff.crisis.suicide"),
    "crisis.illness": N_("staff.crisis.illness"),
    "crisis.child": N_("staff.crisis.child"),
}
#: The rights topics' names, as the menu shows them.
TOPIC_NAMES = {
    "housing": N_("menu.housing"),
    "health": N_("menu.health"),
    "work": N_("menu.work"),
    "benefits": N_("menu.benefits"),
    "education": N_("menu.education"),
    "documents": N_("menu.documents"),
    "budget": N_("menu.budget"),
}


def staff_text(t: Translator, key: str, **params: str) -> str:
    """One of :data:`STAFF_TEXTS` in the staff language."""
    return t.gettext(STAFF_TEXTS[key], **params)


def case_title(case: CaseView, t: Translator) -> str:
    """The forum topic's title: number, language, urgency (at most 128 characters)."""
    urgency = staff_text(t, f"urgency.{case.urgency}")
    return f"#{case.id} · {case.language.upper()} · {urgency}"[:128]


def summary_text(
    case: CaseView, t: Translator, regions: Mapping[str, Mapping[str, str]], zone: str
) -> str:
    """The case summary mediators read first (plain text; escape it for HTML)."""
    summary = case.summary
    none = staff_text(t, "none")
    region = summary.get("region") or case.region or ""
    region_name = local_name(regions[region], t.lang) if region in regions else region
    situation = summary.get("situation") or {}
    topics = ", ".join(
        t.gettext(TOPIC_NAMES[x]) if x in TOPIC_NAMES else str(x) for x in summary.get("topics", ())
    )
    appointments = "; ".join(
        f"{local_name(a.get('service', {}), t.lang)} — {local_name(a.get('office', {}), t.lang)}"
        f" — {format_moment(datetime.fromisoformat(a['when']), a.get('tz', zone), t.lang)}"
        for a in summary.get("appointments", ())
        if a.get("when")
    )
    words, bot_messages = _words(summary)
    folded = staff_text(t, "bot_folded", count=str(bot_messages)) if bot_messages else ""
    return staff_text(
        t,
        "summary",
        number=str(case.id),
        language=case.language.upper(),
        urgency=staff_text(t, f"urgency.{case.urgency}"),
        words="\n".join(f"👤 {w}" for w in words)
        or staff_text(
            t,
            "no_bodies"
            if summary.get("consented") is False
            or (summary.get("consented") is None and summary.get("unkept", 1))
            else "no_words",
        ),
        reason=_reason(case, t),
        situation=(local_name(situation, t.lang) if situation else summary.get("audience")) or none,
        region=region_name or none,
        topics=topics or none,
        appointments=appointments or none,
        opened=format_moment(case.created_at, zone, t.lang),
    ).rstrip() + (f"\n{folded}" if folded else "")


def _words(summary: Mapping[str, Any]) -> tuple[list[str], int]:
    """The person's own words and how many messages the bot sent; a summary stored
    before words were kept apart lists every message with its direction."""
    if "words" in summary:
        return [str(w) for w in summary["words"]], int(summary.get("bot_messages") or 0)
    messages = summary.get("messages", ())
    said = [str(m.get("text", "")) for m in messages if m.get("dir") == "in"]
    return [w for w in said if not w.startswith("/")], sum(
        1 for m in messages if m.get("dir") != "in"
    )


def _reason(case: CaseView, t: Translator) -> str:
    """Why the case is open: an emergency reads as one whatever the first request was,
    with the kind of crisis and whether the 🆘 button was pressed."""
    if case.urgency != "emergency":
        return staff_text(t, f"reason.{case.reason}")
    parts = [staff_text(t, "reason.emergency")]
    crisis = str(case.summary.get("crisis") or "")
    if f"crisis.{crisis}" in STAFF_TEXTS:
        parts.append(staff_text(t, f"crisis.{crisis}"))
    if case.summary.get("sos_button"):
        parts.append(staff_text(t, "sos_button"))
    elif case.summary.get("alarm_typed"):
        parts.append(staff_text(t, "alarm_typed"))
    return " — ".join(parts)
