"""Who a rights question is about: a child ("school for my children aged 7 and 12")
or an adult ("a French course for me"), from cue words in the served languages.

The knowledge base never answers a question about a child with an article limited
to adults (and the other way round); see ``AGE_GROUPS`` in :mod:`bot.domain.content`.
Words are compared folded (:func:`nlu.text.fold`), by their beginning, so "enfants",
"lapsille" and "дітей" match; Arabic words also inside (prefixes such as و, ال, ل).
"""

from __future__ import annotations

import re

from nlu.text import fold, words

__all__ = ["age_of"]

#: Whole words that say the question is about a child (short ones, which as beginnings
#: would also match other words: "son"/"sono", "kid"/"kidney", "син"/"синій").
_CHILD_WORDS = frozenset(
    {
        "son",
        "sons",
        "kid",
        "kids",
        "ado",
        "ados",
        "fils",
        "poika",
        "pojat",
        "син",
        "сина",
        "сину",
        "сини",
        "синів",
        "сином",
        "дети",
        "детей",
        "детям",
        "wlad",
        "wladi",
        "drari",
        "bnti",
        "wldi",
        "madrasa",
        "lmadrasa",
    }
)
#: Beginnings of words that say the same.
_CHILD_STEMS = (
    # en
    "child",
    "daughter",
    "school",
    "pupil",
    "kindergarten",
    "nursery",
    "teenage",
    "baby",
    "babies",
    "toddler",
    # fr
    "enfant",
    "fille",
    "ecole",
    "scolai",
    "scolar",
    "eleve",
    "maternelle",
    "creche",
    "bebe",
    "adolescen",
    # it
    "bambin",
    "figli",
    "scuol",
    "alunn",
    "asilo",
    "scolast",
    "ragazzin",
    "neonat",
    # fi
    "lapsi",
    "lapse",
    "lasta",
    "lasten",
    "lapsia",
    "poja",
    "tytar",
    "tyttar",
    "koulu",
    "oppilas",
    "paivakot",
    "esikoulu",
    "vauva",
    # uk (and the Russian spellings people type)
    "дитин",
    "дити",
    "діт",
    "ребен",
    "ребён",
    "доньк",
    "доч",
    "школ",
    "садоч",
    "садок",
    "садк",
    "учн",
    "учен",
    "немовл",
)
#: Parts of Arabic words (folded: ا for أ, ه for ة), found inside a word because of
#: the prefixes و, ال, ل, ب.
_CHILD_AR = (
    "طفل",
    "طفال",
    "اولاد",
    "ولدي",
    "ابني",
    "ابنتي",
    "بنتي",
    "مدرس",
    "تلميذ",
    "روضه",
    "حضان",
    "رضيع",
)
_ADULT_STEMS = ("adult", "grown", "aikuis", "доросл", "взросл")
_ADULT_AR = ("للكبار", "بالغ", "الكبار", "راشد")
#: "7 ans", "12 anni", "7-vuotias", "7 років", "7 سنوات", "12 years": an age.
_AGE = re.compile(
    r"\b(\d{1,2})\s*-?\s*(?:years?|yrs?|y\.o|ans?\b|anni|anno|vuot|рок|літ|лет|سن|عام)"
)
#: "aged 7", "âgé de 7", "età 7", "вік 7", "عمره 7": an age.
_AGED = re.compile(r"(?:\baged?|\bage de|\beta|\bвік\w*|عمر\w*)\s*(\d{1,2})\b")
_ADULT_AGE = 18


def age_of(question: str) -> str:
    """``"children"``, ``"adults"`` or ``""`` (the question does not say, or says both)."""
    text = fold(question)
    child = adult = False
    for word in words(text):
        child = child or (
            word in _CHILD_WORDS
            or word.startswith(_CHILD_STEMS)
            or any(part in word for part in _CHILD_AR)
        )
        adult = adult or word.startswith(_ADULT_STEMS) or any(p in word for p in _ADULT_AR)
    ages = [int(n) for n in (*_AGE.findall(text), *_AGED.findall(text))]
    child = child or any(age < _ADULT_AGE for age in ages)
    adult = adult or any(age >= _ADULT_AGE for age in ages)
    if child != adult:
        return "children" if child else "adults"
    return ""
