"""The console's announcements over HTTP (SQLite and PostgreSQL): an administrator
composes one in French and Arabic for some languages, sees how many people it reaches
and how many it leaves out, previews it (Arabic right to left, with the stop button),
sends it and sees the delivered count; schedules in the console's time zone; cancels;
every action audited. A mediator is refused every page and action."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Orienta, build
from bot.runtime.broadcasts import BroadcastJob
from bot.runtime.pacing import Pacer
from bot.services.broadcasts import Broadcasts
from bot.settings import Settings
from bot.store.staff import StaffBook
from nlu.pipeline import Understanding
from tests.broadcasting import FakeTime, RecordingChannel, person
from tests.web.staff import account, signed_in

FR = "Le bureau est fermé lundi."
AR = "المكتب مغلق يوم الاثنين."
ZONE = "Europe/Helsinki"


@pytest.fixture
def site(database_url: str, tmp_path: Path, understanding: Understanding) -> Orienta:
    settings = Settings(database_url=database_url, var_dir=tmp_path / "var", staff_timezone=ZONE)
    orienta = build(settings, understanding=understanding)
    account(orienta, "ada", "admin")
    account(orienta, "mia", "mediator")
    person(orienta, "fr-1", "fr")
    person(orienta, "ar-1", "ar")
    person(orienta, "it-1", "it")
    person(orienta, "uk-1", "uk")
    return orienta


def compose(**extra: str) -> dict[str, str]:
    return {"note": "Closed on Monday", "text_fr": FR, "text_ar": AR, **extra}


async def test_a_mediator_is_refused(site: Orienta) -> None:
    async with signed_in(site, "mia") as mia:
        for url in ("/console/broadcasts", "/console/broadcasts/new"):
            assert (await mia.get(url)).status_code == 403
        assert (await mia.post("/console/broadcasts/new", compose())).status_code == 403
    async with signed_in(site, "ada") as ada:
        created = await ada.post("/console/broadcasts/new", compose())
        assert created.status_code == 303
    async with signed_in(site, "mia") as mia:
        for action in ("send", "cancel", "edit"):
            response = await mia.post(f"/console/broadcasts/1/{action}", compose())
            assert response.status_code == 403
        assert (await mia.get("/console/broadcasts/1")).status_code == 403
    record = Broadcasts(site.store, site.catalogs, "1").get(1)
    assert record is not None and record.status == "draft"


async def test_compose_count_preview_send_and_audit(site: Orienta) -> None:
    async with signed_in(site, "ada") as ada:
        form = await ada.get("/console/broadcasts/new")
        assert form.status_code == 200 and 'name="text_ar"' in form.text
        refused = await ada.post("/console/broadcasts/new", {"note": "nothing"})
        assert refused.status_code == 400
        en = site.catalogs.translator("en")
        assert html.escape(en.gettext("console.broadcasts.error.no_text")) in refused.text

        data = compose()
        created = await ada.http.post(
            "/console/broadcasts/new",
            data={"csrf": ada.csrf, **data, "language": ["fr", "ar", "it"]},
        )
        assert created.status_code == 303
        url = created.headers["location"]
        page = (await ada.get(url)).text
        assert en.gettext("console.broadcasts.reach", count="2") in page
        assert en.gettext("console.broadcasts.left_out", count="1") in page  # Italian
        assert '<figure class="phone" lang="ar" dir="rtl">' in page
        assert AR in page and FR in page
        assert site.catalogs.translator("ar").gettext("broadcast.stop") in page

        sent = await ada.post(f"{url}/send")
        assert sent.status_code == 303 and sent.headers["location"].endswith("result=sending")
        time = FakeTime()
        channel = RecordingChannel(site, time)
        sender = BroadcastJob(
            Broadcasts(site.store, site.catalogs, site.settings.privacy_notice_version),
            site.runner,
            {"memory": channel},
            "w",
            lambda: datetime.now(UTC),
            pacer=Pacer(clock=time.clock, sleep=time.sleep),
        )
        assert await sender.run_once() == 2
        assert set(channel.sent) == {"fr-1", "ar-1"}
        done = (await ada.get(url)).text
        assert en.gettext("console.broadcasts.progress_count", done="2", total="2") in done
        assert 'class="count-delivered"' in done
        assert (await ada.post(f"{url}/cancel")).headers["location"].endswith("too_late")

    actions = [e.action for e in StaffBook(site.store).audit_entries(limit=20)]
    assert {"broadcast.create", "broadcast.send", "broadcast.cancel"} <= set(actions)
    entry = next(
        e for e in StaffBook(site.store).audit_entries(limit=20) if e.action == "broadcast.create"
    )
    assert entry.username == "ada" and entry.detail["languages"] == ["ar", "fr"]
    assert FR not in str(entry.detail)  # the words are not copied into the log


async def test_schedule_in_the_console_time_zone_then_cancel(site: Orienta) -> None:
    async with signed_in(site, "ada") as ada:
        created = await ada.post("/console/broadcasts/new", compose())
        url = created.headers["location"]
        page = (await ada.get(url)).text
        assert ZONE in page  # the time zone is shown beside the time
        local = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=2)).replace(second=0, microsecond=0)
        past = await ada.post(f"{url}/schedule", {"at": "2001-01-01T10:00"})
        assert past.headers["location"].endswith("result=bad_time")
        scheduled = await ada.post(
            f"{url}/schedule", {"at": local.replace(tzinfo=None).isoformat(timespec="minutes")}
        )
        assert scheduled.headers["location"].endswith("result=scheduled")
        record = Broadcasts(site.store, site.catalogs, "1").get(int(url.rsplit("/", 1)[1]))
        assert record is not None and record.status == "scheduled"
        assert record.scheduled_at == local.astimezone(UTC)
        assert (await ada.post(f"{url}/cancel")).headers["location"].endswith("cancelled")
        missing_token = await ada.http.post(f"{url}/send", data={})
        assert missing_token.status_code == 403
    actions = [e.action for e in StaffBook(site.store).audit_entries(limit=20)]
    assert {"broadcast.schedule", "broadcast.cancel"} <= set(actions)
    record = Broadcasts(site.store, site.catalogs, "1").get(int(url.rsplit("/", 1)[1]))
    assert record is not None and record.status == "cancelled"
