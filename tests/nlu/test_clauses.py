"""Long messages read clause by clause when the whole is unsure: people write a greeting,
their request and their story in one message."""

from __future__ import annotations

import pytest

from nlu.pipeline import Understanding

#: Written the way people do: a greeting, a request for a person, what it is about.
ASKING = {
    "ar": "السلام عليكم، بغيت نهضر مع شي واحد من فضلك، عندي مشكل مع الوراق ديال الإقامة",
    "fr": "Bonjour madame, je voudrais parler à quelqu'un svp, j'ai un problème avec mon titre "
    "de séjour qui expire",
    "it": "Buongiorno, vorrei parlare con una persona per favore, ho un problema con il "
    "permesso di soggiorno",
    "fi": "Hei, haluaisin puhua jonkun ihmisen kanssa, minulla on ongelma oleskeluluvan kanssa",
    "uk": "Добрий день, я хочу поговорити з людиною, будь ласка, у мене проблема з документами "
    "на проживання",
}


@pytest.mark.parametrize("lang", sorted(ASKING))
async def test_a_request_for_a_person_inside_a_long_message_is_heard(
    understanding: Understanding, lang: str
) -> None:
    result = await understanding.parse(ASKING[lang], lang)
    assert result.intent == "human_mediator"
    assert result.confidence >= understanding.threshold


async def test_a_confident_whole_message_is_not_split(understanding: Understanding) -> None:
    """A message understood as a whole keeps its own intent (one parse, no clauses)."""
    text = "Bonjour, j'ai besoin d'aide pour trouver un logement pour ma famille"
    whole = await understanding.intents.parse(text, "fr")
    assert whole.confidence >= understanding.threshold
    assert await understanding.parse(text, "fr") == whole


async def test_small_talk_clauses_do_not_decide(understanding: Understanding) -> None:
    """ "Hello, thank you" stays what the whole message is: no clause of small talk wins."""
    text = "bonjour, merci beaucoup, zxqv blorp"
    whole = await understanding.intents.parse(text, "fr")
    result = await understanding.parse(text, "fr")
    assert result.intent not in {"greet", "thanks"} or result == whole
