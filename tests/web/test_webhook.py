"""The signed webhook for accepted requirements, against a real local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from feedback_ai.db import make_sessionmaker
from feedback_ai.requirements import service
from feedback_ai.requirements.models import Requirement
from feedback_ai.requirements.webhook import SIGNATURE_HEADER, WebhookSender, sign
from feedback_ai.settings import Settings
from tests.factories import headers, make_key

SECRET = "s3cret-for-tests"


class Receiver:
    """A local HTTP server answering with the queued statuses (then 200), keeping each call."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.calls = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    r = Receiver(getattr(request, "param", []))
    yield r
    r.server.shutdown()


def _sender(engine: Engine, url: str, **kw: object) -> WebhookSender:
    return WebhookSender(make_sessionmaker(engine), url=url, secret=SECRET, backoff_s=0.01,
                         **kw).start()  # fmt: skip


def _accept(sender: WebhookSender, requirement_id: str, status: str = "accepted") -> None:
    with sender.factory() as s:
        req = s.get(Requirement, requirement_id)
        service.update_requirement(session=s, requirement=req, changes={"status": status},
                                   actor_key=None)  # fmt: skip


@pytest.mark.parametrize("receiver", [[503, 503]], indirect=True)
def test_accepting_sends_a_signed_webhook_retried_until_it_lands(
    engine: Engine, seed, receiver: Receiver
) -> None:
    rid = seed("We need SSO with Okta.", ["Add SSO with Okta"], account="Acme", arr=5_000.0)
    sender = _sender(engine, receiver.url)
    try:
        _accept(sender, rid)
        sender.join()
    finally:
        sender.stop()
    assert len(receiver.calls) == 3 and sender.stats.sent == 1 and sender.stats.attempts == 3
    for sent_headers, body in receiver.calls:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert sent_headers[SIGNATURE_HEADER.lower()] == expected
    doc = json.loads(receiver.calls[-1][1])
    assert doc["event"] == "requirement.accepted" and doc["requirement"]["id"] == rid
    assert doc["requirement"]["arr"] == 5_000.0 and doc["requirement"]["status"] == "accepted"


def test_other_changes_and_rollbacks_send_nothing(engine: Engine, seed, receiver: Receiver) -> None:
    rid = seed("Please add a dark mode.", ["Add a dark mode"])
    sender = _sender(engine, receiver.url)
    try:
        _accept(sender, rid, status="rejected")
        with sender.factory() as s:
            s.get(Requirement, rid).status = "accepted"
            s.flush()
            s.rollback()
        sender.join()
    finally:
        sender.stop()
    assert receiver.calls == [] and sender.stats.attempts == 0


@pytest.mark.parametrize("receiver", [[400]], indirect=True)
def test_a_refusal_is_not_retried(engine: Engine, seed, receiver: Receiver) -> None:
    rid = seed("Please add a dark mode.", ["Add a dark mode"])
    sender = _sender(engine, receiver.url)
    try:
        _accept(sender, rid)
        sender.join()
    finally:
        sender.stop()
    assert len(receiver.calls) == 1 and sender.stats.failed == 1


def test_an_unreachable_receiver_gives_up_after_the_attempts(engine: Engine, seed) -> None:
    rid = seed("Please add a dark mode.", ["Add a dark mode"])
    sender = _sender(engine, "http://127.0.0.1:9/nothing", attempts=3)
    try:
        _accept(sender, rid)
        sender.join()
    finally:
        sender.stop()
    assert sender.stats.attempts == 3 and sender.stats.failed == 1


def test_a_url_without_a_secret_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        WebhookSender(make_sessionmaker(engine), url="http://127.0.0.1:1/", secret="")
    assert sign(b"{}", "k") == "sha256=" + hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()


def test_the_app_sends_it_when_the_api_accepts(
    database_url: str, engine: Engine, seed, receiver: Receiver, db: Session, tmp_path: Path
) -> None:
    from feedback_ai.main import create_app

    rid = seed("We need SSO with Okta.", ["Add SSO with Okta"])
    settings = Settings(database_url=database_url, models_dir=tmp_path, webhook_url=receiver.url,
                        webhook_secret=SECRET, webhook_backoff_s=0.01)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        token = make_key(engine, "reviewer")
        response = client.patch(f"/v1/requirements/{rid}", json={"status": "accepted"},
                                headers=headers(token))  # fmt: skip
        assert response.status_code == 200
        client.app.state.webhooks.join()
    assert len(receiver.calls) == 1
    assert json.loads(receiver.calls[0][1])["requirement"]["id"] == rid
