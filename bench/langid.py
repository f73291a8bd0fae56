"""Language identification: accuracy on the project's test messages, and speed.

Run with ``make bench`` or ``python -m bench.langid``. Reports accuracy for
short and long messages separately, per language, with and without a correct
``language_code`` hint, the Russian/Ukrainian confusions, and detections per second.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from bot.app import understanding_from_settings
from bot.settings import SERVED_LANGUAGES, Settings

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "tests" / "data" / "langid" / "messages.jsonl"


def main() -> None:
    rows = [json.loads(line) for line in MESSAGES.read_text("utf-8").splitlines()]
    understanding = understanding_from_settings(Settings(), use_rasa=False)
    langid = understanding.langid
    langid.detect("warm up")
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    hinted: Counter[str] = Counter()
    by_lang: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    confused: Counter[str] = Counter()
    started = time.perf_counter()
    for row in rows:
        found = langid.detect(row["text"]).lang
        kind, lang = row["kind"], row["lang"]
        total[kind] += 1
        right[kind] += found == lang
        cell = by_lang[(lang + ("/" + row["variant"] if row.get("variant") else ""), kind)]
        cell[0] += found == lang
        cell[1] += 1
        if found != lang:
            confusions[(lang, found)] += 1
            confused[kind] += (lang, found) == ("ru", "uk")
        if lang in SERVED_LANGUAGES:
            hinted[kind] += langid.detect(row["text"], hint=lang).lang == lang
    elapsed = time.perf_counter() - started
    served = Counter(r["kind"] for r in rows if r["lang"] in SERVED_LANGUAGES)
    print(f"language identification on {len(rows)} messages ({MESSAGES.relative_to(ROOT)})")
    for kind in ("short", "long"):
        print(
            f"  {kind:5}: {right[kind]}/{total[kind]} = {right[kind] / total[kind]:.1%} "
            f"without hint; served languages with a correct hint: "
            f"{hinted[kind]}/{served[kind]} = {hinted[kind] / served[kind]:.1%}"
        )
    print("  per language (correct/total):")
    for (lang, kind), (ok, n) in sorted(by_lang.items()):
        print(f"    {lang:12} {kind:5} {ok:3}/{n:<3} {ok / n:6.1%}")
    print(f"  Russian taken for Ukrainian: short {confused['short']}, long {confused['long']}")
    print(
        "  most frequent confusions:",
        ", ".join(f"{a}->{b} x{n}" for (a, b), n in confusions.most_common(8)),
    )
    print(
        f"  speed: {2 * len(rows) / elapsed:,.0f} detections/s "
        f"({elapsed / (2 * len(rows)) * 1e6:.0f} µs each, one core)"
    )


if __name__ == "__main__":
    main()
