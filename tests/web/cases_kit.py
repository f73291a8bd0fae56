"""Cases made straight in the store (fast, no dialogue), mediators with accounts, and a
reader of the console's live stream through Starlette's TestClient, in a thread."""

from __future__ import annotations

import json
import queue
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.app import Orienta
from bot.domain.hours import hours_to_json, parse_hours
from bot.store.cases import CaseBook, MediatorView
from bot.store.models import Case, User
from tests.web.staff import PASSWORD, account, codes, form_token

__all__ = ["EventStream", "open_case", "person_says", "sign_in_sync", "team"]

_TIMEOUT = 60.0  # a safety net against a hang, never a measure of speed


def team(orienta: Orienta) -> dict[str, MediatorView]:
    """Amina and Karim (Arabic, French), Olena (Ukrainian), on duty at every hour, each
    with an account of their name in lower case; and an admin account, ada."""
    book = CaseBook(orienta.store)
    always = hours_to_json(parse_hours("always"))
    now = datetime.now(UTC)
    people = {
        "amina": book.add_mediator("Amina", ["ar", "fr"], always, "Europe/Rome", now),
        "karim": book.add_mediator("Karim", ["ar", "fr"], always, "Europe/Rome", now),
        "olena": book.add_mediator("Olena", ["uk"], always, "Europe/Kyiv", now),
    }
    for name, mediator in people.items():
        account(orienta, name, "mediator", mediator_id=mediator.id)
    account(orienta, "ada", "admin")
    return people


def open_case(
    orienta: Orienta,
    chat: str,
    language: str,
    *,
    urgency: str = "normal",
    words: tuple[str, ...] = (),
    consent: bool = True,
    status: str = "queued",
    age: timedelta = timedelta(0),
) -> int:
    """A case of a new person (who agreed to keep their messages, unless ``consent`` is
    false), as escalation opens one; ``age`` back-dates it; ``status`` closes it."""
    now = datetime.now(UTC) - age
    record = orienta.store.conversation("memory", chat, language, now)
    with orienta.store.session() as session, session.begin():
        session.execute(
            update(User)
            .where(User.id == record.user.id)
            .values(consent_at=now if consent else None)
        )
    summary = {"words": list(words), "unkept": 0, "region": "", "topics": []}
    reason = "emergency" if urgency == "emergency" else "asked"
    opened = CaseBook(orienta.store).open_case(
        record.user.id, record.id, language, reason, urgency, None, summary, now
    )
    if status != "queued":
        with orienta.store.session() as session, session.begin():
            session.execute(
                update(Case).where(Case.id == opened.case.id).values(status=status, closed_at=now)
            )
    return opened.case.id


def person_says(orienta: Orienta, case_id: int, text: str) -> None:
    """The person's message copied to the case, as the runner does in its turn."""
    book = CaseBook(orienta.store)
    with orienta.store.session() as session, session.begin():
        book.person_message(session, case_id, "text", text, "", datetime.now(UTC))


def sign_in_sync(app: Starlette, username: str) -> TestClient:
    """A TestClient signed in to the console as ``username``."""
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "csrf": form_token(page.text),
            "username": username,
            "password": PASSWORD,
            "next": "/console/cases",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    if location.startswith("/console/login/code"):  # an administrator's second factor
        page = client.get(location)
        for code in codes(datetime.now(UTC)):
            response = client.post(
                "/console/login/code",
                data={"csrf": form_token(page.text), "code": code},
                follow_redirects=False,
            )
            if response.status_code == 303:
                break
        assert response.status_code == 303, response.text
    return client


class EventStream:
    """Reads a server-sent event stream in a thread; events wait in a queue."""

    def __init__(self, client: TestClient, url: str, headers: dict[str, str] | None = None):
        self.client = client
        self.events: queue.Queue[tuple[str, Any, str | None, str]] = queue.Queue()
        self.status: int | None = None
        self._answered = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()
        assert self._answered.wait(_TIMEOUT), "no answer from the stream"

    def _read(self, url: str, headers: dict[str, str] | None) -> None:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                self._answered.set()
                if response.status_code != 200:
                    return
                kind, data, ident = "message", [], None
                for line in response.iter_lines():
                    if not line:
                        if data:
                            raw = "\n".join(data)
                            self.events.put((kind, json.loads(raw), ident, raw))
                        kind, data, ident = "message", [], None
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name == "event":
                            kind = value
                        elif name == "data":
                            data.append(value)
                        elif name == "id":
                            ident = value
        except Exception as exc:  # the client was closed, or the stream broke
            self.events.put(("error", repr(exc), None, ""))
        finally:
            self._answered.set()
            self.events.put(("end", None, None, ""))

    def until(self, kind: str, case: int | None = None) -> list[tuple[str, Any, str | None, str]]:
        """Every event up to and including the first of ``kind`` (about ``case``)."""
        seen = []
        while True:
            event = self.events.get(timeout=_TIMEOUT)
            seen.append(event)
            if event[0] == kind and (case is None or event[1].get("case") == case):
                return seen
            assert event[0] != "end", f"the stream ended before {kind} {case}: {seen}"

    def close(self) -> None:
        self.client.close()
        self._thread.join(timeout=_TIMEOUT)
