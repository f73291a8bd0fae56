"""The broadcast job: sends announcements whose time has come, through the outbox, paced
to Telegram's limits, and carries on after a restart without sending anyone twice.

For each due broadcast (claimed in the database, so one worker sends it at a time; a
claim that runs out passes to another worker) the job writes the audience down once
(one row per person, unique), then repeatedly puts the next recipients' messages in the
outbox (a recipient is marked ``queued`` in the same transaction) and delivers each
chat's outbox as the runner does (the same in-process chat lock, and the chat's lease
against other workers), then records the recipient ``delivered``, ``blocked`` (the
channel found the person had blocked the bot) or, after repeated failures, ``failed``.
A message that a conversation's turn sent first (the runner delivers the whole chat
outbox) counts as delivered without going out again. Cancelling in the console stops
the job at the next recipient.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.channels.base import Channel
from bot.engine.announcements import STOP_PAYLOAD
from bot.runner import Runner, TryLater
from bot.runtime.pacing import PacedChannel, Pacer
from bot.services.broadcasts import Broadcasts
from bot.store.broadcast_delivery import Queued
from bot.store.broadcasts import BroadcastRecord

__all__ = ["GIVE_UP_AFTER", "BroadcastJob"]

log = logging.getLogger(__name__)

#: Tries before a recipient whose message the channel would not take counts as failed.
GIVE_UP_AFTER = 5
_LEASE = timedelta(minutes=2)
_BATCH = 50


class BroadcastJob:
    """Sends due broadcasts; :meth:`run_once` every few seconds (``bot.serve``)."""

    def __init__(
        self,
        broadcasts: Broadcasts,
        runner: Runner,
        channels: Mapping[str, Channel],
        worker: str,
        clock: Callable[[], datetime],
        *,
        pacer: Pacer | None = None,
        chat_lease: timedelta = timedelta(seconds=60),
        kick: Callable[[str, str], None] | None = None,
    ) -> None:
        self.broadcasts = broadcasts
        self.delivery = broadcasts.delivery
        self.runner = runner
        self.store = runner.store
        #: One pacer for every channel of this worker: the limits are the bot's.
        self.pacer = pacer or Pacer()
        self.channels = {name: PacedChannel(ch, self.pacer) for name, ch in channels.items()}
        self.worker = worker
        self.clock = clock
        self.chat_lease = chat_lease
        #: Called with (channel, chat) when a person wrote while the job held their chat:
        #: the dispatcher works on it at once (it left the update to the lease holder).
        self.kick = kick
        self._stopping = False

    def stop(self) -> None:
        """Stop after the recipient in hand (what is left goes out at the next start)."""
        self._stopping = True

    async def run_once(self) -> int:
        """Work on the due broadcasts; returns how many messages were delivered."""
        self._stopping = False
        claimed = await asyncio.to_thread(
            self.delivery.claim_due, self.clock(), self.worker, _LEASE
        )
        delivered = 0
        for record in claimed:
            try:
                delivered += await self._send(record)
            finally:
                await asyncio.to_thread(self.delivery.release, record.id, self.worker)
            if self._stopping:
                break
        return delivered

    async def _send(self, record: BroadcastRecord) -> int:
        total = await asyncio.to_thread(self.broadcasts.write_recipients, record, self.clock())
        log.info("broadcast %s: sending to %d people", record.id, total)
        delivered = 0
        while not self._stopping:
            status = await asyncio.to_thread(
                self.delivery.renew, record.id, self.worker, self.clock(), _LEASE
            )
            if status != "sending":
                log.info("broadcast %s: %s, stopping", record.id, status or "taken over")
                return delivered
            queued = await asyncio.to_thread(self.delivery.queued, record.id, _BATCH)
            if not queued:
                if await asyncio.to_thread(
                    self.broadcasts.queue_next, record, self.clock(), _BATCH
                ):
                    continue
                if await asyncio.to_thread(self.delivery.finish_if_done, record.id, self.clock()):
                    log.info("broadcast %s: done", record.id)
                return delivered
            progress = False
            for recipient in queued:
                if self._stopping:
                    break
                outcome = await self._deliver(recipient)
                delivered += outcome == "delivered"
                progress = progress or outcome != "queued"
            if not progress:
                return delivered  # every chat is busy or failing: the next round retries
        return delivered

    async def _deliver(self, recipient: Queued) -> str:
        """Send the chat's outbox (the announcement, after any reply waiting before it);
        the recipient's status after."""
        channel = self.channels.get(recipient.channel)
        now = self.clock()
        if channel is None:  # this worker cannot reach that channel
            return await asyncio.to_thread(self.delivery.failed, recipient.id, now, 1)
        if not await asyncio.to_thread(
            self.store.claim_chat,
            recipient.channel,
            recipient.chat_id,
            self.worker,
            now,
            self.chat_lease,
        ):
            return "queued"  # a turn is under way there: it may send the outbox itself
        try:
            try:
                sent = await self.runner.flush(recipient.channel, recipient.chat_id, channel)
            except TryLater as exc:
                status = await asyncio.to_thread(
                    self.delivery.failed, recipient.id, self.clock(), GIVE_UP_AFTER
                )
                log.warning("broadcast recipient %s: not delivered (%s)", recipient.id, exc)
                return status
            announced = any(
                button.data == STOP_PAYLOAD for m in sent for row in m.buttons for button in row
            )
            return await asyncio.to_thread(
                self.delivery.settle, recipient.id, self.clock(), sent=announced
            )
        finally:
            await asyncio.to_thread(
                self.store.release_chat, recipient.channel, recipient.chat_id, self.worker
            )
            if self.kick is not None:
                waiting = await asyncio.to_thread(
                    self.store.pending, recipient.channel, recipient.chat_id, 1
                )
                if waiting:
                    self.kick(recipient.channel, recipient.chat_id)
