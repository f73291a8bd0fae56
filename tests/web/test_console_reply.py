"""Claiming by replying, on SQLite and PostgreSQL: a reply to a waiting case claims it
and says so; of two mediators replying at once one wins and the other keeps their
text and is told who took the case; a text is never lost on any refusal."""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from bot.app import Orienta
from bot.services.case_desk import CaseDesk
from bot.store.cases import CaseBook, CaseStatus, MediatorView
from bot.store.staff import StaffBook
from tests.web.cases_kit import open_case, team
from tests.web.staff import signed_in


@pytest.fixture
def people(orienta: Orienta) -> dict[str, MediatorView]:
    return team(orienta)


def box(html: str) -> str:
    found = re.search(r"<textarea[^>]*>([^<]*)</textarea>", html)
    assert found is not None, "no text box on the page"
    return found.group(1)


async def test_a_reply_claims_a_waiting_case_and_says_so(
    orienta: Orienta, people: dict[str, MediatorView]
) -> None:
    t = orienta.catalogs.translator("en").gettext
    case_id = open_case(orienta, "p-fr", "fr")
    async with signed_in(orienta, "amina") as amina:
        page = await amina.get(f"/console/cases/{case_id}")
        assert t("console.reply_claims") in page.text
        sent = await amina.post(f"/console/cases/{case_id}/reply", {"text": "Bonjour !"})
        assert sent.status_code == 303
        assert sent.headers["location"].endswith("?result=claimed_by_reply")
        after = await amina.get(sent.headers["location"])
        assert t("console.claimed_by_reply", number=str(case_id)) in after.text
        assert 'data-sent="1"' in after.text  # the browser's saved draft is cleared
        assert t("console.reply_claims") not in after.text
    book = CaseBook(orienta.store)
    case = book.case(case_id)
    assert case is not None and case.status == "claimed" and case.mediator_name == "Amina"
    assert [(m.author, m.body) for m in book.transcript(case_id)] == [("mediator", "Bonjour !")]
    # The person hears that a mediator took the case, then the reply: in that order.
    assert [e.kind for e in book.pending_events(case_id)] == ["opened", "claimed", "mediator"]
    log = StaffBook(orienta.store).audit_entries(limit=20)
    assert {(e.action, (e.detail or {}).get("by")) for e in log} >= {("case.claim", "reply")}


async def test_two_mediators_replying_at_once(
    orienta: Orienta, people: dict[str, MediatorView]
) -> None:
    case_id = open_case(orienta, "p-fr", "fr")
    texts = {"amina": "Réponse d'Amina", "karim": "Réponse de Karim"}
    async with signed_in(orienta, "amina") as amina, signed_in(orienta, "karim") as karim:
        answers = await asyncio.gather(
            amina.post(f"/console/cases/{case_id}/reply", {"text": texts["amina"]}),
            karim.post(f"/console/cases/{case_id}/reply", {"text": texts["karim"]}),
        )
    by_name = dict(zip(texts, answers, strict=True))
    won = [name for name, r in by_name.items() if r.status_code == 303]
    assert len(won) == 1, [r.status_code for r in answers]
    winner = won[0]
    loser = next(name for name in texts if name != winner)
    refused = by_name[loser]
    assert refused.status_code == 409
    assert box(refused.text) == texts[loser].replace("'", "&#39;")  # kept in the box
    assert winner.capitalize() in refused.text  # told who took it
    t = orienta.catalogs.translator("en").gettext
    assert t("console.text_kept") in refused.text
    book = CaseBook(orienta.store)
    assert [m.body for m in book.transcript(case_id)] == [texts[winner]]


def test_many_replying_at_once_one_wins(orienta: Orienta, people: dict[str, MediatorView]) -> None:
    """The service under a real race: eight threads reply to one waiting case together."""
    desk = CaseDesk(orienta.store)
    case_id = open_case(orienta, "p-fr", "fr")
    ids = [people["amina"].id, people["karim"].id] * 4
    start = threading.Barrier(len(ids))

    def reply(mediator: int) -> CaseStatus:
        start.wait()
        return desk.reply(case_id, mediator, f"from {mediator}", datetime.now(UTC)).status

    with ThreadPoolExecutor(len(ids)) as pool:
        results = list(pool.map(reply, ids))
    case = CaseBook(orienta.store).case(case_id)
    assert case is not None and case.status == "claimed"
    owner = case.mediator_id
    sent = [m.body for m in CaseBook(orienta.store).transcript(case_id)]
    # The winner's replies all go out (it owns the case); every other one is refused.
    assert sent == [f"from {owner}"] * ids.count(owner or 0)
    refused = [r for r, m in zip(results, ids, strict=True) if m != owner]
    assert refused and set(refused) <= {CaseStatus.TAKEN, CaseStatus.NOT_OWNER}


async def test_a_text_is_never_lost(orienta: Orienta, people: dict[str, MediatorView]) -> None:
    t = orienta.catalogs.translator("en").gettext
    case_id = open_case(orienta, "p-fr", "fr")
    async with signed_in(orienta, "amina") as amina, signed_in(orienta, "karim") as karim:
        # Claim pressed with a reply typed: the case is hers, the text waits in the box.
        claimed = await amina.post(f"/console/cases/{case_id}/claim", {"text": "Un instant"})
        assert claimed.status_code == 200 and box(claimed.text) == "Un instant"
        assert t("console.claimed_text_kept", number=str(case_id)) in claimed.text
        # Someone else's case: refused, the text kept, and whose it is.
        other = await karim.post(f"/console/cases/{case_id}/reply", {"text": "Je prends"})
        assert other.status_code == 409 and box(other.text) == "Je prends"
        assert "Amina" in other.text
        note = await karim.post(f"/console/cases/{case_id}/note", {"text": "à rappeler"})
        assert note.headers["location"].endswith("?result=noted")  # anyone may note
        closed = await amina.post(f"/console/cases/{case_id}/close")
        assert closed.status_code == 303
        late = await amina.post(f"/console/cases/{case_id}/reply", {"text": "Encore moi"})
        assert late.status_code == 409 and box(late.text) == "Encore moi"
        assert t("console.text_kept") in late.text
        # A case that can no longer be seen: the text still comes back.
        italian = open_case(orienta, "p-it", "it", urgency="emergency")  # open to all
        olena_page = f"/console/cases/{italian}/reply"
        await karim.post(f"/console/cases/{italian}/claim")
    async with signed_in(orienta, "olena") as olena:
        gone = await olena.post(olena_page, {"text": "Ciao"})
        assert gone.status_code == 404 and box(gone.text) == "Ciao"
        assert t("console.live.gone") in gone.text
        assert "Karim" not in gone.text and f"#{italian}" not in gone.text  # nothing told
