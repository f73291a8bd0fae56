"""The case relay: delivers the events of escalated cases, in order, exactly once.

Every change of a case is written with an event in the same transaction
(``bot/store/cases.py``). This worker takes the cases with undelivered events
(holding a lease on each, so several workers never interleave one case's
events), tells the staff desk (the Telegram staff group, when configured) and
the person (through their channel, in their language), and marks each event
delivered. A failed delivery stays pending and is tried again on the next
round, in order; after many failures it is given up and logged, so one broken
event cannot block a case forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from bot.channels.base import Channel
from bot.engine.actions import Say
from bot.engine.config import emergency_buttons, home_buttons
from bot.i18n import Catalogs
from bot.messages import Outgoing
from bot.render import render
from bot.services.escalation import CASE_TEXTS, rating_buttons
from bot.store.cases import GIVE_UP_AFTER, CaseBook, CaseView, EventView

__all__ = ["CaseRelay", "DeliveryFailed", "StaffDesk"]

log = logging.getLogger(__name__)
_LEASE = timedelta(minutes=2)


class DeliveryFailed(Exception):
    """Telegram (or another channel) did not take the message: try again later."""


class StaffDesk(Protocol):
    """Where mediators see cases (the Telegram staff group)."""

    async def deliver(self, case: CaseView, event: EventView) -> None:
        """Show the event to the staff; raise :class:`DeliveryFailed` to retry later."""
        ...

    async def not_delivered(self, case: CaseView, reason: str) -> None:
        """Tell the staff a mediator's message did not reach the person."""
        ...

    #: Called after a mediator's action that wrote case events (wakes the relay).
    after_change: Callable[[], None] | None


class UserChannel(Channel, Protocol):
    async def copy(self, chat_id: str, from_chat_id: int, message_id: int) -> bool:
        """Copy a message (a photo, a voice note) from the staff group to the person."""
        ...


class CaseRelay:
    """Delivers case events to the staff desk and to the people concerned."""

    def __init__(
        self,
        book: CaseBook,
        catalogs: Catalogs,
        channels: Mapping[str, Channel],
        staff: StaffDesk | None,
        worker: str,
        clock: Callable[[], datetime],
        *,
        staff_chat_id: int | None = None,
        is_blocked: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.book = book
        self.catalogs = catalogs
        self.channels = channels
        self.staff = staff
        self.worker = worker
        self.clock = clock
        self.staff_chat_id = staff_chat_id
        self.is_blocked = is_blocked
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Something was written: deliver now rather than at the next poll."""
        self._wake.set()

    async def run_forever(self, poll: float = 1.0) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("case relay round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll)
            self._wake.clear()

    async def run_once(self) -> int:
        """Deliver what is pending; returns how many events were delivered."""
        held = await asyncio.to_thread(
            self.book.cases_to_deliver, self.worker, self.clock(), _LEASE
        )
        delivered = 0
        for case_id in held:
            try:
                delivered += await self._deliver_case(case_id)
            finally:
                await asyncio.to_thread(self.book.release, case_id, self.worker)
        return delivered

    async def _deliver_case(self, case_id: int) -> int:
        done = 0
        for event in await asyncio.to_thread(self.book.pending_events, case_id):
            case = await asyncio.to_thread(self.book.case, case_id)
            if case is None:
                return done  # deleted meanwhile (the person used /forget)
            try:
                if self.staff is not None:
                    await self.staff.deliver(case, event)
                await self._tell_person(case, event)
            except Exception as exc:
                attempts = await asyncio.to_thread(self.book.failed, event.id)
                if attempts < GIVE_UP_AFTER:
                    log.warning(
                        "case %s: event %s (%s) not delivered (%s); will retry",
                        case_id,
                        event.id,
                        event.kind,
                        exc,
                    )
                    return done  # keep the order: later events wait for this one
                log.error(
                    "case %s: gave up event %s (%s) after %d attempts",
                    case_id,
                    event.id,
                    event.kind,
                    attempts,
                )
            await asyncio.to_thread(self.book.delivered, event.id, self.clock())
            done += 1
        return done

    # -- the person's side ---------------------------------------------------------------
    async def _tell_person(self, case: CaseView, event: EventView) -> None:
        says: list[Say] = []
        match event.kind:
            case "claimed":
                says.append(
                    Say(CASE_TEXTS["claimed_named"], {"name": case.mediator_name or ""})
                    if case.mediator_shown
                    else Say(CASE_TEXTS["claimed"])
                )
            case "requeued":
                says.append(Say(CASE_TEXTS["requeued"]))
            case "finished":
                returned = event.payload.get("status") == "returned"
                says.append(
                    Say(
                        CASE_TEXTS["returned" if returned else "closed"],
                        buttons=home_buttons() if returned else (),
                    )
                )
                if case.urgency == "emergency":  # no rating: how to get help again
                    says.append(Say(CASE_TEXTS["closed_emergency"], buttons=emergency_buttons()))
                else:
                    says.append(Say(CASE_TEXTS["rate"], buttons=rating_buttons(case.id)))
            case "mediator":
                await self._mediator_message(case, event)
                return
        for say in says:
            await self._send(case, render(say, case.chat_id, case.language, self.catalogs))

    async def _mediator_message(self, case: CaseView, event: EventView) -> None:
        channel = self.channels.get(case.channel)
        if channel is None or (
            self.is_blocked is not None
            and await asyncio.to_thread(self.is_blocked, case.channel, case.chat_id)
        ):
            await self._not_delivered(case, "unreachable")
            return
        kind, body, ref = (
            event.payload.get("kind"),
            event.payload.get("body"),
            str(event.payload.get("ref") or ""),
        )
        if kind == "text" and body:
            say = (
                Say(CASE_TEXTS["says_named"], {"name": case.mediator_name or "", "text": body})
                if case.mediator_shown
                else Say(CASE_TEXTS["says"], {"text": body})
            )
            await self._send(case, render(say, case.chat_id, case.language, self.catalogs))
            return
        copy = getattr(channel, "copy", None)
        if copy is None or not ref.isdigit() or self.staff_chat_id is None:
            await self._not_delivered(case, "text_only")
            return
        if not await copy(case.chat_id, self.staff_chat_id, int(ref)):
            raise DeliveryFailed(f"could not copy message {ref} to the person")

    async def _send(self, case: CaseView, message: Outgoing) -> None:
        channel = self.channels.get(case.channel)
        if channel is None:
            log.info("case %s: no channel %r to reach the person", case.id, case.channel)
            return
        await channel.send(message)

    async def _not_delivered(self, case: CaseView, reason: str) -> None:
        if self.staff is not None:
            await self.staff.not_delivered(case, reason)
