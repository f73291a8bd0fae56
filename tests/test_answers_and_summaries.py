"""Field report, issue 16, items 8–10, in every served language.

Rights answers name their source as a person reads it (organisation, title, web
link; never a file name, never a date that contradicts the review date); a question
about children never gets an article limited to adults, and when no article fits the
person is told so and offered a person; a case's summary leads with the person's own
words, says why it is open (an emergency reads as one), and leaves out the bot's
messages and the /start a client sends by itself.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from bot.app import Orienta
from bot.authoring.content_files import load_content
from bot.services.ages import age_of
from bot.services.casework import summary_text
from bot.services.interfaces import ServiceContext
from bot.services.knowledge import KB_TEXTS, KnowledgeService
from bot.settings import SERVED_LANGUAGES
from bot.store.cases import CaseBook, CaseView
from bot.store.knowledge import ArticleView, Choice, KnowledgeStore
from tests.dialog import Dialog, bare, consent

CONTENT = Path(__file__).resolve().parent.parent / "content"
TODAY = date(2026, 12, 7)
#: A mother's question about school for her children aged 7 and 12.
MOTHER = {
    "ar": "أبحث عن مدرسة لأطفالي، عمرهم 7 و12 سنة",
    "fr": "Je cherche une école pour mes enfants de 7 et 12 ans",
    "it": "Cerco una scuola per i miei figli di 7 e 12 anni",
    "fi": "Etsin koulua lapsilleni, he ovat 7- ja 12-vuotiaita",
    "uk": "Шукаю школу для моїх дітей 7 і 12 років",
}
#: A question about a course for an adult.
ADULT = {
    "ar": "أين أجد دروس اللغة الفرنسية للكبار في أندرلخت؟",
    "fr": "Où trouver des cours de français pour adultes ?",
    "it": "Dove trovo un corso di francese per adulti?",
    "fi": "Missä on ranskan kursseja aikuisille?",
    "uk": "Де знайти курси французької для дорослих?",
}
#: What the person writes before asking for a person.
OWN_WORDS = {
    "ar": "اسمي سلمى وأحتاج مساعدة في إيجاد سكن",
    "fr": "Je m'appelle Salma et j'ai besoin d'aide pour un logement",
    "it": "Mi chiamo Salma e ho bisogno di aiuto per una casa",
    "fi": "Nimeni on Salma ja tarvitsen apua asunnon kanssa",
    "uk": "Мене звати Сальма, мені потрібна допомога з житлом",
}
_FILE_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\b|\.txt\b")
_DATED = re.compile(
    r"information is from|datent de|sono del|vuodelta|інформація —|المعلومات من سنة"
)


async def _ask(dialog: Dialog, lang: str, question: str) -> None:
    """Type a question; "are you in danger?" (a cue such as "children" can ask it) is
    answered no, so the question goes on."""
    await dialog.say(question)
    if dialog.t(lang, "danger.ask") in [bare(x) for x in dialog.texts()]:
        await dialog.press(dialog.t(lang, "danger.no"))


def _shown(dialog: Dialog) -> tuple[str, list[str]]:
    """The article shown (its id, from "did this help?") and the others offered."""
    datas = [b.data for b in dialog.buttons()]
    shown = next(d[4:] for d in datas if d.startswith("k:y:"))
    return shown, [d[4:] for d in datas if d.startswith("k:v:")]


# -- item 9: audience and topic respected ----------------------------------------------------
@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_school_for_children_never_gets_an_adults_course(ready: Orienta, lang: str) -> None:
    """The mother's question, typed before her region and situation are known, is kept
    while they are asked and then answered: school, not French courses for adults."""
    dialog = Dialog(ready, chat_id=f"mother-{lang}")
    await consent(dialog, lang)
    await _ask(dialog, lang, MOTHER[lang])
    assert dialog.texts()[-1] == dialog.t(lang, "kb.ask_region")
    await dialog.press_data("k:r:anderlecht")
    assert dialog.texts() == [dialog.t(lang, "kb.ask_audience")]
    await dialog.press_data("k:a:temporary_protection")  # a mother from Ukraine
    shown, others = _shown(dialog)
    assert shown == "education-general"
    adults_only = {"education-anderlecht-ukraine", "education-north-ostrobothnia"}
    assert not adults_only & {shown, *others}
    # The same person asking for herself gets the course for adults.
    await dialog.say(ADULT[lang])
    assert "education-anderlecht-ukraine" in {_shown(dialog)[0], *_shown(dialog)[1]}


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("school for my kids, 7 and 12", "children"),
        ("مدرسة لأولادي", "children"),
        ("lmadrasa dyal wladi", "children"),
        ("Школа для сина", "children"),
        ("koulupaikka tyttärelle", "children"),
        ("je suis ado, j'ai 16 ans", "children"),
        ("cours de français pour adultes", "adults"),
        ("corso per adulti", "adults"),
        ("I am 34 and need a job", ""),  # no unit after the number: not an age
        ("Sono una mamma e cerco un corso di italiano", ""),
        ("Où trouver des cours de français ?", ""),
        ("Чи є курси для українців?", ""),
    ],
)
def test_who_a_question_is_about(text: str, age: str) -> None:
    assert age_of(text) == age


class _Articles(KnowledgeStore):
    """The knowledge store with given articles (the database is the edge faked here)."""

    def __init__(self, articles: Sequence[ArticleView]) -> None:
        self.given = list(articles)
        self.gaps: list[str] = []

    def articles(self, lang: str) -> list[ArticleView]:
        return self.given

    def stamp(self) -> tuple[int, ...]:
        return (len(self.given),)

    def regions(self) -> list[Choice]:
        return [Choice("anderlecht", {"en": "Anderlecht"})]

    def audiences(self) -> list[Choice]:
        return [Choice("families", {"en": "Families"})]

    def record_gap(self, lang: str, topic: str, region: str, day: date) -> None:
        self.gaps.append(topic)


def _article(
    aid: str, topic: str, audiences: tuple[str, ...], title: str, body: str
) -> ArticleView:
    return ArticleView(aid, topic, ("anderlecht",), audiences, title, body, "CPAS — x", "", TODAY)


def test_when_no_article_fits_the_person_is_told_and_offered_a_person() -> None:
    course = _article(
        "course",
        "education",
        ("families", "adults"),
        "French courses",
        "French courses for parents in the evening, school of languages for adults",
    )
    service = KnowledgeService(_Articles([course]))
    ctx = ServiceContext(
        1, 1, "fr", {"region": "anderlecht", "audience": "families", "question": MOTHER["fr"]}
    )
    assert service.rank(
        "fr", "education", "French courses in the evening", "anderlecht", "families"
    )
    assert service.rank("fr", "education", MOTHER["fr"], "anderlecht", "families") == []
    # From the menu or a typed question: the flow's "no information yet, a person can help".
    started = service.start(ctx, {"topic": "education"})
    assert not started.ok and started.vars["question"] == ""
    # A question typed under an article: "I did not find an article", with a person.
    searched = service.input(ctx, {"text": MOTHER["fr"], "intent": "rights_education"})
    assert searched.says[0].text == KB_TEXTS["no_match"]
    assert "human" in {b.payload for row in searched.says[0].buttons for b in row}
    assert service.store.gaps == ["education", "education"]  # type: ignore[attr-defined]


def test_a_wrong_intent_does_not_override_the_question() -> None:
    """ "School for my children" once read as a housing question: the words win."""
    school = _article(
        "school", "education", ("all",), "School", "How to enrol your children at school"
    )
    home = _article("home", "housing", ("all",), "Housing", "Help to find a home for families")
    service = KnowledgeService(_Articles([school, home]))
    ranked = service.rank(
        "en", "housing", "a school for my children", "anderlecht", "families", strict=True
    )
    assert [a.id for a in ranked][:1] == ["school"]


# -- item 8: sources as a person reads them --------------------------------------------------
@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_sources_name_organisation_and_link_never_a_file(ready: Orienta, lang: str) -> None:
    dialog = Dialog(ready, chat_id=f"source-{lang}")
    await consent(dialog, lang)
    await dialog.press(dialog.t(lang, "menu.education"))
    await dialog.press_data("k:r:anderlecht")
    await dialog.press_data("k:a:temporary_protection")
    article = bare(dialog.texts()[0])
    assert "CPAS d'Anderlecht" in article and "https://cpas-ocmw.anderlecht.be/" in article
    assert not _FILE_NAME.search(article) and not _DATED.search(article)
    label = dialog.t(lang, "kb.article", title="", body="", source="", link="", reviewed="")
    assert label.strip().splitlines()[0].split(":")[0] in article  # "Source"/"المصدر"… translated
    # A source with no web address is shown without an empty link.
    await dialog.press_data("k:p")
    await dialog.press_data("k:r:morocco")
    await dialog.press_data("k:a:care_leavers")
    await dialog.press(dialog.t(lang, "button.menu"))
    await dialog.press(dialog.t(lang, "menu.health"))
    article = bare(dialog.texts()[0])
    assert "(المغرب)" in article and "()" not in article and not _FILE_NAME.search(article)


def _copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _errors(directory: Path) -> list[str]:
    content = load_content(directory, SERVED_LANGUAGES, TODAY)
    return [str(p) for p in content.errors]


def test_the_example_content_passes_the_checker() -> None:
    assert _errors(CONTENT) == []


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            'url: "https://cpas-ocmw.anderlecht.be/"',
            "url: 003_c7df0656179beda1.txt",
            "'url' is a file name",
        ),
        (
            'organisation: "CPAS d\'Anderlecht"',
            "organisation: notes.pdf",
            "'organisation' is a file name",
        ),
        ('url: "https://cpas-ocmw.anderlecht.be/"', "url: cpas-ocmw.anderlecht.be", "web address"),
        (
            "Relay workers can also help with your children's school.",
            "This information is from 2023.",
            "dates its information",
        ),
        (
            "Les personnes relais peuvent aussi aider pour l'école de vos enfants.",
            "Ces informations datent de 2023.",
            "dates its information",
        ),
        (
            "audiences: [temporary_protection, adults]",
            "audiences: [teenagers]",
            "unknown audience",
        ),
    ],
)
def test_the_checker_refuses_what_a_person_must_not_read(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    directory = _copy_content(tmp_path)
    path = directory / "articles" / "education.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    errors = _errors(directory)
    assert any(says in e for e in errors), errors


# -- item 10: the case summary ---------------------------------------------------------------
def _case(orienta: Orienta, chat: str) -> CaseView:
    user = orienta.store.user("memory", chat)
    assert user is not None
    case = CaseBook(orienta.store).open_case_of(user.id)
    assert case is not None
    return case


def _staff_summary(orienta: Orienta, case: CaseView, lang: str) -> str:
    t = orienta.catalogs.translator(lang)
    regions = KnowledgeStore(orienta.store).region_names()
    return summary_text(case, t, regions, "UTC")


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_summary_leads_with_the_persons_words(ready: Orienta, lang: str) -> None:
    """Their words first; the bot's messages only counted; the /start of a reopened
    chat and the /mediator command not shown as words; situation and region named."""
    dialog = Dialog(ready, chat_id=f"words-{lang}")
    await consent(dialog, lang)
    await dialog.press(dialog.t(lang, "menu.housing"))
    await dialog.press_data("k:r:anderlecht")
    await dialog.press_data("k:a:temporary_protection")
    await dialog.say("/start")  # the client reopening the chat
    await dialog.say(OWN_WORDS[lang])
    await dialog.say("/mediator")
    case = _case(ready, f"words-{lang}")
    assert case.summary["words"] == [OWN_WORDS[lang]]
    assert case.summary["bot_messages"] > 3
    for staff_lang in ("en", lang):
        text = _staff_summary(ready, case, staff_lang)
        lines = text.splitlines()
        assert lines[2] == f"👤 {OWN_WORDS[lang]}"  # right after the title and its label
        assert "/start" not in text and "/mediator" not in text
        assert dialog.t(lang, "kb.ask_region") not in text  # the bot's prompts folded away
        t = ready.catalogs.translator(staff_lang)
        assert t.gettext("staff.reason.asked") in text
        assert KnowledgeStore(ready.store).region_names()["anderlecht"][staff_lang] in text
        names = {a.id: a.name for a in KnowledgeStore(ready.store).audiences()}
        assert names["temporary_protection"][staff_lang] in text
        folded = t.gettext("staff.bot_folded", count=str(case.summary["bot_messages"]))
        assert lines[-1] == folded


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_an_emergency_after_asking_for_a_person_reads_as_one(
    ready: Orienta, lang: str
) -> None:
    """A person waiting for a mediator writes of danger: the case's reason becomes the
    emergency and its summary holds those words."""
    dialog = Dialog(ready, chat_id=f"raised-{lang}")
    await consent(dialog, lang)
    await dialog.say(OWN_WORDS[lang])
    await dialog.say("/mediator")
    assert _case(ready, f"raised-{lang}").reason == "asked"
    await dialog.say("I want to kill myself tonight")
    case = _case(ready, f"raised-{lang}")
    assert case.urgency == "emergency" and case.reason == "emergency"
    assert case.summary["words"][-2:] == [OWN_WORDS[lang], "I want to kill myself tonight"]
    t = ready.catalogs.translator(lang)
    text = _staff_summary(ready, case, lang)
    reason = f"{t.gettext('staff.reason.emergency')} — {t.gettext('staff.crisis.suicide')}"
    assert reason in text and t.gettext("staff.reason.asked") not in text


@pytest.mark.parametrize("lang", SERVED_LANGUAGES)
async def test_the_sos_button_reads_as_an_emergency(ready: Orienta, lang: str) -> None:
    dialog = Dialog(ready, chat_id=f"sos-{lang}")
    await consent(dialog, lang)
    await dialog.say("/mediator")
    await dialog.say("/menu")
    await dialog.press(f"🆘 {dialog.t(lang, 'menu.emergency')}")
    case = _case(ready, f"sos-{lang}")
    assert case.urgency == "emergency" and case.reason == "emergency"
    t = ready.catalogs.translator(lang)
    text = _staff_summary(ready, case, lang)
    assert t.gettext("staff.reason.emergency") in text and t.gettext("staff.sos_button") in text
    # Nothing typed: the summary says so rather than "not agreed to storage".
    assert t.gettext("staff.no_words") in text
