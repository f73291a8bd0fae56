"""How a rights article ends: with the practical step (what to do, where, what to
bring), never with a figure from a report ("In February and March 2023 they helped
142 people"). ``orienta kb check`` refuses a body that does not.
"""

from __future__ import annotations

import re

__all__ = ["NEXT_STEP", "ends_with_next_step"]

#: How the practical step a body ends with begins, in each language ("Next step: …").
NEXT_STEP = {
    "en": ("Next step:",),
    "ar": ("الخطوة التالية:",),
    "fr": ("Suite :", "Prochaine étape :"),
    "it": ("Cosa fare:", "Prossimo passo:"),
    "fi": ("Seuraavaksi:", "Seuraava askel:"),
    "uk": ("Що далі:", "Наступний крок:"),
}
_AFTER_STEP = 2  # lines of the same step after its first line ("Ask about …")
#: Phone numbers, hours and dates, which a practical step may give; any other number in
#: a body's last sentence is a figure from a report ("they helped 142 people").
_NOT_A_FIGURE = re.compile(r"\+?\d[\d ]{4,}\d|\b\d{1,2}[:.]\d{2}\b|\d{4}-\d{2}-\d{2}")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


def ends_with_next_step(lang: str, body: str) -> str:
    """Why a body does not end with its practical step (what to do, where, what to bring),
    or ``""``: the step's line ("Next step: …") comes last, or is followed by at most two
    lines of the same step, and the last sentence reports no figure."""
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    markers = NEXT_STEP.get(lang, ())
    steps = [i for i, line in enumerate(lines) if line.startswith(markers)]
    if markers and not steps:
        return f"no next step (a line beginning {markers[0]!r})"
    if markers and len(lines) - 1 - steps[-1] > _AFTER_STEP:
        return "the next step is not at the end"
    last = _SENTENCE_END.split(lines[-1])[-1] if lines else ""
    if any(c.isdigit() for c in _NOT_A_FIGURE.sub("", last)):
        return f"it ends on a figure ({last!r}), not on what to do"
    return ""
