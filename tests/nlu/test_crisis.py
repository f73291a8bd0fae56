"""Crisis signals: lexicon sections by kind, strong and weak alarms, the Understood interface."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.crisis import CRISIS_KINDS, CrisisPhrases, assess, parse_lexicon
from nlu.langid import Detection, LangDecision
from nlu.pipeline import Understood
from nlu.result import NluResult

ROOT = Path(__file__).resolve().parents[2]
LEXICONS = ROOT / "nlu" / "lexicons" / "crisis"


@pytest.fixture(scope="module")
def phrases() -> CrisisPhrases:
    return CrisisPhrases.from_dir(LEXICONS)


def _result(intent: str, confidence: float, emergency: float = 0.0) -> NluResult:
    ranking = ((intent, confidence), ("emergency", emergency))
    return NluResult(intent, confidence, "test", ranking)


def test_sections_name_kind_and_strength() -> None:
    text = "plain\n## kind: shelter\ndors dehors\n# comment\n## weak: other\nj'ai peur\n"
    assert parse_lexicon(text) == [
        ("plain", "other", "strong"),
        ("dors dehors", "shelter", "strong"),
        ("j'ai peur", "other", "weak"),
    ]
    with pytest.raises(ValueError):
        parse_lexicon("## kind: flood\nx\n")


@pytest.mark.parametrize("lang", ["ar", "fi", "fr", "it", "uk", "ru"])
def test_every_lexicon_has_every_kind(lang: str) -> None:
    entries = parse_lexicon((LEXICONS / f"{lang}.txt").read_text("utf-8"))
    strong = {kind for _, kind, strength in entries if strength == "strong"}
    assert strong == set(CRISIS_KINDS)
    assert any(strength == "weak" for _, _, strength in entries)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Je dors dehors ce soir avec mes enfants", "shelter"),
        ("il va me tuer", "violence"),
        ("je vais me tuer ce soir", "suicide"),
        ("Lapseni ei hengitä", "child"),
        ("Мені нема де ночувати сьогодні", "shelter"),
        ("Хочу умереть", "suicide"),
    ],
)
def test_match_gives_phrase_and_kind(phrases: CrisisPhrases, text: str, kind: str) -> None:
    found = phrases.match(text)
    assert found is not None and found.kind == kind
    assert str(found) == found.phrase


def test_strong_phrase_acts_at_once(phrases: CrisisPhrases) -> None:
    alarm = assess("je dors dehors ce soir", _result("rights_housing", 0.9), phrases)
    assert alarm is not None and (alarm.level, alarm.kind) == ("strong", "shelter")


def test_weak_cue_and_low_probability_ask_first(phrases: CrisisPhrases) -> None:
    weak = assess("j'ai peur", _result("out_of_scope", 0.4), phrases)
    assert weak is not None and weak.level == "weak"
    low = assess("ça va pas du tout chez moi", _result("out_of_scope", 0.6, 0.3), phrases)
    assert low is not None and low.level == "weak" and low.kind in CRISIS_KINDS
    high = assess("aidez moi", _result("emergency", 0.9, 0.9), phrases)
    assert high is not None and high.level == "strong"


@pytest.mark.parametrize(
    "text", ["non", "no", "I have to go, the baby is crying", "Які дані ви зберігаєте про мене?"]
)
def test_ordinary_messages_raise_no_alarm(phrases: CrisisPhrases, text: str) -> None:
    assert assess(text, _result("deny", 0.9), phrases) is None


def test_understood_interface() -> None:
    language = LangDecision(Detection("fr", 0.99), "fr")
    calm = Understood(language, _result("greet", 0.9), None)
    assert not calm.emergency and calm.alarm is None and calm.crisis_kind is None
    weak = Understood(language, _result("greet", 0.9), None, "other", "weak")
    assert weak.emergency
