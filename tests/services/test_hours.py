"""Weekly hours as people write them, judged at a given moment, formatted per language."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.domain.hours import (
    format_hours,
    hours_from_json,
    hours_to_json,
    is_open,
    next_opening,
    parse_hours,
)


def test_parse_hours_reads_ranges_lists_and_wrapping_days() -> None:
    hours = parse_hours("mon-fri 09:00-13:00, 14:00-17:00; sat 10:00-12:00; sun,mon 18:00-19:00")
    assert hours[0] == ((time(9), time(13)), (time(14), time(17)), (time(18), time(19)))
    assert hours[4] == ((time(9), time(13)), (time(14), time(17)))
    assert hours[5] == ((time(10), time(12)),) and hours[6] == ((time(18), time(19)),)
    assert parse_hours("fri-mon 08:00-09:00").keys() == {4, 5, 6, 0}
    assert len(parse_hours("always")) == 7
    assert hours_from_json(hours_to_json(hours)) == hours


@pytest.mark.parametrize(
    "text", ["", "monday 09:00-12:00", "mon 9-12", "mon 12:00-09:00", "xyz-fri 09:00-10:00", "mon"]
)
def test_parse_hours_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError):
        parse_hours(text)


def test_open_and_next_opening_in_the_hours_time_zone() -> None:
    hours = parse_hours("mon-fri 09:00-17:00")
    monday_eight_utc = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Rome
    assert is_open(hours, "Europe/Rome", monday_eight_utc)
    half_past_three_utc = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    assert is_open(hours, "Europe/Rome", half_past_three_utc)  # 16:30
    assert not is_open(hours, "Europe/Helsinki", half_past_three_utc)  # 17:30
    assert not is_open(hours, "Europe/Rome", datetime(2026, 11, 28, 10, tzinfo=UTC))  # Sat
    friday_evening = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    nxt = next_opening(hours, "Europe/Rome", friday_evening)
    assert nxt is not None and nxt.isoformat() == "2026-11-30T09:00:00+01:00"
    # Across the change to summer time the local hour stays 09:00.
    before_dst = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    assert next_opening(hours, "Europe/Rome", before_dst).isoformat() == (  # type: ignore[union-attr]
        "2027-03-29T09:00:00+02:00"
    )
    assert next_opening({}, "Europe/Rome", before_dst) is None


def test_format_hours_in_the_readers_language() -> None:
    hours = parse_hours("tue,thu 09:00-12:00")
    assert format_hours(hours, "fr") == "mar. 09:00–12:00 · jeu. 09:00–12:00"
    assert "الثلاثاء" in format_hours(hours, "ar")
    assert format_hours({}, "fi") == ""
