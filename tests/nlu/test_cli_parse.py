"""``orienta nlu parse``: one event loop for every input line (a loop per line crashed on the
second line against Rasa: "Event loop is closed"). A real HTTP server on 127.0.0.1 stands in
for Rasa, so the client keeps real pooled connections between lines."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.cli.language import _answer_lines
from nlu.backends.rasa import RasaBackend
from nlu.pipeline import Understanding


class _FakeRasa(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connection

    def do_POST(self) -> None:
        text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"]
        intent = "emergency" if "dehors" in text else "greet"
        body = json.dumps(
            {"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": [], "entities": []}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_rasa() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_parse_answers_every_line_over_one_connection(
    fake_rasa: str, understanding: Understanding, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    lines = [{"text": "bonjour"}, {"text": "salut"}, {"text": "je dors dehors ce soir"}]
    stdin = io.StringIO("".join(json.dumps(line) + "\n" for line in lines))
    backend = RasaBackend(fake_rasa, httpx.AsyncClient(), "token", timeout=5.0)
    assert asyncio.run(_answer_lines(understanding, backend, "parse", stdin)) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["intent"] for a in answers] == ["greet", "greet", "emergency"]
    assert answers[2]["alarm"] == "strong" and answers[2]["crisis_kind"] == "shelter"
