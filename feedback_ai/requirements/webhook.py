"""A signed webhook POSTed when a requirement is accepted, retried with backoff.

The sender watches commits of the app's sessionmaker: any path that accepts a requirement
(the API, the review UI, a bulk action) is seen, and only once the decision is committed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from feedback_ai.db import session_scope, utcnow
from feedback_ai.requirements import service
from feedback_ai.requirements.models import Requirement

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Feedback-AI-Signature"
_PENDING = "feedback_ai.webhook.accepted"
_STOP = object()


def sign(body: bytes, secret: str) -> str:
    """The signature header value: sha256=<hex HMAC-SHA256 of the body with the secret>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class WebhookStats:
    """Deliveries so far: sent (2xx), failed (gave up), attempts (every POST tried)."""

    sent: int = 0
    failed: int = 0
    attempts: int = 0


class WebhookSender:
    """Queue 'requirement.accepted' events from commits and deliver them on a thread."""

    def __init__(
        self, factory: sessionmaker[Session], *, url: str, secret: str, attempts: int = 5,
        backoff_s: float = 1.0, timeout_s: float = 5.0,
    ) -> None:  # fmt: skip
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook_url must be an http(s) URL, not {url[:40]!r}")
        if not secret:
            raise ValueError("webhook_url is set without webhook_secret; receivers could not "
                             "tell our calls from forged ones")  # fmt: skip
        self.factory, self.url, self.secret = factory, url, secret
        self.attempts, self.backoff_s, self.timeout_s = attempts, backoff_s, timeout_s
        self.stats = WebhookStats()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WebhookSender:
        """Watch the sessionmaker's commits and start the delivery thread."""
        event.listen(self.factory, "after_flush", self._after_flush)
        event.listen(self.factory, "after_commit", self._after_commit)
        event.listen(self.factory, "after_rollback", self._after_rollback)
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop watching; deliver what is queued unless a retry is waiting, then end the thread."""
        event.remove(self.factory, "after_flush", self._after_flush)
        event.remove(self.factory, "after_commit", self._after_commit)
        event.remove(self.factory, "after_rollback", self._after_rollback)
        self._queue.put(_STOP)
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def join(self) -> None:
        """Wait until every queued event is delivered or given up (for tests and shutdown)."""
        self._queue.join()

    # Session events: remember accepted requirements at flush, queue them at commit.
    def _after_flush(self, session: Session, _context: Any) -> None:
        for obj in list(session.new) + list(session.dirty):
            if (
                isinstance(obj, Requirement)
                and "accepted" in inspect(obj).attrs.status.history.added
            ):
                session.info.setdefault(_PENDING, set()).add(obj.id)

    def _after_commit(self, session: Session) -> None:
        for requirement_id in sorted(session.info.pop(_PENDING, ())):
            self._queue.put(requirement_id)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_PENDING, None)

    def _payload(self, requirement_id: str) -> bytes | None:
        with session_scope(self.factory) as session:
            found = service.get_requirement(session=session, requirement_id=requirement_id)
            if found is None:
                return None
            view, _evidence = found
            req, agg = view.requirement, view.aggregates
            doc = {
                "event": "requirement.accepted", "delivery": str(uuid.uuid4()),
                "occurred_at": utcnow().isoformat(),
                "requirement": {
                    "id": req.id, "title": req.title, "status": req.status,
                    "themes": list(req.themes), "priority": view.priority.score,
                    "feedback_count": agg.feedback_count,
                    "distinct_accounts": agg.distinct_accounts, "arr": agg.arr,
                },
            }  # fmt: skip
        return json.dumps(doc, sort_keys=True).encode("utf-8")

    def _post(self, body: bytes) -> int | None:
        """One attempt: the HTTP status, or None when the receiver could not be reached."""
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self.secret),
                     "User-Agent": "feedback-ai-webhook"},
        )  # fmt: skip
        self.stats.attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.status
        except urllib.error.HTTPError as e:
            return e.code
        except (urllib.error.URLError, OSError) as e:
            log.warning("webhook %s unreachable: %s", self.url, e)
            return None

    def _deliver(self, body: bytes) -> bool:
        for attempt in range(self.attempts):
            status = self._post(body)
            if status is not None and 200 <= status < 300:
                return True
            if status is not None and 400 <= status < 500 and status not in (408, 429):
                log.error("webhook refused with %s; not retried", status)
                return False
            # Backoff doubles: 1 s, 2 s, 4 s... A stop cuts the wait short and ends the retries.
            if self._stopping.wait(self.backoff_s * 2**attempt):
                return False
        return False

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                body = self._payload(item)
                if body is not None:
                    ok = self._deliver(body)
                    self.stats.sent += ok
                    self.stats.failed += not ok
            except Exception:
                self.stats.failed += 1
                log.exception("webhook delivery failed", extra={"requirement_id": item})
            finally:
                self._queue.task_done()
