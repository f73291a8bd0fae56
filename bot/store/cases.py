"""Mediators and escalated cases: every change is one transaction.

Changes of a case that someone must hear about (opened, a message, claimed,
closed, …) write a :class:`~bot.store.models.CaseEvent` in the same
transaction, so nothing is lost between the database and Telegram: the relay
(``bot/relay.py``) delivers the events later, in order. Claiming is one
conditional UPDATE (``WHERE status = 'queued'``), so of two mediators pressing
"Claim" at once exactly one wins, whichever worker or console they use.

The conversation's ``owner`` column follows the case: ``queue:<id>`` while it
waits (the bot still answers and copies the person's messages to the case),
``case:<id>`` once a mediator owns it (the bot stays silent), ``bot`` again
when it is closed or returned. Claiming and finishing also raise the
conversation's version, so a turn computed meanwhile is replayed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.cases import (
    GIVE_UP_AFTER,
    OPEN,
    URGENCIES,
    CaseMessageView,
    CaseStatus,
    CaseView,
    EventView,
    MediatorView,
    Opened,
    open_to_all,
    owner_case,
)
from bot.store.models import Case, CaseEvent, CaseMessage, Conversation, Mediator, User
from bot.store.names import mediator_name_taken
from bot.store.repository import Store

__all__ = [
    "GIVE_UP_AFTER",
    "OPEN",
    "URGENCIES",
    "CaseBook",
    "CaseMessageView",
    "CaseStatus",
    "CaseView",
    "EventView",
    "MediatorView",
    "Opened",
    "Visibility",
    "mediator_view",
    "open_to_all",
    "owner_case",
    "visible_clause",
]


def mediator_view(row: Mediator) -> MediatorView:
    """A mediator's row as everyone sees it."""
    return MediatorView(
        row.id,
        row.name,
        tuple(row.languages),
        dict(row.hours),
        row.timezone,
        row.telegram_user_id,
        row.show_name,
        row.active,
        row.away,
    )


