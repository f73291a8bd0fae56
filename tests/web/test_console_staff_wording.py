"""What the staff pages say after an action, and a few words that must agree: an
account disabled says so (and that its sessions ended), the reset form is not headed
"first password", the Italian temporary password is handed over as a feminine noun, the
admin navigation's accounts differ from "my account", and Arabic names the second factor
one way."""

from __future__ import annotations

import html

from bot.app import Orienta
from bot.services.staff_forms import CONSOLE_LANGUAGES
from bot.store.staff import StaffBook
from tests.web.staff import account, signed_in


def user_id(orienta: Orienta, username: str) -> int:
    return next(u.id for u in StaffBook(orienta.store).users() if u.username == username)


async def test_actions_on_an_account_say_what_happened(orienta: Orienta) -> None:
    account(orienta, "ada", "admin", language="it")
    account(orienta, "samira", "admin")
    it = orienta.catalogs.translator("it")
    samira = user_id(orienta, "samira")
    async with signed_in(orienta, "ada") as ada:
        disabled = await ada.post(f"/console/users/{samira}/disable")
        page = (await ada.get(disabled.headers["location"])).text
        said = it.gettext("console.accounts.done.disable", username="samira")
        assert html.escape(said) in page and "samira" in said
        assert html.escape(it.gettext("console.content.saved")) not in page
        enabled = await ada.post(f"/console/users/{samira}/enable")
        page = (await ada.get(enabled.headers["location"])).text
        assert html.escape(it.gettext("console.accounts.done.enable", username="samira")) in page
        # The reset form's choice is not headed "first password".
        assert html.escape(it.gettext("console.accounts.method_reset")) in page
        assert html.escape(it.gettext("console.accounts.method")) not in page
        issued = await ada.post(f"/console/users/{samira}/password", {"method": "temporary"})
        assert "Consegnala in privato" in issued.text and "Consegnalo" not in issued.text
        linked = await ada.post(f"/console/users/{samira}/password", {"method": "link"})
        assert html.escape(it.gettext("console.accounts.issued_once")) in linked.text


def test_words_that_must_agree(orienta: Orienta) -> None:
    catalogs = orienta.catalogs
    for lang in CONSOLE_LANGUAGES:
        t = catalogs.translator(lang)
        assert t.gettext("console.nav.accounts") != t.gettext("console.nav.account"), lang
    ar = catalogs.translator("ar")
    for msgid in ("console.totp.short", "console.totp.title", "console.accounts.totp_reset"):
        assert "التحقق بخطوتين" in ar.gettext(msgid) and "العامل" not in ar.gettext(msgid)
    uk = catalogs.translator("uk")
    assert uk.gettext("console.away.back") == "Знову на зв'язку"
