"""Editing flows and translations in the console: the draft, its checks, the simulator,
publishing without a restart, other workers following, and rolling back."""

from __future__ import annotations

import gc
import html
import re
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Orienta, build
from bot.store.releases import ReleaseBook, StalePublish
from bot.store.staff import StaffBook
from bot.web.app import create_app
from nlu.pipeline import Understanding
from tests.dialog import Dialog
from tests.web.staff import account, signed_in

NEW_WELCOME = "Tervetuloa! Olen Orienta, ja autan sinua sosiaalipalveluissa."
FINNISH_FIRST = "Hei, tarvitsen apua asunnon löytämisessä minun perheelleni"


def users(orienta: Orienta) -> int:
    from bot.store.models import User

    with orienta.store.session() as session:
        return session.query(User).count()


async def greeting(orienta: Orienta, chat: str) -> str:
    dialog = Dialog(orienta, chat_id=chat, language_code="fi")
    await dialog.say(FINNISH_FIRST)
    return dialog.texts()[0]


async def test_finnish_welcome_edited_previewed_published_and_rolled_back(orienta: Orienta) -> None:
    shipped = orienta.catalogs.translator("fi").gettext("welcome.hello")
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as ada:
        page = await ada.get("/console/translations/fi?q=welcome.hello")
        assert html.escape(shipped, quote=False) in page.text
        saved = await ada.post(
            "/console/translations/fi",
            {"m0": "welcome.hello", "t0": NEW_WELCOME, "q": "welcome.hello"},
        )
        assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
        # A draft reaches nobody.
        assert await greeting(orienta, "before") == shipped

        # The simulator shows the draft, and writes nothing to the real database.
        people = users(orienta)
        await ada.post("/console/simulator", {"lang": "fi", "text": "/start"})
        preview = await ada.get("/console/simulator?lang=fi")
        assert NEW_WELCOME in preview.text and 'lang="fi" dir="ltr"' in preview.text
        assert users(orienta) == people

        draft = await ada.get("/console/releases")
        assert NEW_WELCOME in draft.text and "welcome.hello" in draft.text
        published = await ada.post("/console/releases/publish", {"note": "friendlier"})
        assert published.headers["location"] == "/console/releases?done=1"
        assert await greeting(orienta, "after") == NEW_WELCOME  # no restart

        back = await ada.post("/console/releases/0/restore")
        assert back.headers["location"] == "/console/releases?done=2"
        assert await greeting(orienta, "rolled-back") == shipped
        again = await ada.post("/console/releases/1/restore")
        assert again.headers["location"] == "/console/releases?done=3"
        assert await greeting(orienta, "restored") == NEW_WELCOME

        history = await ada.get("/console/releases")
        assert history.text.count('<td dir="auto">ada</td>') == 3
    releases = ReleaseBook(orienta.store).releases()
    assert [(r.id, r.restored_from, r.author) for r in releases] == [
        (3, 1, "ada"),
        (2, None, "ada"),
        (1, None, "ada"),
    ]
    actions = [e.action for e in StaffBook(orienta.store).audit_entries()]
    assert {"translation.draft", "release.publish", "release.rollback"} <= set(actions)