class CaseBook:
    """Mediators and cases over the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- mediators ---------------------------------------------------------------------
    def add_mediator(
        self,
        name: str,
        languages: Sequence[str],
        hours: Mapping[str, Any],
        timezone: str,
        now: datetime,
        *,
        telegram_user_id: int | None = None,
        show_name: bool = False,
    ) -> MediatorView:
        """A new mediator; ValueError when the name (whatever its case) or Telegram
        account is taken."""
        try:
            with self.store.session() as session, session.begin():
                if mediator_name_taken(session, name):
                    raise ValueError(f"a mediator named {name!r} exists already")
                row = Mediator(
                    name=name,
                    languages=list(languages),
                    hours=dict(hours),
                    timezone=timezone,
                    telegram_user_id=telegram_user_id,
                    show_name=show_name,
                    active=True,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                return mediator_view(row)
        except IntegrityError as exc:
            raise ValueError(
                f"a mediator named {name!r} or with that Telegram account exists already"
            ) from exc

    def mediators(self, *, active_only: bool = True) -> list[MediatorView]:
        with self.store.session() as session:
            query = select(Mediator).order_by(Mediator.name)
            if active_only:
                query = query.where(Mediator.active.is_(True))
            return [mediator_view(row) for row in session.scalars(query)]

    def mediator(self, mediator_id: int) -> MediatorView | None:
        with self.store.session() as session:
            row = session.get(Mediator, mediator_id)
            return mediator_view(row) if row else None

    def mediator_by_telegram(self, telegram_user_id: int) -> MediatorView | None:
        with self.store.session() as session:
            row = session.scalar(
                select(Mediator).where(
                    Mediator.telegram_user_id == telegram_user_id, Mediator.active.is_(True)
                )
            )
            return mediator_view(row) if row else None

    def remove_mediator(self, name: str) -> bool:
        """Retire a mediator: no more cases, no Telegram access; their past cases keep
        their name. Cases they hold go back to the queue."""
        with self.store.session() as session, session.begin():
            row = session.scalar(
                select(Mediator).where(Mediator.name == name, Mediator.active.is_(True))
            )
            if row is None:
                return False
            row.active = False
            row.telegram_user_id = None
            for case in session.scalars(
                select(Case).where(Case.mediator_id == row.id, Case.status == "claimed")
            ):
                case.status, case.claimed_at = "queued", None
                self._own(session, case.conversation_id, f"queue:{case.id}", bump=True)
                self._event(session, case.id, "requeued", {}, case.created_at)
            return True

    def on_duty(self, now: datetime, language: str | None = None) -> list[MediatorView]:
        """Active mediators working now (speaking ``language`` when given)."""
        return [
            m
            for m in self.mediators()
            if m.on_duty(now) and (language is None or language in m.languages)
        ]

    def covered_languages(self, now: datetime) -> frozenset[str]:
        """The languages some mediator on duty speaks now. A case in another language,
        and every emergency, is open to every mediator (see :func:`open_to_all`)."""
        return frozenset(lang for m in self.on_duty(now) for lang in m.languages)

    # -- cases -------------------------------------------------------------------------
    def open_case(
        self,
        user_id: int,
        conversation_id: int,
        language: str,
        reason: str,
        urgency: str,
        region: str | None,
        summary: Mapping[str, Any],
        now: datetime,
    ) -> Opened:
        """Open a case for the user, or join the one already open (raising its urgency
        when this request is more urgent)."""
        for _ in range(3):
            try:
                with self.store.session() as session, session.begin():
                    current = session.scalar(
                        select(Case)
                        .where(Case.user_id == user_id, Case.status.in_(OPEN))
                        .with_for_update()
                    )
                    if current is not None:
                        raised = URGENCIES.index(urgency) > URGENCIES.index(current.urgency)
                        if raised:
                            # The more urgent request is now why the case is open, and
                            # its summary holds what was said up to it; what it was is
                            # kept, for a 🆘 pressed by mistake (take_back_emergency).
                            was = {
                                "was": current.urgency,
                                "was_reason": current.reason,
                                "was_summary": current.summary,
                            }
                            current.urgency = urgency
                            current.reason = reason
                            current.summary = json.dumps(summary, ensure_ascii=False)
                            self._event(
                                session,
                                current.id,
                                "urgency",
                                {"urgency": urgency, "reason": reason, **was},
                                now,
                            )
                        return Opened(self._view(session, current), new=False, raised=raised)
                    case = Case(
                        user_id=user_id,
                        conversation_id=conversation_id,
                        language=language,
                        reason=reason,
                        urgency=urgency,
                        status="queued",
                        region=region,
                        summary=json.dumps(summary, ensure_ascii=False),
                        created_at=now,
                        notified_at=now,
                    )
                    session.add(case)
                    session.flush()
                    # Not a version bump: the turn that opens the case saves right after.
                    self._own(session, conversation_id, f"queue:{case.id}", bump=False)
                    self._event(session, case.id, "opened", {}, now)
                    return Opened(self._view(session, case), new=True)
            except IntegrityError:
                continue  # opened meanwhile by another worker: join it
        raise RuntimeError(f"could not open a case for user {user_id}")

    def case(self, case_id: int) -> CaseView | None:
        with self.store.session() as session:
            row = session.get(Case, case_id)
            return self._view(session, row) if row else None

    def open_case_of(self, user_id: int) -> CaseView | None:
        with self.store.session() as session:
            row = session.scalar(select(Case).where(Case.user_id == user_id, Case.status.in_(OPEN)))
            return self._view(session, row) if row else None

    def case_by_thread(self, thread_id: int) -> CaseView | None:
        with self.store.session() as session:
            row = session.scalar(select(Case).where(Case.staff_thread_id == thread_id))
            return self._view(session, row) if row else None

    def queue_position(self, case_id: int) -> int:
        """1 for the next case a mediator of its language will take: emergencies first,
        then by age."""
        with self.store.session() as session:
            case = session.get(Case, case_id)
            if case is None or case.status != "queued":
                return 0
            rank = URGENCIES.index(case.urgency)
            ahead = [u for u in URGENCIES if URGENCIES.index(u) > rank]
            count = session.scalar(
                select(func.count())
                .select_from(Case)
                .where(
                    Case.status == "queued",
                    Case.language == case.language,
                    Case.id != case.id,
                    or_(
                        Case.urgency.in_(ahead),
                        (Case.urgency == case.urgency) & (Case.created_at < case.created_at),
                        (Case.urgency == case.urgency)
                        & (Case.created_at == case.created_at)
                        & (Case.id < case.id),
                    ),
                )
            )
            return int(count or 0) + 1

    def cases(
        self,
        *,
        statuses: Iterable[str] = OPEN,
        language: str | None = None,
        urgency: str | None = None,
        limit: int = 200,
        visible_to: Visibility = None,
        covered: Iterable[str] = (),
    ) -> list[CaseView]:
        """Cases for the console: most urgent first, then oldest first. ``visible_to``
        (languages, mediator id) keeps a mediator's: in their languages, theirs, and the
        open cases open to all (emergencies, languages outside ``covered``)."""
        with self.store.session() as session:
            query = select(Case).where(Case.status.in_(list(statuses)))
            if (visible := visible_clause(visible_to, covered)) is not None:
                query = query.where(visible)
            if language:
                query = query.where(Case.language == language)
            if urgency:
                query = query.where(Case.urgency == urgency)
            rows = list(session.scalars(query.order_by(Case.created_at, Case.id).limit(limit)))
            rows.sort(key=lambda c: (-URGENCIES.index(c.urgency), c.status != "queued"))
            return [self._view(session, row) for row in rows]

    def waiting_by_language(self) -> dict[str, int]:
        """How many cases wait for a mediator, per language."""
        with self.store.session() as session:
            rows = session.execute(
                select(Case.language, func.count())
                .where(Case.status == "queued")
                .group_by(Case.language)
            )
            return {language: int(count) for language, count in rows}

    def transcript(self, case_id: int) -> list[CaseMessageView]:
        with self.store.session() as session:
            rows = session.execute(
                select(CaseMessage, Mediator.name)
                .outerjoin(Mediator, Mediator.id == CaseMessage.mediator_id)
                .where(CaseMessage.case_id == case_id)
                .order_by(CaseMessage.id)
            )
            return [
                CaseMessageView(m.id, m.author, name, m.kind, m.body, m.created_at)
                for m, name in rows
            ]

    # -- what mediators do -------------------------------------------------------------
    def claim(self, case_id: int, mediator_id: int, now: datetime) -> CaseStatus:
        with self.store.session() as session, session.begin():
            won = session.execute(
                update(Case)
                .where(Case.id == case_id, Case.status == "queued")
                .values(status="claimed", mediator_id=mediator_id, claimed_at=now)
            )
            if won.rowcount != 1:  # type: ignore[attr-defined]
                return self._why_not(session, case_id, mediator_id, claiming=True)
            case = session.get(Case, case_id)
            assert case is not None
            self._own(session, case.conversation_id, f"case:{case_id}", bump=True)
            self._event(session, case_id, "claimed", {"mediator": mediator_id}, now)
            return CaseStatus.DONE

    def finish(self, case_id: int, mediator_id: int, status: str, now: datetime) -> CaseStatus:
        """Close the case or return it to the bot (``status``): the mediator who owns it,
        or anyone while nobody does."""
        assert status in ("closed", "returned")
        with self.store.session() as session, session.begin():
            done = session.execute(
                update(Case)
                .where(
                    Case.id == case_id,
                    or_(
                        Case.status == "queued",
                        (Case.status == "claimed") & (Case.mediator_id == mediator_id),
                    ),
                )
                .values(
                    status=status,
                    closed_at=now,
                    mediator_id=func.coalesce(Case.mediator_id, mediator_id),
                )
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return self._why_not(session, case_id, mediator_id, claiming=False)
            case = session.get(Case, case_id)
            assert case is not None
            self._own(session, case.conversation_id, "bot", bump=True)
            self._event(
                session, case_id, "finished", {"status": status, "mediator": mediator_id}, now
            )
            return CaseStatus.DONE

    def withdraw(self, case_id: int, user_id: int, now: datetime) -> bool:
        """The person cancels their waiting request: the case closes, the bot answers
        again, and staff are told. False when it is not theirs or no longer waits."""
        with self.store.session() as session, session.begin():
            return self._withdraw(session, case_id, user_id, now)

    def _withdraw(self, session: Session, case_id: int, user_id: int, now: datetime) -> bool:
        done = session.execute(
            update(Case)
            .where(Case.id == case_id, Case.user_id == user_id, Case.status == "queued")
            .values(status="closed", closed_at=now)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        case = session.get(Case, case_id)
        assert case is not None
        self._own(session, case.conversation_id, "bot", bump=False)
        self._event(session, case_id, "withdrawn", {}, now)
        return True

    def take_back_emergency(self, user_id: int, now: datetime) -> str:
        """The person took back a 🆘 pressed by mistake. A request for a person made
        before it stands: the case goes back to what it was ("lowered", staff told);
        a case the 🆘 opened is withdrawn ("withdrawn"). "" when no emergency of theirs
        waits."""
        with self.store.session() as session, session.begin():
            case = session.scalar(
                select(Case)
                .where(Case.user_id == user_id, Case.status == "queued")
                .with_for_update()
            )
            if case is None or case.urgency != "emergency":
                return ""
            raised = session.scalar(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.id, CaseEvent.kind == "urgency")
                .order_by(CaseEvent.id.desc())
                .limit(1)
            )
            before = raised.payload if raised is not None else {}
            if before.get("was") not in URGENCIES:
                return "withdrawn" if self._withdraw(session, case.id, user_id, now) else ""
            case.urgency = str(before["was"])
            case.reason = str(before.get("was_reason") or case.reason)
            case.summary = str(before.get("was_summary") or case.summary)
            self._event(
                session, case.id, "lowered", {"urgency": case.urgency, "reason": case.reason}, now
            )
            return "lowered"

    def mediator_message(
        self,
        case_id: int,
        mediator_id: int,
        kind: str,
        body: str | None,
        now: datetime,
        *,
        ref: str = "",
        source: str = "telegram",
    ) -> CaseStatus:
        """A mediator's message for the person: only from the mediator who claimed it."""
        with self.store.session() as session, session.begin():
            case = session.get(Case, case_id, with_for_update=True)
            if case is None:
                return CaseStatus.GONE
            if case.status not in OPEN:
                return CaseStatus.OVER
            if case.status != "claimed" or case.mediator_id != mediator_id:
                return CaseStatus.NOT_OWNER
            if case.first_reply_at is None:
                case.first_reply_at = now
            session.add(
                CaseMessage(
                    case_id=case_id,
                    author="mediator",
                    mediator_id=mediator_id,
                    kind=kind,
                    body=body,
                    created_at=now,
                )
            )
            self._event(
                session,
                case_id,
                "mediator",
                {"kind": kind, "body": body, "ref": ref, "source": source, "mediator": mediator_id},
                now,
            )
            return CaseStatus.DONE

    def note(
        self, case_id: int, mediator_id: int, body: str, now: datetime, *, source: str = "telegram"
    ) -> CaseStatus:
        """An internal note on the case, never sent to the person."""
        with self.store.session() as session, session.begin():
            case = session.get(Case, case_id)
            if case is None:
                return CaseStatus.GONE
            session.add(
                CaseMessage(
                    case_id=case_id,
                    author="note",
                    mediator_id=mediator_id,
                    kind="text",
                    body=body,
                    created_at=now,
                )
            )
            if source != "telegram":
                self._event(session, case_id, "note", {"body": body, "mediator": mediator_id}, now)
            return CaseStatus.DONE

    def rate(self, case_id: int, user_id: int, rating: int, now: datetime) -> bool:
        """The person's 1–5 rating of a finished case; once."""
        if not 1 <= rating <= 5:
            return False
        with self.store.session() as session, session.begin():
            done = session.execute(
                update(Case)
                .where(
                    Case.id == case_id,
                    Case.user_id == user_id,
                    Case.status.in_(("closed", "returned")),
                    Case.rating.is_(None),
                )
                .values(rating=rating)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return False
            self._event(session, case_id, "rated", {"rating": rating}, now)
            return True

    # -- the person's side ---------------------------------------------------------------
    def person_message(
        self, session: Session, case_id: int, kind: str, body: str | None, ref: str, now: datetime
    ) -> None:
        """In the caller's transaction (the turn's): copy the person's message to the case."""
        session.add(
            CaseMessage(case_id=case_id, author="person", kind=kind, body=body, created_at=now)
        )
        self._event(session, case_id, "person", {"kind": kind, "body": body, "ref": ref}, now)

    # -- notifications and delivery ------------------------------------------------------
    def due_for_renotify(self, now: datetime, after: timedelta) -> list[int]:
        """Queued cases nobody claimed for ``after``: each gets a "renotify" event once per
        period, whichever worker asks first (the due cases are locked with SKIP LOCKED,
        so workers asking at once share them out instead of waiting or repeating)."""
        renotified = []
        with self.store.session() as session, session.begin():
            due = session.scalars(
                select(Case)
                .where(Case.status == "queued", Case.notified_at <= now - after)
                .order_by(Case.id)
                .with_for_update(skip_locked=True)
            ).all()
            for case in due:
                case.notified_at = now
                waited = now - case.created_at
                self._event(
                    session,
                    case.id,
                    "renotify",
                    {"minutes": int(waited.total_seconds() // 60)},
                    now,
                )
                renotified.append(case.id)
        return renotified

    def set_staff_topic(self, case_id: int, thread_id: int, message_id: int | None) -> None:
        with self.store.session() as session, session.begin():
            session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(staff_thread_id=thread_id, staff_message_id=message_id)
            )

    def cases_to_deliver(self, worker: str, now: datetime, lease: timedelta) -> list[int]:
        """Cases with undelivered events whose delivery this worker now holds (a lease,
        so events of one case go out in order even with several workers)."""
        with self.store.session() as session:
            ids = list(
                session.scalars(
                    select(CaseEvent.case_id)
                    .where(CaseEvent.delivered_at.is_(None))
                    .group_by(CaseEvent.case_id)
                    .order_by(func.min(CaseEvent.id))
                )
            )
        held = []
        for case_id in ids:
            with self.store.session() as session, session.begin():
                got = session.execute(
                    update(Case)
                    .where(
                        Case.id == case_id,
                        or_(
                            Case.relay_until.is_(None),
                            Case.relay_until < now,
                            Case.relay_by == worker,
                        ),
                    )
                    .values(relay_until=now + lease, relay_by=worker)
                )
                if got.rowcount == 1:  # type: ignore[attr-defined]
                    held.append(case_id)
        return held

    def pending_events(self, case_id: int) -> list[EventView]:
        with self.store.session() as session:
            return [
                EventView(e.id, e.case_id, e.kind, dict(e.payload))
                for e in session.scalars(
                    select(CaseEvent)
                    .where(CaseEvent.case_id == case_id, CaseEvent.delivered_at.is_(None))
                    .order_by(CaseEvent.id)
                )
            ]

    def delivered(self, event_id: int, now: datetime) -> None:
        with self.store.session() as session, session.begin():
            session.execute(
                update(CaseEvent)
                .where(CaseEvent.id == event_id)
                .values(delivered_at=now, attempts=CaseEvent.attempts + 1)
            )

    def failed(self, event_id: int) -> int:
        """Count a failed delivery; returns the attempts so far."""
        with self.store.session() as session, session.begin():
            session.execute(
                update(CaseEvent)
                .where(CaseEvent.id == event_id)
                .values(attempts=CaseEvent.attempts + 1)
            )
            return int(
                session.scalar(select(CaseEvent.attempts).where(CaseEvent.id == event_id)) or 0
            )

    def release(self, case_id: int, worker: str) -> None:
        with self.store.session() as session, session.begin():
            session.execute(
                update(Case)
                .where(Case.id == case_id, Case.relay_by == worker)
                .values(relay_until=None, relay_by=None)
            )

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _event(
        session: Session, case_id: int, kind: str, payload: Mapping[str, Any], now: datetime
    ) -> None:
        session.add(
            CaseEvent(case_id=case_id, kind=kind, payload=dict(payload), created_at=now, attempts=0)
        )

    @staticmethod
    def _own(session: Session, conversation_id: int, owner: str, *, bump: bool) -> None:
        values: dict[str, Any] = {"owner": owner}
        if bump:
            values["version"] = Conversation.version + 1
        session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(**values)
        )

    def _why_not(
        self, session: Session, case_id: int, mediator_id: int, *, claiming: bool
    ) -> CaseStatus:
        case = session.get(Case, case_id)
        if case is None:
            return CaseStatus.GONE
        if case.status not in OPEN:
            return CaseStatus.OVER
        if case.mediator_id == mediator_id:
            return CaseStatus.YOURS
        return CaseStatus.TAKEN if claiming else CaseStatus.NOT_OWNER

    @staticmethod
    def _view(session: Session, case: Case) -> CaseView:
        user = session.get(User, case.user_id)
        mediator = session.get(Mediator, case.mediator_id) if case.mediator_id else None
        try:
            summary = json.loads(case.summary) if case.summary else {}
        except ValueError:
            summary = {}
        return CaseView(
            case.id,
            case.user_id,
            case.conversation_id,
            user.channel if user else "",
            user.external_id if user else "",
            case.language,
            case.reason,
            case.urgency,
            case.status,
            case.region,
            summary,
            case.mediator_id,
            mediator.name if mediator else None,
            bool(mediator and mediator.show_name),
            case.staff_thread_id,
            case.staff_message_id,
            case.created_at,
            case.claimed_at,
            case.first_reply_at,
            case.closed_at,
            case.rating,
        )


#: Who looks at cases: (their languages, their mediator id), or None for an admin.
Visibility = tuple[Sequence[str], int | None] | None


def visible_clause(visible_to: Visibility, covered: Iterable[str]) -> ColumnElement[bool] | None:
    """The cases ``visible_to`` may see (None: every case)."""
    if visible_to is None:
        return None
    languages, mediator_id = visible_to
    mine: list[ColumnElement[bool]] = [Case.language.in_(list(languages))]
    if mediator_id is not None:
        mine.append(Case.mediator_id == mediator_id)
    to_all = and_(
        Case.status == "queued",
        or_(Case.urgency == "emergency", Case.language.not_in(list(covered))),
    )
    return or_(*mine, to_all)
