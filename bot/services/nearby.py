"""Offices near the person: those of their region first, then those of the same
country, and those of other countries only when the person asks for them.

Pure: it sorts :class:`OfficeView` records by the region the person gave (the
conversation variable ``region``; ``all`` means "somewhere else") and the country
of each region. Used by booking (which office to offer) and escalation (which
offices to name when nobody is on duty).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.store.appointments import OfficeView

__all__ = ["Nearby", "by_language", "nearby", "region_needed"]


@dataclass(frozen=True)
class Nearby:
    """Offices sorted by where they are, each group by language (see :func:`by_language`)."""

    #: In the person's region (every office when the region does not matter).
    local: tuple[OfficeView, ...]
    #: In the same country, other regions.
    national: tuple[OfficeView, ...]
    #: In other countries, or anywhere when the region is "somewhere else": shown only
    #: when the person asks.
    abroad: tuple[OfficeView, ...]

    def same_country(self, *, but: str = "") -> tuple[OfficeView, ...]:
        """The offices of the person's country (their region's first), except ``but``."""
        return tuple(o for o in (*self.local, *self.national) if o.id != but)


def by_language(offices: Iterable[OfficeView], lang: str) -> tuple[OfficeView, ...]:
    """Offices whose staff speak ``lang`` first, then those with an interpreter."""
    return tuple(
        sorted(
            offices,
            key=lambda o: (lang not in o.languages, not o.interpreter, o.region or "", o.id),
        )
    )


def region_needed(region: str, regions: Iterable[str], offices: Sequence[OfficeView]) -> bool:
    """Whether to ask where the person lives: the region is not known (or no longer
    exists) and offices are in more than one region."""
    if region and (region == "all" or region in set(regions)):
        return False
    return len({o.region for o in offices}) > 1


def nearby(
    offices: Sequence[OfficeView], region: str, countries: Mapping[str, str], lang: str
) -> Nearby:
    """``offices`` by nearness to ``region`` (``countries``: region id to country).

    With no region (the offices are all in one region: :func:`region_needed` said so)
    every office is local. With "somewhere else" (``all``) or a region of no known
    country nothing is near: every office is abroad.
    """
    if not region:
        return Nearby(by_language(offices, lang), (), ())
    country = countries.get(region, "") if region != "all" else ""
    local = [o for o in offices if region != "all" and o.region == region]
    national = [
        o
        for o in offices
        if o.region != region and country and countries.get(o.region or "", "") == country
    ]
    near = {o.id for o in (*local, *national)}
    abroad = [o for o in offices if o.id not in near]
    return Nearby(by_language(local, lang), by_language(national, lang), by_language(abroad, lang))
