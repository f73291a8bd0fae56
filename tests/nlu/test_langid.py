"""Language identification: lid.176 with priors, on the project's own test messages."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from nlu.langid import LanguageIdentifier
from nlu.pipeline import Understanding

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [
    json.loads(line)
    for line in (ROOT / "tests/data/langid/messages.jsonl").read_text("utf-8").splitlines()
]


@pytest.fixture(scope="module")
def langid(understanding: Understanding) -> LanguageIdentifier:
    return understanding.langid


def accuracy(langid: LanguageIdentifier, kind: str) -> float:
    rows = [r for r in MESSAGES if r["kind"] == kind]
    return sum(langid.detect(r["text"]).lang == r["lang"] for r in rows) / len(rows)


def test_long_messages_are_identified(langid: LanguageIdentifier) -> None:
    # A regression floor; the figures themselves are measured by bench/langid.py.
    assert accuracy(langid, "long") >= 0.95


def test_short_messages_mostly_identified(langid: LanguageIdentifier) -> None:
    assert accuracy(langid, "short") >= 0.75


def test_russian_is_never_taken_for_ukrainian(langid: LanguageIdentifier) -> None:
    found = Counter(langid.detect(r["text"]).lang for r in MESSAGES if r["lang"] == "ru")
    assert found["uk"] == 0, found
    long = Counter(
        langid.detect(r["text"]).lang for r in MESSAGES if r["lang"] == "ru" and r["kind"] == "long"
    )
    assert long["ru"] == sum(long.values()), long


@pytest.mark.parametrize("variant", ["darija", "arabizi"])
def test_darija_and_arabizi_are_arabic(langid: LanguageIdentifier, variant: str) -> None:
    rows = [r for r in MESSAGES if r.get("variant") == variant and r["kind"] == "long"]
    assert sum(langid.detect(r["text"]).lang == "ar" for r in rows) >= 0.8 * len(rows)


def test_nothing_to_identify_is_und(langid: LanguageIdentifier) -> None:
    for text in ("", "🙂🙂", "12345", "?!", "\u202e"):
        assert langid.detect(text).lang == "und", text


def test_short_messages_never_flip_the_conversation(langid: LanguageIdentifier) -> None:
    for text in ("ok", "grazie", "kiitos", "merci beaucoup", "дякую"):
        decision = langid.decide(text, current="fr" if text != "merci beaucoup" else "it")
        assert decision.switch_to is None and decision.foreign is None, text


def test_confident_long_message_flips(langid: LanguageIdentifier) -> None:
    decision = langid.decide(
        "Hyvää päivää, tarvitsen apua asunnon etsimisessä Helsingissä", current="fr"
    )
    assert decision.switch_to == "fi"


def test_russian_is_foreign_not_ukrainian(langid: LanguageIdentifier) -> None:
    decision = langid.decide(
        "Здравствуйте, мне нужна помощь, где можно получить пособие?", current="uk"
    )
    assert decision.foreign == "ru" and decision.switch_to is None and decision.lang == "uk"
    first = langid.decide(
        "Здравствуйте, мне нужна помощь, где можно получить пособие?", current=None, hint="uk"
    )
    assert first.foreign == "ru"


def test_hint_decides_short_ambiguous_first_message(langid: LanguageIdentifier) -> None:
    assert langid.decide("ok", current=None, hint="it").lang == "it"
    assert langid.detect("ok", hint="it").lang in ("it", "und")


def test_cli_detect_reads_and_writes_json_lines_in_order() -> None:
    lines = [
        {"text": "Bonjour, je cherche un logement pour ma famille"},
        {"text": "ok", "hint": "fi"},
        {"text": "Добрий день, мені потрібна допомога з документами"},
        {"text": ""},
    ]
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\nnot json\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "nlu", "detect"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0]["lang"] == "fr" and out[1]["lang"] in ("fi", "und") and out[2]["lang"] == "uk"
    assert out[3] == {"lang": "und", "confidence": 0.0}
    assert out[4] == {"lang": "und", "confidence": 0.0} and result.returncode == 1
    assert "line 5" in result.stderr
    assert all(0.0 <= o["confidence"] <= 1.0 for o in out)
