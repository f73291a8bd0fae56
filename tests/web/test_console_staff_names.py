"""Account names and mediator records differ by more than case, wherever they are made:
the console, the service, the command line. Signing in ignores case, so "Samira" and
"samira" would be one person to the sign-in form and two accounts to the console."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from bot.app import Orienta
from bot.cli import main
from bot.services.staff_accounts import StaffAccounts, StaffError
from bot.services.staff_forms import MediatorForm
from bot.store.cases import CaseBook
from bot.store.models import StaffUser
from bot.store.staff import SignIn, StaffBook
from tests.web.staff import PASSWORD, account, signed_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_the_console_refuses_a_name_differing_only_by_case(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    t = orienta.catalogs.translator("en")
    async with signed_in(orienta, "ada") as ada:
        made = await ada.post("/console/users", {"username": "Samira", "role": "admin"})
        assert made.status_code == 200, made.text
        again = await ada.post("/console/users", {"username": "samira", "role": "admin"})
        assert again.status_code == 400
        assert html.escape(t.gettext("console.staff.error.username_taken")) in again.text
        shouting = await ada.post("/console/users", {"username": "SAMIRA", "role": "admin"})
        assert shouting.status_code == 400
    names = [u.username for u in StaffBook(orienta.store).users()]
    assert names.count("samira") == 1 and "Samira" not in names  # kept in lower case


def test_the_store_and_command_line_refuse_it_and_old_rows_stay(
    orienta: Orienta, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    book = StaffBook(orienta.store)
    with orienta.store.session() as session, session.begin():  # made before the rule
        session.add(
            StaffUser(
                username="Karim",
                password_hash=book.hasher.hash(PASSWORD),
                role="admin",
                active=True,
                created_at=NOW,
            )
        )
    with pytest.raises(ValueError, match="exists"):
        book.add_user("karim", PASSWORD, "admin", NOW)
    assert [u.username for u in book.users()] == ["Karim"]  # not rewritten
    assert book.sign_in("KARIM", PASSWORD, "1.2.3.4", NOW).status is SignIn.OK
    assert book.set_active("karim", False)  # the command line finds it whatever the case
    assert book.users()[0].active is False
    monkeypatch.setenv("ORIENTA_DATABASE_URL", orienta.settings.database_url)
    monkeypatch.setattr("sys.stdin.readline", lambda: PASSWORD + "\n")
    args = ["users", "add", "KARIM", "--role", "admin", "--password-stdin"]
    assert main(args) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["mediators", "add", "Amina", "--languages", "ar"]) == 0
    assert main(["mediators", "add", "AMINA", "--languages", "fr"]) == 2
    assert "exists" in capsys.readouterr().err
    assert [m.name for m in CaseBook(orienta.store).mediators()] == ["Amina"]


def test_mediator_records_are_unique_whatever_the_case(orienta: Orienta) -> None:
    ada = account(orienta, "ada", "admin")
    accounts = StaffAccounts(orienta.store)

    def form(name: str) -> MediatorForm:
        return MediatorForm(name=name, languages=("ar",), timezone="Europe/Rome")

    amina = accounts.create_mediator(ada, form("Amina"), NOW)
    olena = accounts.create_mediator(ada, form("Olena"), NOW)
    with pytest.raises(StaffError) as refused:
        accounts.create_mediator(ada, form("amina"), NOW)
    assert refused.value.msgid == "console.staff.error.mediator_exists"
    with pytest.raises(StaffError):
        accounts.update_mediator(ada, olena.id, form("AMINA"), NOW)
    assert accounts.update_mediator(ada, amina.id, form("AMINA"), NOW).name == "AMINA"  # her own
    user = account(orienta, "amina", "mediator")
    mediator_id = StaffBook(orienta.store).link_new_mediator(user.id, ["ar"], "Europe/Rome", NOW)
    linked = CaseBook(orienta.store).mediator(mediator_id)
    assert linked is not None and linked.name == "amina (2)"
