"""Field report: rights answers fit the person (issue 16, follow-up).

A family in Anderlecht was told to ask the Task Force for people from Ukraine; a care
leaver in Guidonia (Italy) read a Belgian office as the source of a housing answer; an
article ended on a figure ("they helped 142 people") instead of what to do; an Arabic
source line came out scrambled ("https://cpas-) 2023)"). Articles are now chosen for
the person's region (else country, else general advice naming no country's office) and
situation; bodies end with the practical step; Latin, number, URL and phone fragments
in right-to-left messages are isolated.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.app import Orienta
from bot.authoring.content_files import load_content
from bot.domain.content import ALL
from bot.domain.endings import ends_with_next_step
from bot.i18n import bare_fragments, isolate_fragments, read_catalog
from bot.services.knowledge import KnowledgeService
from bot.settings import SERVED_LANGUAGES
from bot.store.knowledge import ArticleView, Choice, KnowledgeStore
from tests.dialog import Dialog, bare, consent

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 7)
#: "I am looking for a home for my family": a housing question in each language.
HOME = {
    "ar": "أبحث عن سكن لعائلتي",
    "fr": "Je cherche un logement pour ma famille",
    "it": "Cerco una casa per la mia famiglia",
    "fi": "Etsin asuntoa perheelleni",
    "uk": "Шукаю житло для своєї сім'ї",
}
#: Where each region is, by the country of its offices.
COUNTRY = {
    "anderlecht": "BE",
    "guidonia": "IT",
    "north_ostrobothnia": "FI",
    "israel": "IL",
    "morocco": "MA",
}
_UKRAINE = re.compile(r"ukrain|Україн|أوكراني|ucrain|ukrain", re.IGNORECASE)


def _offered(dialog: Dialog) -> list[str]:
    """The article shown and the others offered, by id."""
    datas = [b.data for b in dialog.buttons()]
    return [d[4:] for d in datas if d.startswith(("k:y:", "k:v:"))]


def _articles(orienta: Orienta, lang: str) -> dict[str, ArticleView]:
    return {a.id: a for a in KnowledgeStore(orienta.store).articles(lang)}


async def _situation(dialog: Dialog, lang: str, region: str, audience: str, topic: str) -> None:
    await consent(dialog, lang)
    await dialog.press(dialog.t(lang, f"menu.{topic}"))
    await dialog.press_data(f"k:r:{region}")
    await dialog.press_data(f"k:a:{audience}")


def _fits_place(article: ArticleView, region: str) -> bool:
    return ALL in article.regions or region in article.regions or COUNTRY[region] in article.regions


# -- region and country ----------------------------------------------------------------------
@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
@pytest.mark.parametrize("topic", ["housing", "work"])
async def test_a_care_leaver_in_guidonia_never_gets_another_countrys_help(
    ready: Orienta, lang: str, topic: str
) -> None:
    dialog = Dialog(ready, chat_id=f"guidonia-{lang}-{topic}")
    await _situation(dialog, lang, "guidonia", "care_leavers", topic)
    offered = _offered(dialog)
    articles = _articles(ready, lang)
    assert offered, dialog.texts()
    for aid in offered:
        assert _fits_place(articles[aid], "guidonia"), aid
    text = bare(dialog.texts()[0])
    assert "CPAS" not in text and "Anderlecht" not in text and "Task Force" not in text
    assert "المغرب" not in text and "Klita" not in text


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_general_advice_says_so_instead_of_naming_a_foreign_office(
    ready: Orienta, lang: str
) -> None:
    dialog = Dialog(ready, chat_id=f"general-{lang}")
    await _situation(dialog, lang, "guidonia", "care_leavers", "housing")
    assert _offered(dialog)[0] == "housing-general"
    text = bare(dialog.texts()[0])
    last_line = dialog.t(lang, "kb.article_general", title="", body="", reviewed="")
    assert last_line.strip().splitlines()[0] in text  # "General advice from Orienta…"


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_a_question_gets_an_article_of_the_persons_country_and_situation(
    ready: Orienta, lang: str
) -> None:
    """Per language, a person with a region and situation types a question: every
    article offered is for their region (or country, or every region) and situation."""
    for region, audience in (
        ("anderlecht", "families"),
        ("anderlecht", "temporary_protection"),
        ("guidonia", "care_leavers"),
        ("morocco", "care_leavers"),
    ):
        dialog = Dialog(ready, chat_id=f"ask-{lang}-{region}-{audience}")
        await _situation(dialog, lang, region, audience, "housing")
        await dialog.say(HOME[lang])
        if dialog.t(lang, "danger.ask") in [bare(x) for x in dialog.texts()]:
            await dialog.press(dialog.t(lang, "danger.no"))
        articles = _articles(ready, lang)
        offered = _offered(dialog)
        assert offered, (region, audience, dialog.texts())
        for aid in offered:
            article = articles[aid]
            assert _fits_place(article, region), (region, aid)
            situations = [a for a in article.audiences if a not in ("adults", "children")]
            assert ALL in situations or audience in situations, (audience, aid)
        if (region, audience) == ("anderlecht", "temporary_protection"):
            assert offered[0] == "housing-anderlecht-ukraine"
        if region == "morocco":
            assert offered[0] == "housing-morocco-care-leavers"


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
@pytest.mark.parametrize("topic", ["housing", "benefits", "documents"])
async def test_a_family_is_not_sent_to_the_task_force_for_ukraine(
    ready: Orienta, lang: str, topic: str
) -> None:
    """Help for people under temporary protection is theirs: a family that is not is
    never told to ask the Task Force Ukraine."""
    dialog = Dialog(ready, chat_id=f"family-{lang}-{topic}")
    await _situation(dialog, lang, "anderlecht", "families", topic)
    articles = _articles(ready, lang)
    for aid in _offered(dialog):
        assert "temporary_protection" not in articles[aid].audiences, aid
    shown = bare(dialog.texts()[0]) if _offered(dialog) else ""
    assert "Task Force" not in shown and not _UKRAINE.search(shown)


class _Regions(KnowledgeStore):
    def __init__(self, articles: list[ArticleView]) -> None:
        self.given = articles

    def articles(self, lang: str) -> list[ArticleView]:
        return self.given

    def stamp(self) -> tuple[int, ...]:
        return (len(self.given),)

    def regions(self) -> list[Choice]:
        return [Choice("guidonia", {}, "IT"), Choice("rome", {}, "IT"), Choice("oulu", {}, "FI")]


def _view(aid: str, regions: tuple[str, ...]) -> ArticleView:
    return ArticleView(aid, "housing", regions, ("all",), "Housing", "A home", "x — y", "", TODAY)


def test_region_first_then_country_never_another_region_or_country() -> None:
    service = KnowledgeService(
        _Regions(
            [
                _view("guidonia", ("guidonia",)),
                _view("italy", ("IT",)),
                _view("rome", ("rome",)),
                _view("finland", ("FI",)),
            ]
        )
    )
    assert [a.id for a in service.rank("it", "housing", "", "guidonia", "general")] == [
        "guidonia",
        "italy",
    ]
    assert [a.id for a in service.rank("it", "housing", "", "oulu", "general")] == ["finland"]
    assert service.rank("it", "housing", "", ALL, "general") == []


# -- right-to-left ---------------------------------------------------------------------------
async def test_latin_fragments_in_an_arabic_article_are_isolated(ready: Orienta) -> None:
    dialog = Dialog(ready, chat_id="rtl-source")
    await _situation(dialog, "ar", "anderlecht", "temporary_protection", "housing")
    text = dialog.texts()[0]
    assert "\u2066\u2068https://cpas-ocmw.anderlecht.be/\u2069\u2069" in text
    assert "\u2066CPAS\u2069" in text  # in the body
    assert "(avril 2023)" in text and not bare_fragments(text)
    # An office's phone numbers and address in Guidonia's article, and the buttons.
    await dialog.press_data("k:p")
    await dialog.press_data("k:r:guidonia")
    await dialog.press_data("k:a:general")
    await dialog.press(dialog.t("ar", "button.menu"))
    await dialog.press(dialog.t("ar", "menu.documents"))
    text = dialog.texts()[0]
    assert "\u20660774 301488\u2069" in text and "\u2066Via Montelucci 4\u2069" in text
    assert not bare_fragments(text)


def test_fragments_are_isolated_once() -> None:
    text = "الخطوة التالية: الاتصال بالرقم 0774 301488 أو زيارة https://example.org/x"
    once = isolate_fragments(text)
    assert once.count("\u2066") == 2 and isolate_fragments(once) == once
    assert isolate_fragments("CPAS d'Anderlecht (avril 2023)") == "CPAS d'Anderlecht (avril 2023)"


def test_arabic_catalog_texts_isolate_their_latin_and_numbers() -> None:
    catalog = read_catalog(ROOT / "locales/ar/LC_MESSAGES/orienta.po")
    found = [
        (str(m.id), bare_fragments(re.sub(r"\{[^{}]*\}", "", text)))
        for m in catalog
        if m.id and m.string and not str(m.id).startswith("console.")
        for text in (m.string if isinstance(m.string, tuple | list) else [m.string])
        if bare_fragments(re.sub(r"\{[^{}]*\}", "", text))
    ]
    assert not found, found


# -- content lint ----------------------------------------------------------------------------
def test_every_article_body_ends_with_what_to_do() -> None:
    content = load_content(ROOT / "content", SERVED_LANGUAGES, TODAY)
    assert not content.errors, content.errors
    for article in content.articles:
        for lang, (_, body) in article.texts.items():
            assert ends_with_next_step(lang, body) == "", (article.id, lang)
            last = body.strip().splitlines()[-1]
            assert not re.fullmatch(r"[^.!?]*\d+[^.!?]*(?:people|personnes|persone)\.", last)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("Go to the CPAS.\nIn 2023, they helped 142 people.", "no next step"),
        ("Next step: go to the CPAS. In 2023 they helped 142 people.", "ends on a figure"),
        ("Next step: go.\nA.\nB.\nC.", "not at the end"),
        ("Next step: call 0774 301488, Tuesday 9:00-12:00.", ""),
    ],
)
def test_the_checker_refuses_a_body_ending_on_a_figure(body: str, why: str) -> None:
    said = ends_with_next_step("en", body)
    assert (why in said) if why else said == ""


def test_an_article_for_every_region_names_no_countrys_office(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    path = target / "articles" / "housing.yaml"
    text = path.read_text("utf-8")
    general = "    source: general"
    assert general in text
    cited = (
        '    source:\n      organisation: "CPAS d\'Anderlecht"\n'
        '      title: "Task Force Ukraine (avril 2023)"\n'
    )
    path.write_text(text.replace(general, cited.rstrip("\n"), 1), "utf-8")
    errors = [str(p) for p in load_content(target, SERVED_LANGUAGES, TODAY).errors]
    assert any("another country's help" in e for e in errors), errors


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
def test_articles_use_the_glossarys_words(lang: str) -> None:
    """The glossary's "avoid" forms (masculine-only address in Arabic, other words for
    mediator and social worker) are not in the articles either."""
    import yaml

    glossary = yaml.safe_load((ROOT / "locales" / lang / "glossary.yaml").read_text("utf-8"))
    content = load_content(ROOT / "content", SERVED_LANGUAGES, TODAY)
    found = [
        (article.id, form)
        for article in content.articles
        for concept, entry in glossary.items()
        for form in entry.get("avoid") or ()
        if form.casefold() in "\n".join(article.texts[lang]).casefold()
    ]
    assert not found, found


_MASCULINE_AR = re.compile(
    r"(?:^|\s)(?:هل أنت|لا تنتظر|اطلب|اذهب|اسأل|احجز|اتصل|أحضر|جهّز|تحدّث|اكتب)\b"
)


def test_arabic_articles_do_not_address_the_reader_in_the_masculine() -> None:
    content = load_content(ROOT / "content", SERVED_LANGUAGES, TODAY)
    found = [
        (a.id, m.group(0).strip())
        for a in content.articles
        for m in _MASCULINE_AR.finditer("\n".join(a.texts["ar"]))
    ]
    assert not found, found
