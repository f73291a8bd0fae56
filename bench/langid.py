"""Language identification: accuracy on the project's test messages, the cross-author
chat messages (``nlu/eval/crossauthor``, code-switching included) and real published
text, and speed.

Real published text: the translated program messages of the Debian packages on this
machine (``/usr/share/locale/<lang>/LC_MESSAGES/*.mo``, gettext catalogs written by
translators, read offline), cleaned of format codes and markup, ISO code names left
out; 300 short (1-3 words) and 300 long (4+ words) per language, chosen by hash.
Reported without a hint, with raw lid.176 on the same text for comparison.

Run with ``make bench`` or ``python -m bench.langid``. Reports accuracy for
short and long messages separately, per language, with and without a correct
``language_code`` hint, the Russian/Ukrainian confusions, and detections per second.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

from bot.app import understanding_from_settings
from bot.settings import SERVED_LANGUAGES, Settings
from nlu.crossauthor import load_crossauthor
from nlu.langid import LanguageIdentifier
from nlu.text import fold, words

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "tests" / "data" / "langid" / "messages.jsonl"


_FORMAT = re.compile(
    r"%(\([^)]*\))?[-#0 +]*\d*(\.\d+)?[hlLqjzt]*[diouxXeEfFgGcrsa%]|\{[^}]*\}|<[^>]+>"
    r"|&[a-z]+;|\\[nt]|_"
)
_PLAIN = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*(?:[ ,]+[^\W\d_]+(?:['’-][^\W\d_]+)*)*[.!?]?$")


def real_text(lang: str, per_kind: int = 300) -> list[tuple[str, str]]:
    """(text, "short"|"long") from the translated Debian program messages of ``lang``."""
    found: set[str] = set()
    for mo in sorted(Path("/usr/share/locale", lang, "LC_MESSAGES").glob("*.mo")):
        if mo.name.startswith("iso_"):
            continue
        try:
            with mo.open("rb") as handle:
                catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        for key, value in catalog.items():
            msgid = key[0] if isinstance(key, tuple) else key
            if not msgid or not value or value == msgid:
                continue
            for line in str(value).splitlines():
                text = " ".join(_FORMAT.sub(" ", line).split()).strip(" :.-*")
                tokens = text.split()
                if (
                    _PLAIN.match(text)
                    and not any(t.isupper() and len(t) > 1 for t in tokens)
                    and any(len(t) >= 4 for t in tokens)
                ):
                    found.add(text)

    def pick(items: list[str]) -> list[str]:
        return sorted(items, key=lambda t: hashlib.sha256(t.encode()).hexdigest())[:per_kind]

    short = pick([t for t in found if len(t.split()) <= 3])
    long = pick([t for t in found if len(t.split()) >= 4])
    return [(t, "short") for t in short] + [(t, "long") for t in long]


def _raw_lid(langid: LanguageIdentifier, text: str) -> str:
    labels, _ = langid._loaded().predict(fold(text).replace("\n", " "), k=1)
    code = str(labels[0]).removeprefix("__label__") if len(labels) else "und"
    return "ar" if code == "arz" else code


def _accuracy_table(
    name: str, rows: list[tuple[str, str, str]], langid: LanguageIdentifier
) -> None:
    print(f"\n{name}: accuracy without a hint, Orienta / raw lid.176 (n)")
    print("| lang | 1-3 words | 4+ words |")
    print("|---|---|---|")
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for text, lang, kind in rows:
        for key in ((lang, kind), ("all", kind)):
            cell = cells[key]
            cell[0] += langid.detect(text).lang == lang
            cell[1] += _raw_lid(langid, text) == lang
            cell[2] += 1
    for lang in (*SERVED_LANGUAGES, "ru", "all"):
        out = []
        for kind in ("short", "long"):
            ok, raw, n = cells[(lang, kind)]
            out.append(f"{ok / n:.3f} / {raw / n:.3f} ({n})" if n else "-")
        print(f"| {lang} | {out[0]} | {out[1]} |")
    ru_uk = sum(1 for text, lang, _ in rows if lang == "ru" and langid.detect(text).lang == "uk")
    print(f"Russian taken for Ukrainian: {ru_uk}")


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
    for split in ("dev", "test"):
        chat = [
            (i.example.text, i.example.lang, "short" if len(words(i.example.text)) < 4 else "long")
            for i in load_crossauthor((*SERVED_LANGUAGES, "ru"), split)
        ]
        if chat:
            _accuracy_table(f"cross-author chat messages, {split} split", chat, langid)
    real = [(t, lang, kind) for lang in (*SERVED_LANGUAGES, "ru") for t, kind in real_text(lang)]
    if real:
        _accuracy_table("real published text (translated Debian program messages)", real, langid)
    else:
        print("\nreal published text: no translated program messages under /usr/share/locale")


if __name__ == "__main__":
    main()
