"""The served language a message names ("3arbiya 3afak", "en français svp", "українською,
будь ласка"): a request to change language that names one is carried out at once
instead of showing the language menu.

Names are compared as whole folded words (see :func:`nlu.text.fold`), in the served
languages, English, Darija and Arabizi. A country's name is not a language's ("Italia"
is where someone lives), so only language names and adverbs ("suomeksi") are listed.
"""

from __future__ import annotations

from collections.abc import Mapping

from nlu.text import fold, words

__all__ = ["NAMES", "named_language"]

#: Words naming each served language, as people write them.
NAMES: Mapping[str, tuple[str, ...]] = {
    "ar": (
        "arabe",
        "arabic",
        "arabo",
        "araba",
        "arabiaksi",
        "арабська",
        "арабською",
        "arabiya",
        "arabia",
        "3arbiya",
        "l3arbiya",
        "bl3arbiya",
        "3arabiya",
        "al3arabiya",
        "3arbia",
        "العربية",
        "بالعربية",
        "عربي",
        "بالعربي",
        "العربيه",
        "بالعربيه",
    ),
    "fr": (
        "francais",
        "french",
        "francese",
        "ranska",
        "ranskaksi",
        "французька",
        "французькою",
        "fransawiya",
        "fransiya",
        "lfransiya",
        "blfransiya",
        "الفرنسية",
        "بالفرنسية",
        "فرنسي",
        "بالفرنسي",
        "فرنساوي",
    ),
    "it": (
        "italiano",
        "italien",
        "italian",
        "italiaksi",
        "італійська",
        "італійською",
        "taliyaniya",
        "ltalyaniya",
        "الإيطالية",
        "بالإيطالية",
        "ايطالي",
        "بالايطالي",
    ),
    "fi": (
        "suomi",
        "suomeksi",
        "finnois",
        "finnish",
        "finlandese",
        "фінська",
        "фінською",
        "الفنلندية",
        "بالفنلندية",
        "فنلندي",
    ),
    "uk": (
        "українська",
        "українською",
        "украинский",
        "украинском",
        "ukrainien",
        "ukrainian",
        "ucraino",
        "ukrainaksi",
        "ukrainiya",
        "الأوكرانية",
        "بالأوكرانية",
        "اوكراني",
    ),
}
_BY_WORD = {fold(name): lang for lang, names in NAMES.items() for name in names}


def named_language(text: str) -> str | None:
    """The one served language ``text`` names, or None (none, or several: "not in
    French, in Arabic" is left to the language menu)."""
    found = {_BY_WORD[w] for w in words(fold(text)) if w in _BY_WORD}
    return found.pop() if len(found) == 1 else None
