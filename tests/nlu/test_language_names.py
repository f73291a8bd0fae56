"""The served language a message names, for a request to change language."""

from __future__ import annotations

import pytest

from nlu.language_names import named_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("3arbiya 3afak", "ar"),
        ("bl3arbiya please", "ar"),
        ("peux-tu parler arabe", "ar"),
        ("en français svp", "fr"),
        ("parla in francese", "fr"),
        ("italiano per favore", "it"),
        ("voisitko puhua suomeksi", "fi"),
        ("українською, будь ласка", "uk"),
        ("in Ukrainian please", "uk"),
    ],
)
def test_a_named_language(text: str, lang: str) -> None:
    assert named_language(text) == lang


@pytest.mark.parametrize(
    "text",
    ["je vis en Italie", "change the language", "pas en français, en arabe", "hello"],
)
def test_no_language_or_several(text: str) -> None:
    assert named_language(text) is None
