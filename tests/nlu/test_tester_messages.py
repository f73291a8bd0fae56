"""What a fresh-eyes tester typed in the web chat, and siblings of each written for these
tests (none is in the training data or the cross-author set): indirect suicidal ideation
in every language is a strong alarm of the suicide kind, a life-threatening kind wins over
shelter, Darija and Arabizi outside crises, and moving an appointment in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Orienta, prepare_content
from bot.store.appointments import AppointmentBook
from nlu.crisis import CrisisPhrases, assess
from nlu.pipeline import Understanding
from nlu.result import NluResult
from tests.dialog import NAMES, Dialog

ROOT = Path(__file__).resolve().parents[2]

#: Not wanting to live, not waking up, disappearing, ending it: (language, text).
SUICIDAL = [
    # the tester's
    ("ar", "safi 3iyit mn koulchi, ma b9itch baghi n3ich hna"),
    ("ar", "ma bghitch n3ich"),
    ("ar", "bghit nmout"),
    ("fr", "je suis fatiguée de tout, je veux dormir et ne plus me réveiller"),
    ("fr", "je veux plus vivre"),
    # Darija, Arabizi, MSA, Levantine, Egyptian, Gulf
    ("ar", "mabghitch n3ich ktar, kolchi khayb"),
    ("ar", "wallah ma b9itch bghit n3ich"),
    ("ar", "3yit mn l7ayat dyali"),
    ("ar", "bghit nna3s w ma nfi9ch"),
    ("ar", "ما بغيتش نعيش"),
    ("ar", "عييت من حياتي وما بقيتش باغية نعيش"),
    ("ar", "لم أعد أريد العيش"),
    ("ar", "بدي نام وما فيق"),
    ("ar", "مش عاوز أعيش تاني"),
    ("ar", "ابي اموت"),
    ("ar", "ma baddi 3ish"),
    # French, without accents, with typos
    ("fr", "je veu plus vivre"),
    ("fr", "j'aimerais m'endormir et plus jamais me reveiller"),
    ("fr", "je voudrais disparaitre de ce monde"),
    ("fr", "tout le monde serait mieux sans moi"),
    # Italian
    ("it", "non voglio più vivere"),
    ("it", "vorrei addormentarmi e non svegliarmi più"),
    ("it", "voglio sparire per sempre"),
    # Finnish
    ("fi", "en halua enää elää"),
    ("fi", "en haluu herätä huomenna"),
    ("fi", "haluisin vaan kadota"),
    # Ukrainian, Russian
    ("uk", "я не хочу жити"),
    ("uk", "хочу заснути і не прокинутися"),
    ("uk", "нехочу жити"),
    ("ru", "не хочу больше жить"),
    ("ru", "хочу уснуть и не проснуться"),
]


@pytest.fixture(scope="module")
def phrases() -> CrisisPhrases:
    return CrisisPhrases.from_dir(ROOT / "nlu" / "lexicons" / "crisis")


def _calm(intent: str = "deny") -> NluResult:
    return NluResult(intent, 0.9, "test", ((intent, 0.9), ("emergency", 0.0)))


@pytest.mark.parametrize(("lang", "text"), SUICIDAL)
def test_not_wanting_to_live_is_a_strong_suicide_alarm(
    phrases: CrisisPhrases, lang: str, text: str
) -> None:
    alarm = assess(text, _calm(), phrases)  # whatever the classifier says
    assert alarm is not None and (alarm.level, alarm.kind) == ("strong", "suicide"), (lang, alarm)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a life-threatening kind wins over shelter, in phrases and in hints
        ("je dors dans la rue et je veux plus vivre", "suicide"),
        ("il me frappe et je dors dehors ce soir", "violence"),
        ("Nukun kadulla ja en halua enää elää", "suicide"),
        ("сплю на вулиці і не хочу жити", "suicide"),
        # one kind only: unchanged
        ("Je dors dehors ce soir avec mes enfants", "shelter"),
        ("ma 3ndich fin nbat had lila", "shelter"),
        # a second tester's Darija (Arabizi) and its siblings: being hit is violence
        ("rajli kaydrebni w ana khayfa", "violence"),
        ("rajli derbni lbare7", "violence"),
        ("راجلي كيضربني", "violence"),
    ],
)
def test_life_threatening_kind_wins_over_shelter(
    phrases: CrisisPhrases, text: str, kind: str
) -> None:
    alarm = assess(text, _calm(), phrases)
    assert alarm is not None and alarm.level == "strong" and alarm.kind == kind, alarm
    high = NluResult("emergency", 0.95, "test", (("emergency", 0.95),))
    assert assess(text, high, phrases) == alarm


@pytest.mark.parametrize(
    "text",
    [
        "je veux vivre en France avec mes enfants",
        "bghit n3ich mzyan m3a wladi",
        "voglio vivere qui con la mia famiglia",
        "haluan asua Suomessa",
        "я хочу жити в Україні",
        "je dois me réveiller tôt pour mon rendez-vous",
        "mon dossier a disparu",
    ],
)
def test_wanting_to_live_somewhere_raises_no_alarm(phrases: CrisisPhrases, text: str) -> None:
    assert assess(text, _calm("rights_housing"), phrases) is None


#: (language, text, intent): the tester's messages first, then siblings.
UNDERSTOOD = [
    ("ar", "khoya … fin ghadi nskon? … dar dyal chabab … lkra?", "rights_housing"),
    ("ar", "fin nskon mnin nkhrej mn lcentro", "rights_housing"),
    ("ar", "3arbiya 3afak", "change_language"),
    ("ar", "bghit tms7 ga3 lma3lomat dyali", "privacy"),
    ("uk", "мені треба перенести запис на іншій день", "move_appointment"),
    ("ar", "fin nl9a bit nkriha, lkra ghalya bzaf", "rights_housing"),
    ("ar", "mse7 ga3 les infos dyali 3afak", "privacy"),
    ("ar", "bghit nbeddel lmaw3id l nhar akhor", "move_appointment"),
    ("ar", "أريد تأجيل موعدي إلى الأسبوع القادم", "move_appointment"),
    ("fr", "je voudrais changer la date de mon rendez-vous", "move_appointment"),
    ("fr", "on peut décaler mon rdv à jeudi ?", "move_appointment"),
    ("it", "posso spostare il mio appuntamento a un altro giorno?", "move_appointment"),
    ("fi", "voinko siirtää mun ajan toiselle päivälle?", "move_appointment"),
    ("uk", "можна перенести мій прийом на пізніше?", "move_appointment"),
    # booking, cancelling and listing are still themselves
    ("fr", "je voudrais prendre un rendez-vous", "book_appointment"),
    ("fr", "je veux annuler mon rendez-vous", "cancel_appointment"),
    ("it", "vorrei prendere un appuntamento", "book_appointment"),
    ("fi", "haluan perua aikani", "cancel_appointment"),
    ("uk", "хочу записатися на прийом", "book_appointment"),
    ("uk", "скасуйте мій запис", "cancel_appointment"),
]


@pytest.mark.parametrize(("lang", "text", "intent"), UNDERSTOOD)
async def test_intents_of_the_tester_and_siblings(
    understanding: Understanding, lang: str, text: str, intent: str
) -> None:
    understood = await understanding.understand(text, None, None, [])
    assert understood.nlu.intent == intent, (text, understood.nlu.ranking)
    assert understood.nlu.confidence >= 0.5, (text, understood.nlu.ranking)  # acted on
    assert understood.alarm is None, (text, understood)


@pytest.mark.parametrize(("lang", "text"), SUICIDAL[:5])
async def test_the_testers_crisis_messages_through_the_pipeline(
    understanding: Understanding, lang: str, text: str
) -> None:
    understood = await understanding.understand(text, lang, None, [])
    assert (understood.alarm, understood.crisis_kind) == ("strong", "suicide"), understood


async def test_typed_rescheduling_moves_the_appointment_instead_of_booking_anew(
    orienta: Orienta,
) -> None:
    prepare_content(orienta.settings, orienta.store, datetime.now(UTC).date())
    dialog = Dialog(orienta, chat_id="tester-move")
    t = lambda msgid, **p: dialog.t("uk", msgid, **p)  # noqa: E731
    await dialog.say("/start")
    await dialog.press(NAMES["uk"])
    await dialog.press(t("consent.agree"))
    await dialog.press_data("b:new")
    await dialog.press_data("b:s:housing_help")
    if not any(b.data.startswith("b:t:") for b in dialog.buttons()):  # where do you live?
        await dialog.press_data("b:g:anderlecht")
    first = next(b for b in dialog.buttons() if b.data.startswith("b:t:"))
    await dialog.press_data(first.data)
    await dialog.press(t("booking.yes_book"))
    assert dialog.texts()[0].startswith(t("booking.booked").split("\n")[0])
    await dialog.press(t("button.menu"))

    await dialog.say("мені треба перенести запис на іншій день")
    choose_new_time = t("booking.move_slots", office="", service="").split("\n")[-1]
    assert choose_new_time.split("«")[0] in dialog.texts()[0], dialog.texts()
    later = [b for b in dialog.buttons() if b.data.startswith("b:t:")][1]
    await dialog.press_data(later.data)
    await dialog.press(t("booking.yes_move"))
    assert dialog.texts()[0].startswith(t("booking.moved").split("\n")[0])
    assert AppointmentBook(orienta.store).totals()[0] == 1
