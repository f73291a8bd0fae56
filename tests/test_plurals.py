"""Plural forms: every message that shows a count has the forms of each language's
Plural-Forms (ar six, uk three, en fi fr it two), and the count picks the right one at
1, 2, 5 and 11 in every served language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel import Locale

from bot.catalogs import extract_template, message_forms, message_key
from bot.i18n import FALLBACK, Catalogs, placeholders, po_path, read_catalog
from bot.settings import SERVED_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = (FALLBACK, *SERVED_LANGUAGES)
COUNTS = (1, 2, 5, 11)
NPLURALS = {"en": 2, "fi": 2, "fr": 2, "it": 2, "uk": 3, "ar": 6}
PLURAL_IDS = sorted(message_key(m) for m in extract_template(ROOT) if m.pluralizable)
#: The CLDR category of each count, and the catalog's form for it: Arabic orders its six
#: forms zero, one, two, few (3-10), other (100-102), many (11-99), as its header says.
CATEGORY_FORM = {
    "en": {"one": 0, "other": 1},
    "fi": {"one": 0, "other": 1},
    "it": {"one": 0, "other": 1},
    "fr": {"one": 0, "other": 1},
    "uk": {"one": 0, "few": 1, "many": 2},
    "ar": {"zero": 0, "one": 1, "two": 2, "few": 3, "other": 4, "many": 5},
}
#: "1 appointments" and "Повідомлень: {count}" no more: what a person reads.
LIMIT = {
    "en": (
        "You already have 1 appointment coming. Please move or cancel it first.",
        "You already have 2 appointments coming. Please move or cancel one first.",
        "You already have 5 appointments coming. Please move or cancel one first.",
        "You already have 11 appointments coming. Please move or cancel one first.",
    ),
    "uk": (
        "У вас уже є 1 майбутній запис. Спочатку перенесіть або скасуйте його.",
        "У вас уже є 2 майбутні записи. Спочатку перенесіть або скасуйте один із них.",
        "У вас уже є 5 майбутніх записів. Спочатку перенесіть або скасуйте один із них.",
        "У вас уже є 11 майбутніх записів. Спочатку перенесіть або скасуйте один із них.",
    ),
    "ar": (
        "عندك موعد قادم. المرجو أولًا تغييره أو إلغاؤه.",
        "عندك موعدان قادمان. المرجو أولًا تغيير أحدهما أو إلغاؤه.",
        "عندك 5 مواعيد قادمة. المرجو أولًا تغيير موعد أو إلغاؤه.",
        "عندك 11 موعدًا قادمًا. المرجو أولًا تغيير موعد أو إلغاؤه.",
    ),
}
MESSAGES = {
    "fr": ("1 message", "2 messages", "5 messages", "11 messages"),
    "it": ("1 messaggio", "2 messaggi", "5 messaggi", "11 messaggi"),
    "fi": ("1 teksti", "2 tekstiä", "5 tekstiä", "11 tekstiä"),
    "uk": ("1 повідомлення", "2 повідомлення", "5 повідомлень", "11 повідомлень"),
    "ar": ("رسالة واحدة", "رسالتان", "5 رسائل", "11 رسالةً"),
}


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs(LOCALES)


def test_the_counted_messages_have_plural_forms() -> None:
    assert set(PLURAL_IDS) >= {
        "booking.limit",
        "booking.no_slots",
        "console.translations.count",
        "console.translations.saved",
        "console.releases.draft_count",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_message_has_the_forms_of_its_language(lang: str) -> None:
    catalog = read_catalog(po_path(LOCALES, lang))
    assert catalog.num_plurals == NPLURALS[lang]
    english = read_catalog(po_path(LOCALES, FALLBACK))
    for msgid in PLURAL_IDS:
        message = catalog.get(msgid)
        assert message is not None and message.pluralizable, (lang, msgid)
        forms = message_forms(message)
        assert len(forms) == NPLURALS[lang] and all(forms), (lang, msgid)
        want = set().union(*(placeholders(f) for f in message_forms(english.get(msgid))))
        assert all(placeholders(form) <= want for form in forms), (lang, msgid)
        # the forms for several (5, 11) show the number
        rule = catalog.plural_expr
        assert rule, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_count_picks_the_form_of_its_cldr_category(catalogs: Catalogs, lang: str) -> None:
    """At 1, 2, 5, 11 (and 21, 100, 101 for the languages with more forms), the form the
    catalog's Plural-Forms picks is the one for Babel's CLDR category of that count."""
    locale = Locale.parse(lang)
    catalog = read_catalog(po_path(LOCALES, lang))
    t = catalogs.translator(lang)
    for msgid in PLURAL_IDS:
        forms = message_forms(catalog.get(msgid))
        for count in (*COUNTS, 21, 100, 101):
            expected = forms[CATEGORY_FORM[lang][locale.plural_form(count)]]
            params = {
                "count": str(count),
                "days": str(count),
                "service": "S",
                "office": "O",
                "phone": "P",
            }
            assert t.gettext(msgid, **params) == expected.format_map(params), (lang, msgid, count)


@pytest.mark.parametrize("lang", sorted(LIMIT))
def test_booking_limit_reads_right_at_1_2_5_11(catalogs: Catalogs, lang: str) -> None:
    t = catalogs.translator(lang)
    got = tuple(t.gettext("booking.limit", count=str(n)) for n in COUNTS)
    assert got == LIMIT[lang]


@pytest.mark.parametrize("lang", sorted(MESSAGES))
def test_message_count_reads_right_at_1_2_5_11(catalogs: Catalogs, lang: str) -> None:
    t = catalogs.translator(lang)
    got = tuple(t.gettext("console.translations.count", count=str(n)) for n in COUNTS)
    assert got == MESSAGES[lang]


def test_days_pick_the_form_when_no_count_is_given(catalogs: Catalogs) -> None:
    t = catalogs.translator("uk")
    assert t.gettext("console.dashboard.last_days", days="21") == "Останній 21 день"
    assert t.gettext("console.dashboard.last_days", days="3") == "Останні 3 дні"
    assert t.gettext("console.dashboard.last_days", days="7") == "Останні 7 днів"


def test_a_console_edit_of_a_plural_message_wins(catalogs: Catalogs) -> None:
    edited = catalogs.overlaid({"fr": {"console.translations.count": "{count} textes"}})
    assert edited.translator("fr").gettext("console.translations.count", count="1") == ("1 textes")
    assert catalogs.translator("fr").gettext("console.translations.count", count="1") == (
        "1 message"
    )
