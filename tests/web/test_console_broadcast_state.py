"""An announcement's page tells where it is: once sent now it is sending (no second
"send now", no "schedule"), once sent it says how many got it, and the catalog
messages it offers are only those meant for the people the bot serves."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Orienta, build
from bot.i18n import format_moment
from bot.runtime.broadcasts import BroadcastJob
from bot.runtime.pacing import Pacer
from bot.services.broadcasts import Broadcasts
from bot.settings import Settings
from nlu.pipeline import Understanding
from tests.broadcasting import FakeTime, RecordingChannel, person
from tests.web.staff import account, signed_in

FR = "Le bureau est fermé lundi."


@pytest.fixture
def site(database_url: str, tmp_path: Path, understanding: Understanding) -> Orienta:
    settings = Settings(database_url=database_url, var_dir=tmp_path / "var")
    orienta = build(settings, understanding=understanding)
    account(orienta, "ada", "admin")
    person(orienta, "fr-1", "fr")
    person(orienta, "fr-2", "fr")
    return orienta


async def test_the_page_follows_the_announcement_from_sending_to_sent(site: Orienta) -> None:
    en = site.catalogs.translator("en")
    send_now = html.escape(en.gettext("console.broadcasts.send_now", count="2"))
    schedule = html.escape(en.gettext("console.broadcasts.schedule"))
    starting = html.escape(en.gettext("console.broadcasts.result.sending"))
    async with signed_in(site, "ada") as ada:
        created = await ada.post("/console/broadcasts/new", {"note": "Closed", "text_fr": FR})
        url = created.headers["location"]
        draft = (await ada.get(url)).text
        assert send_now in draft and schedule in draft
        sent = await ada.post(f"{url}/send")
        sending = (await ada.get(sent.headers["location"])).text
        assert html.escape(en.gettext("console.broadcasts.status.sending")) in sending
        assert starting in sending and sending.count(starting) == 1
        assert send_now not in sending and schedule not in sending
        assert 'class="send-now"' not in sending and 'class="schedule"' not in sending
        assert html.escape(en.gettext("console.broadcasts.cancel")) in sending
        # Going out already: not moved to later.
        later = await ada.post(f"{url}/schedule", {"at": "2099-01-01T10:00"})
        assert later.headers["location"].endswith("result=too_late")
        listing = (await ada.get("/console/broadcasts")).text
        assert 'class="status-sending"' in listing

        time = FakeTime()
        job = BroadcastJob(
            Broadcasts(site.store, site.catalogs, site.settings.privacy_notice_version),
            site.runner,
            {"memory": RecordingChannel(site, time)},
            "w",
            lambda: datetime.now(UTC),
            pacer=Pacer(clock=time.clock, sleep=time.sleep),
        )
        assert await job.run_once() == 2
        await job.run_once()  # finds nothing more to do: done
        done = (await ada.get(sent.headers["location"])).text  # still ?result=sending
        record = Broadcasts(site.store, site.catalogs, "1").get(int(url.rsplit("/", 1)[1]))
        assert record is not None and record.status == "done"
        assert starting not in done
        assert html.escape(en.gettext("console.broadcasts.status.done")) in done
        assert record.finished_at is not None
        at = format_moment(record.finished_at, site.settings.staff_timezone, "en")
        summary = en.gettext("console.broadcasts.sent_summary", at=at, delivered="2", total="2")
        assert html.escape(summary) in done
        assert send_now not in done and 'class="schedule"' not in done
        assert html.escape(en.gettext("console.broadcasts.cancel")) not in done


async def test_the_catalog_picker_offers_only_peoples_messages(site: Orienta) -> None:
    async with signed_in(site, "ada") as ada:
        form = (await ada.get("/console/broadcasts/new")).text
        offered = [
            line.split('"')[1] for line in form.split("<option value=")[1:] if line.startswith('"')
        ]
        assert offered and "home.what_next" in offered
        for namespace in ("staff.", "console.", "simulator.", "web.", "command.", "language.name."):
            assert not any(m.startswith(namespace) for m in offered), namespace
        typed = await ada.post(
            "/console/broadcasts/new", {"note": "x", "msgid": "staff.crisis.suicide"}
        )
        assert typed.status_code == 400
        en = site.catalogs.translator("en")
        assert html.escape(en.gettext("console.broadcasts.error.unknown_msgid")) in typed.text
