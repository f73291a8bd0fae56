"""Test kit for announcements: people written straight into the store (consented, in
a language, a region and a situation), a fake clock for the pacer, and channels that
record what they sent (and when, on the fake clock) or find a person blocked the bot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.app import Orienta
from bot.messages import Outgoing
from bot.store.models import Conversation, User

__all__ = ["FakeTime", "RecordingChannel", "person"]


def person(
    orienta: Orienta,
    chat_id: str,
    lang: str,
    *,
    region: str = "",
    situation: str = "",
    consented: bool = True,
    channel: str = "memory",
) -> int:
    """A person who talked to the bot in ``lang`` (and consented to the current notice,
    unless not ``consented``); returns their user id."""
    store, now = orienta.store, datetime.now(UTC)
    record = store.conversation(channel, chat_id, None, now)
    values = {k: v for k, v in {"region": region, "audience": situation}.items() if v}
    with store.session() as session, session.begin():
        conversation = session.scalar(select(Conversation).where(Conversation.id == record.id))
        assert conversation is not None
        conversation.state = {
            "lang": lang,
            "consent": "given" if consented else "",
            "vars": values,
        }
        if consented:
            session.execute(
                update(User)
                .where(User.id == record.user.id)
                .values(
                    language=lang,
                    consent_at=now,
                    consent_version=orienta.settings.privacy_notice_version,
                )
            )
    return record.user.id


class FakeTime:
    """Seconds that move only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


class RecordingChannel:
    """Keeps what was sent per chat, with the fake time of each send; a chat in
    ``blocked`` is found blocked (as Telegram answers 403 and the channel records it)."""

    def __init__(self, orienta: Orienta, time: FakeTime | None = None, name: str = "memory"):
        self.name = name
        self.orienta = orienta
        self.time = time
        self.sent: dict[str, list[Outgoing]] = defaultdict(list)
        self.log: list[tuple[float, str]] = []
        self.blocked: set[str] = set()
        self.after_send: list[Callable[[], object]] = []

    async def send(self, message: Outgoing) -> None:
        if message.chat_id in self.blocked:
            self.orienta.store.mark_blocked(self.name, message.chat_id, datetime.now(UTC))
            return
        self.sent[message.chat_id].append(message)
        self.log.append((self.time.now if self.time else 0.0, message.chat_id))
        for hook in self.after_send:
            hook()
