"""One backoff policy: the numbers, and tenacity waiting by them."""

from __future__ import annotations

import pytest
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from bot.retrying import Backoff


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [Backoff(0.5, 30.0).delay(n) for n in range(1, 9)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
    ]
    assert Backoff(1.0, 30.0).delay(1) == 1.0


async def test_tenacity_waits_by_the_backoff() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    calls = 0
    with pytest.raises(ConnectionError):
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(ConnectionError),
            wait=Backoff(0.5, 2.0),
            stop=stop_after_attempt(5),
            sleep=sleep,
            reraise=True,
        ):
            with attempt:
                calls += 1
                raise ConnectionError
    assert calls == 5 and waits == [0.5, 1.0, 2.0, 2.0]
