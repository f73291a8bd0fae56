"""The console's live stream over HTTP (Starlette's TestClient against the app, on SQLite
and PostgreSQL): new cases and a person's messages reach the pages that may show them
and no other, the stream ends when the case may no longer be seen or the session ends,
the polling fallback says the same, and the stream is refused to another site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from bot.app import Orienta
from bot.settings import Settings
from bot.store.cases import CaseBook, MediatorView
from bot.store.staff import StaffBook
from bot.web.app import create_app
from tests.web.cases_kit import EventStream, open_case, person_says, sign_in_sync, team

STREAM = "/console/cases/live"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, var_dir=tmp_path / "var", console_live_seconds=0.1)


@pytest.fixture
def people(orienta: Orienta) -> dict[str, MediatorView]:
    return team(orienta)


@pytest.fixture
def app(orienta: Orienta, people: dict[str, MediatorView]) -> Starlette:
    return create_app(orienta)


@pytest.fixture
def streams(app: Starlette) -> Iterator[list[EventStream]]:
    """Streams a test opens, closed at its end."""
    opened: list[EventStream] = []
    yield opened
    for stream in opened:
        stream.close()


def watch(app: Starlette, streams: list[EventStream], user: str, url: str = STREAM) -> EventStream:
    stream = EventStream(sign_in_sync(app, user), url)
    streams.append(stream)
    if stream.status != 404:
        stream.until("ready")
    return stream


def cases_in(events: list[tuple[str, object, str | None, str]]) -> set[int]:
    return {e[1]["case"] for e in events if isinstance(e[1], dict) and "case" in e[1]}


def test_a_new_case_reaches_only_the_mediators_who_may_see_it(
    orienta: Orienta, app: Starlette, streams: list[EventStream]
) -> None:
    amina = watch(app, streams, "amina")  # Arabic, French
    olena = watch(app, streams, "olena")  # Ukrainian
    ada = watch(app, streams, "ada")  # an admin

    french = open_case(orienta, "p-fr", "fr")
    got = amina.until("case", french)
    event = got[-1][1]
    assert event["kind"] == "opened" and event["new"] and not event["emergency"]
    assert event["title"] == f"#{french} · FR · normal"
    assert event["url"] == f"/console/cases/{french}"
    assert int(got[-1][2]) > 0  # the event id, for a reconnection
    assert french in cases_in(ada.until("case", french))

    ukrainian = open_case(orienta, "p-uk", "uk")
    before = olena.until("case", ukrainian)
    assert french not in cases_in(before)  # never a case of another language
    person_says(orienta, french, "the secret words of the person")
    said = amina.until("case", french)[-1]
    assert said[1]["kind"] == "person" and "secret" not in said[3]  # no message text
    second = open_case(orienta, "p-fr-2", "fr")
    assert ukrainian not in cases_in(amina.until("case", second))

    # An emergency in a language nobody on duty speaks is open to every mediator.
    italian = open_case(orienta, "p-it", "it", urgency="emergency")
    for stream in (amina, olena):
        event = stream.until("case", italian)[-1][1]
        assert event["emergency"] and event["new"]
    # Karim takes it: it leaves Olena's view (and she is told only that), not Amina's.
    CaseBook(orienta.store).claim(italian, team_id(orienta, "Karim"), orienta.runner.clock())
    assert olena.until("left", italian)[-1][1] == {"case": italian}
    person_says(orienta, italian, "grazie")
    third = open_case(orienta, "p-uk-2", "uk")
    assert italian not in cases_in(olena.until("case", third))


def team_id(orienta: Orienta, name: str) -> int:
    return next(m.id for m in CaseBook(orienta.store).mediators() if m.name == name)


def test_a_case_page_hears_its_messages_and_ends_when_the_case_is_no_longer_seen(
    orienta: Orienta, app: Starlette, streams: list[EventStream]
) -> None:
    french = open_case(orienta, "p-fr", "fr")
    amina = watch(app, streams, "amina", f"{STREAM}?case={french}")
    refused = watch(app, streams, "olena", f"{STREAM}?case={french}")
    assert refused.status == 404  # not hers: no stream at all

    person_says(orienta, french, "Bonjour, j'ai un problème de loyer")
    assert amina.until("case", french)[-1][1]["kind"] == "person"
    client = amina.client
    update = client.get(f"/console/cases/{french}/update?after=0")
    assert update.status_code == 200
    assert "problème de loyer" in update.text and 'data-status="queued"' in update.text
    last = update.text.split('data-id="')[-1].split('"')[0]
    assert "loyer" not in client.get(f"/console/cases/{french}/update?after={last}").text
    olena = sign_in_sync(app, "olena")
    assert olena.get(f"/console/cases/{french}/update?after=0").status_code == 404
    olena.close()
    reads = [e for e in StaffBook(orienta.store).audit_entries(limit=50) if e.action == "case.read"]
    assert [e.username for e in reads] == ["amina"]  # the read with a new message only

    # An emergency nobody on duty speaks, watched by Olena; Amina takes it: it is gone.
    italian = open_case(orienta, "p-it", "it", urgency="emergency")
    olena_page = watch(app, streams, "olena", f"{STREAM}?case={italian}")
    CaseBook(orienta.store).claim(italian, team_id(orienta, "Amina"), orienta.runner.clock())
    assert olena_page.until("gone", italian)[-1][1] == {"case": italian}
    olena_page.until("end")


def test_the_stream_ends_at_sign_out_and_is_refused_to_other_sites(
    orienta: Orienta, app: Starlette, streams: list[EventStream]
) -> None:
    amina = watch(app, streams, "amina")
    page = amina.client.get("/console/cases")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    # A second browser signs out of the same session.
    out = amina.client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert amina.until("signed_out")[-1][0] == "signed_out"

    other = sign_in_sync(app, "karim")
    cross = other.get(STREAM, headers={"sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    foreign = other.get("/console/cases/changes", headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    other.close()
    anonymous = sign_in_sync(app, "olena")
    anonymous.cookies.clear()
    assert anonymous.get(STREAM, follow_redirects=False).status_code == 303
    anonymous.close()


def test_the_polling_fallback_says_the_same(orienta: Orienta, app: Starlette) -> None:
    amina, olena = sign_in_sync(app, "amina"), sign_in_sync(app, "olena")
    start = amina.get("/console/cases/changes").json()
    assert start["events"] == [] and start["cursor"] >= 0
    french = open_case(orienta, "p-fr", "fr")
    ukrainian = open_case(orienta, "p-uk", "uk")
    seen = amina.get(f"/console/cases/changes?after={start['cursor']}").json()
    assert [e["case"] for e in seen["events"]] == [french]
    assert seen["cursor"] >= start["cursor"] + 2
    theirs = olena.get(f"/console/cases/changes?after={start['cursor']}").json()
    assert [e["case"] for e in theirs["events"]] == [ukrainian]
    again = amina.get(f"/console/cases/changes?after={seen['cursor']}").json()
    assert again["events"] == []
    amina.close()
    olena.close()


def test_a_reconnection_gets_what_it_missed(
    orienta: Orienta, app: Starlette, streams: list[EventStream]
) -> None:
    amina = watch(app, streams, "amina")
    first = open_case(orienta, "p-1", "fr")
    cursor = amina.until("case", first)[-1][2]
    amina.close()
    missed = open_case(orienta, "p-2", "fr")  # while the page was away
    again = EventStream(sign_in_sync(app, "amina"), STREAM, {"last-event-id": str(cursor)})
    streams.append(again)
    got = again.until("case", missed)
    assert first not in cases_in(got)