async def test_the_simulators_private_store_is_removed(
    orienta: Orienta, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator's SQLite file goes with the app: at shutdown, or, for an app served
    without its lifespan, when it is collected."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as ada:
        await ada.post("/console/simulator", {"lang": "uk", "text": "/start"})
        assert [p.name for p in tmp_path.glob("orienta-simulator-*/*.sqlite3")] == [
            "simulator.sqlite3"
        ]
    del ada
    gc.collect()
    assert not list(tmp_path.glob("orienta-simulator-*"))

    app = create_app(orienta)
    async with app.router.lifespan_context(app), signed_in(orienta, "ada", app=app) as ada:
        await ada.post("/console/simulator", {"lang": "ar", "text": "/start"})
        assert list(tmp_path.glob("orienta-simulator-*"))
    assert not list(tmp_path.glob("orienta-simulator-*"))


BROKEN_YAML = "flow: thanks\nstart: reply\nsteps: [\n"
BAD_KIND = "flow: thanks\nstart: reply\nsteps:\n  reply:\n    kind: shout\n"
BAD_GRAPH = (
    "flow: thanks\nstart: reply\nsteps:\n  reply:\n    kind: message\n"
    "    text: smalltalk.welcome\n    next: nowhere\n"
)
NEW_TEXT = (
    "flow: thanks\ndescription: The user says thank you.\nstart: reply\nsteps:\n"
    "  reply:\n    kind: message\n    text: smalltalk.thanks_more\n    next: done\n"
    "  done:\n    kind: end\n    text: smalltalk.welcome\n"
)


async def test_flow_editor_checks_diff_diagram_and_new_texts(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    book = ReleaseBook(orienta.store)
    async with signed_in(orienta, "ada") as ada:
        page = await ada.get("/console/flows/thanks.yaml")
        assert page.status_code == 200 and "kind: end" in page.text
        assert (
            "flowchart TD" in page.text
            and "'unsafe-inline'" in page.headers["content-security-policy"]
        )
        for text, error in (
            (BROKEN_YAML, "YAML syntax"),
            (BAD_KIND, "unknown step kind &#39;shout&#39;"),
            (BAD_GRAPH, "nowhere"),
        ):
            refused = await ada.post("/console/flows/thanks.yaml", {"text": text})
            assert refused.status_code == 400
            assert error in refused.text
            assert html.escape(text.splitlines()[-1].strip()) in refused.text  # kept
        assert book.drafts() == []

        saved = await ada.post("/console/flows/thanks.yaml", {"text": NEW_TEXT})
        assert saved.status_code == 303
        page = await ada.get(saved.headers["location"])
        assert '<span class="add">+    text: smalltalk.thanks_more</span>' in page.text
        assert "smalltalk.thanks_more" in page.text and "has no translation in" in page.text
        refused = await ada.post("/console/releases/publish")
        assert refused.status_code == 400 and book.latest_id() is None

        # The new message id is listed as missing in every language, then written.
        for lang, text in (
            ("en", "Thank you too! Anything else?"),
            ("ar", "شكراً لك أيضاً! هل من شيء آخر؟"),
            ("fr", "Merci à vous ! Autre chose ?"),
            ("it", "Grazie a te! Altro?"),
            ("fi", "Kiitos itsellesi! Jotain muuta?"),
            ("uk", "І вам дякую! Щось іще?"),
        ):
            listing = await ada.get(
                f"/console/translations/{lang}?status=missing&q=smalltalk.thanks_more"
            )
            assert "smalltalk.thanks_more" in listing.text
            index = re.findall(r'name="m(\d+)" value="smalltalk.thanks_more"', listing.text)[0]
            if lang == "ar":
                assert 'dir="rtl" lang="ar"' in listing.text
            await ada.post(
                f"/console/translations/{lang}",
                {f"m{index}": "smalltalk.thanks_more", f"t{index}": text, "status": "missing"},
            )
        published = await ada.post("/console/releases/publish", {"note": "thanks"})
        assert published.status_code == 303
    flow = orienta.runner.flows.flows["thanks"]
    assert list(flow.steps) == ["reply", "done"]
    assert orienta.catalogs.translator("uk").gettext("smalltalk.thanks_more") == (
        "І вам дякую! Щось іще?"
    )


async def test_translations_keep_placeholders_and_show_stale_ones(orienta: Orienta) -> None:
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as ada:
        listing = await ada.get("/console/translations/fi?q=case.opened")
        index = re.findall(r'name="m(\d+)" value="case.opened"', listing.text)[0]
        refused = await ada.post(
            "/console/translations/fi",
            {f"m{index}": "case.opened", f"t{index}": "Olet jonossa.", "q": "case.opened"},
        )
        assert refused.status_code == 400 and "{position}" in refused.text
        assert "Olet jonossa." in refused.text  # what was typed stays
        assert ReleaseBook(orienta.store).drafts() == []

        # The English changes: every translation made from the old text is now fuzzy.
        await ada.post(
            "/console/translations/en",
            {"m0": "welcome.hello", "t0": "Hello, I am Orienta. I help newcomers."},
        )
        fuzzy = await ada.get("/console/translations/it?status=fuzzy")
        assert "welcome.hello" in fuzzy.text
        overview = await ada.get("/console/translations")
        assert re.search(r"it\?status=fuzzy\">1<", overview.text)
        await ada.post(
            "/console/translations/it",
            {"m0": "welcome.hello", "t0": "Ciao, sono Orienta. Aiuto chi arriva."},
        )
        assert "welcome.hello" not in (await ada.get("/console/translations/it?status=fuzzy")).text
        export = await ada.get("/console/translations/it.po")
    assert export.status_code == 200
    assert 'filename="orienta-it.po"' in export.headers["content-disposition"]
    assert 'msgid "welcome.hello"\nmsgstr "Ciao, sono Orienta. Aiuto chi arriva."' in (export.text)


async def test_other_workers_follow_and_a_broken_release_is_refused(
    orienta: Orienta, understanding: Understanding
) -> None:
    other = build(orienta.settings, understanding=understanding, run_migrations=False)
    book = ReleaseBook(orienta.store)
    now = datetime.now(UTC)
    book.publish(
        "ada", "", {}, {"fi": {"welcome.hello": {"text": NEW_WELCOME}}}, now, expected=None
    )
    assert other.live.refresh() is True
    assert other.catalogs.translator("fi").gettext("welcome.hello") == NEW_WELCOME
    assert other.live.refresh() is False  # nothing new
    # A release that no longer passes the checks stays out of force.
    flows_before = other.runner.flows
    book.publish("ada", "", {"thanks.yaml": BAD_GRAPH}, {}, now, expected=1)
    assert other.live.refresh() is False
    assert other.live.in_force == 1 and other.runner.flows is flows_before
    assert other.catalogs.translator("fi").gettext("welcome.hello") == NEW_WELCOME
    other.store.engine.dispose()


def test_two_publishes_at_once_make_one_release(orienta: Orienta) -> None:
    book = ReleaseBook(orienta.store)
    now = datetime.now(UTC)
    results: list[str] = []

    def publish(name: str) -> None:
        try:
            book.publish(name, "", {}, {}, now, expected=None)
            results.append("published")
        except StalePublish:
            results.append("stale")

    threads = [threading.Thread(target=publish, args=(f"admin{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["published"] + ["stale"] * 5
    assert len(book.releases()) == 1


@pytest.mark.parametrize("name", ["../etc/passwd", "schema.json", "Welcome.yaml", "a b.yaml"])
async def test_flow_file_names_are_checked(orienta: Orienta, name: str) -> None:
    account(orienta, "ada", "admin")
    async with signed_in(orienta, "ada") as ada:
        response = await ada.get(f"/console/flows/{name}")
        assert response.status_code == 404
        saved = await ada.post(f"/console/flows/{name}", {"text": NEW_TEXT})
        assert saved.status_code in (404, 405)
    assert ReleaseBook(orienta.store).drafts() == []
