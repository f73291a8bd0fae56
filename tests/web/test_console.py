"""The web console's case queue over HTTP (in process), signed in as mediators: the
queue and its filters, who sees which case, a case page, and claim / reply / return
through the same store functions as the Telegram staff group, delivered to the person
by the case relay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.relay import CaseRelay
from bot.serve import case_relay
from bot.store.cases import CaseBook, MediatorView
from bot.store.staff import StaffBook
from tests.dialog import Dialog, bare
from tests.web.staff import account, signed_in


@pytest.fixture
def mediators(orienta: Orienta) -> list[MediatorView]:
    book = CaseBook(orienta.store)
    always = hours_to_json(parse_hours("always"))
    now = datetime.now(UTC)
    team = [
        book.add_mediator("Amina", ["ar", "fr"], always, "Europe/Rome", now),
        book.add_mediator("Karim", ["ar", "fr"], always, "Europe/Rome", now),
    ]
    account(orienta, "amina", "mediator", mediator_id=team[0].id)
    account(orienta, "karim", "mediator", mediator_id=team[1].id)
    return team


@pytest.fixture
def relay(orienta: Orienta, dialog: Dialog) -> CaseRelay:
    return case_relay(orienta, {"memory": dialog.channel})


async def escalate(dialog: Dialog, lang: str = "fr", name: str = "Français") -> int:
    await dialog.say("/start")
    await dialog.press(name)
    await dialog.press(dialog.t(lang, "consent.agree"))
    await dialog.say("<script>alert(1)</script> j'ai besoin d'aide")
    await dialog.say("/mediator")
    case = CaseBook(dialog.orienta.store).open_case_of(
        dialog.orienta.store.user("memory", dialog.chat_id).id
    )  # type: ignore[union-attr]
    assert case is not None
    return case.id


async def test_queue_case_page_and_round_trip(
    orienta: Orienta, dialog: Dialog, mediators: list[MediatorView], relay: CaseRelay
) -> None:
    case_id = await escalate(dialog)
    assert bare(dialog.texts()[0]) == dialog.t("fr", "case.opened", position="1")
    async with signed_in(orienta, "amina") as amina, signed_in(orienta, "karim") as karim:
        queue = await amina.get("/console/cases")
        assert f"#{case_id} · FR · normal" in queue.text
        assert f"#{case_id}" not in (await amina.get("/console/cases?language=ar")).text
        assert (
            f"#{case_id}"
            in (await amina.get("/console/cases?language=fr&urgency=normal&status=queued")).text
        )
        page = await amina.get(f"/console/cases/{case_id}")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text  # escaped, not run
        assert "<script>alert" not in page.text

        refused = await amina.http.post(f"/console/cases/{case_id}/claim", data={})
        assert refused.status_code == 403  # no form token

        # Two mediators claim at once: exactly one wins.
        first, second = await asyncio.gather(
            amina.post(f"/console/cases/{case_id}/claim"),
            karim.post(f"/console/cases/{case_id}/claim"),
        )
        results = sorted(r.headers["location"] for r in (first, second))
        assert sum("result=already_claimed" in r for r in results) == 1
        claimed = CaseBook(orienta.store).case(case_id)
        assert claimed is not None and claimed.status == "claimed"
        owner, other = (amina, karim) if claimed.mediator_id == mediators[0].id else (karim, amina)
        await relay.run_once()
        assert dialog.channel.take(dialog.chat_id)[-1].text == dialog.t("fr", "case.claimed")

        sent = await owner.post(
            f"/console/cases/{case_id}/reply", {"text": "Bonjour, je m'appelle <b>Sam</b>."}
        )
        assert sent.status_code == 303 and sent.headers["location"].endswith("?result=sent")
        stolen = await other.post(f"/console/cases/{case_id}/reply", {"text": "moi aussi"})
        assert stolen.status_code == 409  # refused, the text back in the box
        assert ">moi aussi</textarea>" in stolen.text
        await owner.post(f"/console/cases/{case_id}/note", {"text": "rappeler demain"})
        await relay.run_once()
        got = dialog.channel.take(dialog.chat_id)
        assert [bare(m.text) for m in got] == [
            dialog.t("fr", "case.mediator_says", text="Bonjour, je m'appelle <b>Sam</b>.")
        ]

        # While the mediator owns the conversation the bot is silent, the text is relayed.
        assert await dialog.say("merci beaucoup") == []
        page = await owner.get(f"/console/cases/{case_id}")
        assert "merci beaucoup" in page.text and "rappeler demain" in page.text

        back = await owner.post(f"/console/cases/{case_id}/return")
        assert back.status_code == 303
        await relay.run_once()
        texts = [m.text for m in dialog.channel.take(dialog.chat_id)]
        assert texts == [dialog.t("fr", "case.returned"), dialog.t("fr", "case.rate")]
        over = await owner.post(f"/console/cases/{case_id}/reply", {"text": "encore"})
        assert over.status_code == 409 and ">encore</textarea>" in over.text
        t = orienta.catalogs.translator("en").gettext
        assert t("console.text_kept") in over.text
        assert f"#{case_id}" not in (await owner.get("/console/cases")).text
        assert f"#{case_id}" in (await owner.get("/console/cases?status=returned")).text
    # Every read and action is in the audit log, with who did it.
    log = StaffBook(orienta.store).audit_entries(limit=100)
    actions = {(e.username, e.action) for e in log if e.target == f"case:{case_id}"}
    assert {
        ("amina", "case.read"),
        (owner_name(orienta, case_id), "case.reply"),
        (owner_name(orienta, case_id), "case.return"),
    } <= actions
    # The bot answers again, and the rating is recorded once.
    await dialog.press_data(f"e:rate:{case_id}:4")
    assert dialog.texts() == [dialog.t("fr", "case.rated")]
    await dialog.press_data(f"e:rate:{case_id}:5")
    assert dialog.texts()[0] == dialog.t("fr", "case.rate_old")
    done = CaseBook(orienta.store).case(case_id)
    assert done is not None and done.rating == 4


def owner_name(orienta: Orienta, case_id: int) -> str:
    case = CaseBook(orienta.store).case(case_id)
    assert case is not None
    return {"Amina": "amina", "Karim": "karim"}[case.mediator_name or ""]


async def test_mediators_see_only_their_languages(orienta: Orienta, dialog: Dialog) -> None:
    book = CaseBook(orienta.store)
    always = hours_to_json(parse_hours("always"))
    now = datetime.now(UTC)
    olena = book.add_mediator("Olena", ["uk"], always, "Europe/Rome", now)
    book.add_mediator("Claire", ["fr"], always, "Europe/Rome", now)  # French is covered
    account(orienta, "olena", "mediator", mediator_id=olena.id)
    account(orienta, "ada", "admin")
    case_id = await escalate(dialog)  # a French case
    async with signed_in(orienta, "olena") as other, signed_in(orienta, "ada") as admin:
        assert f"#{case_id}" not in (await other.get("/console/cases")).text
        assert (await other.get(f"/console/cases/{case_id}")).status_code == 404
        assert (await other.post(f"/console/cases/{case_id}/claim")).status_code == 404
        assert f"#{case_id}" in (await admin.get("/console/cases")).text
        page = await admin.get(f"/console/cases/{case_id}")
        assert page.status_code == 200
        t = orienta.catalogs.translator("en").gettext
        assert t("console.admin_acts") in page.text
        # An admin acts on a case: the first action links the account to a new mediator.
        claimed = await admin.post(f"/console/cases/{case_id}/claim")
        assert "result=" not in claimed.headers["location"]
    case = book.case(case_id)
    assert case is not None and case.status == "claimed" and case.mediator_name == "ada"
    entries = StaffBook(orienta.store).audit_entries()
    assert [e.username for e in entries if e.action == "case.read"] == ["ada"]
    assert any(e.action == "staff.mediator_linked" for e in entries)


@pytest.mark.parametrize("urgent", [True, False])
async def test_a_case_nobody_on_duty_speaks_reaches_every_mediator(
    orienta: Orienta, dialog: Dialog, mediators: list[MediatorView], urgent: bool
) -> None:
    """A Finnish case while only Arabic and French speakers are on duty (and any
    emergency): every mediator on duty sees it, is told which language the person writes,
    and can claim it; the person was told the truth."""
    await dialog.say("/start")
    await dialog.press("Suomi")
    await dialog.press(dialog.t("fi", "consent.agree"))
    if urgent:
        await dialog.press(f"🆘 {dialog.t('fi', 'menu.emergency')}")
        assert dialog.t("fi", "case.emergency_alerted") in [bare(t) for t in dialog.texts()]
    else:
        await dialog.say("/mediator")
    user = orienta.store.user("memory", dialog.chat_id)
    assert user is not None
    case = CaseBook(orienta.store).open_case_of(user.id)
    assert case is not None and case.language == "fi"
    async with signed_in(orienta, "amina") as amina:
        queue = await amina.get("/console/cases")
        assert f"#{case.id}" in queue.text
        assert f"#{case.id}" in (await amina.get("/console/cases?language=fi")).text
        page = await amina.get(f"/console/cases/{case.id}")
        assert page.status_code == 200
        assert "Suomi (fi)" in page.text
        claimed = await amina.post(f"/console/cases/{case.id}/claim")
        assert "result=" not in claimed.headers["location"]
    after = CaseBook(orienta.store).case(case.id)
    assert after is not None and after.status == "claimed" and after.mediator_name == "Amina"


async def test_empty_reply(orienta: Orienta, dialog: Dialog, mediators: list[MediatorView]) -> None:
    case_id = await escalate(dialog)
    async with signed_in(orienta, "amina") as amina:
        empty = await amina.post(f"/console/cases/{case_id}/reply", {"text": "   "})
        assert "empty=1" in empty.headers["location"]
        page = await amina.get(empty.headers["location"])
        assert orienta.catalogs.translator("en").gettext("console.empty_reply") in page.text
    case = CaseBook(orienta.store).case(case_id)
    assert case is not None and case.status == "queued"
