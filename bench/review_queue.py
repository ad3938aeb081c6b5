"""Review queue at scale: N pending items, queue API p95, and a bulk reject of 10,000 by filter.

Loads N pending review items (half candidate requirements, half unsure feedback, from N/2
generated feedback rows with evidence in 1,000 requirements), queues them with sync_queue, then
times GET /v1/review/queue through the real app (in-process client: the app's own time, no
network) for the default order, filters, a text search and deep cursor pages, and a bulk reject
of every item matching a filter that holds 10,000 of them. Prints figures; it is not a test.

Usage: python bench/review_queue.py [--n 100000] [--requests 200] [--database-url URL]
  (default: a fresh SQLite file; a postgresql:// URL gets a scratch database on that server)
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from feedback_ai.auth.service import create_key
from feedback_ai.db import make_engine, make_sessionmaker, migrate, normalize_url
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.ids import new_id
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review.ordering import PriorityUncertainty
from feedback_ai.review.sync import sync_queue
from feedback_ai.settings import Settings

WORDS = [
    "export",
    "sso",
    "okta",
    "pdf",
    "invoice",
    "dashboard",
    "crash",
    "upload",
    "slack",
    "billing",
    "search",
    "mobile",
]
THEMES = ["reporting", "security", "billing", "mobile", "integrations", "performance"]
SOURCES = ["support_ticket", "sales_note", "app_review", "survey", "other"]
BULK = 10_000


def load(url: str, n: int) -> None:
    """N/2 feedback rows with a current prediction, one candidate and its evidence each."""
    engine = make_engine(url)
    migrate(engine)
    rng, now, half = random.Random(7), datetime.now(UTC), n // 2
    reqs = [dict(id=new_id(), title=f"Requirement {i}", status="proposed", themes=[],
                 suggested_title=f"Requirement {i}", suggested_themes=[], created_at=now,
                 updated_at=now) for i in range(1000)]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Requirement), reqs)
    for start in range(0, half, 5000):
        fb, pred, themes, cands, ev = [], [], [], [], []
        for i in range(start, min(start + 5000, half)):
            fid, pid, cid = new_id(), new_id(), new_id()
            words = " ".join(rng.choice(WORDS) for _ in range(12))
            body = f"Item {i}: please add {words}."
            # The bulk filter (source 'survey') matches exactly BULK items: BULK/2 feedback rows.
            source = "survey" if i < BULK // 2 else rng.choice(SOURCES[:3] + SOURCES[4:])
            fb.append(dict(id=fid, source=source, external_id=str(i), text=body,
                           masked_text=body, account_id=f"acc-{i % 3000}",
                           account_name=f"Account {i % 3000}", arr=rng.choice([0, 5e3, 5e4, 5e5]),
                           received_at=now - timedelta(minutes=i), created_at=now, extra={},
                           content_sha256="0" * 64))  # fmt: skip
            theme = rng.choice(THEMES)
            pred.append(dict(id=pid, feedback_id=fid, is_current=True, model_version="bench",
                             kind=rng.choice(["bug", "feature_request", "question"]),
                             kind_score=0.5, kind_scores={}, theme_scores={theme: 0.5},
                             unassigned=False, explanations=[], language="en", flags=[],
                             uncertainty=round(rng.uniform(0.5, 1.0), 4), created_at=now))  # fmt: skip
            themes.append(dict(prediction_id=pid, theme_id=theme, score=0.5, rank=0))
            cands.append(dict(id=cid, prediction_id=pid, feedback_id=fid, rank=0,
                              statement=f"Add {words[:40]}", sentence=body, masked_sentence=body,
                              start=0, end=len(body), masked_start=0, masked_end=len(body),
                              confidence=rng.uniform(0.3, 0.95), model_version="bench",
                              created_at=now))  # fmt: skip
            ev.append(dict(id=new_id(), requirement_id=rng.choice(reqs)["id"], feedback_id=fid,
                           candidate_id=cid, statement=f"Add {words[:40]}", sentence=body,
                           start=0, end=len(body), score=0.9, created_at=now))  # fmt: skip
        with engine.begin() as conn:
            for model, rows in ((Feedback, fb), (Prediction, pred), (PredictionTheme, themes),
                                (CandidateRequirement, cands), (RequirementEvidence, ev)):  # fmt: skip
                conn.execute(insert(model), rows)
    t0 = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        report = sync_queue(session=session, ordering=PriorityUncertainty(), uncertainty_min=0.5)
    print(f"sync_queue: {report.added:,} items queued in {time.perf_counter() - t0:.1f} s")
    engine.dispose()


def p95(samples: list[float]) -> str:
    """p50 / p95 in ms."""
    q = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms"


def measure(url: str, requests: int) -> None:
    """Queue API latencies and the bulk reject, through the real app."""
    from feedback_ai.main import create_app

    settings = Settings(database_url=url, models_dir=Path(tempfile.mkdtemp()),
                        review_sync_interval_s=0, log_level="WARNING")  # fmt: skip
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        _key, token = create_key(session=session, name="bench", role="reviewer")
    h = {"X-API-Key": token}
    with TestClient(create_app(settings)) as client:
        first = client.get("/v1/review/queue", params={"limit": 50}, headers=h).json()
        cursor = first["next_cursor"]
        for _ in range(40):  # a deep page: 2,000 items in
            cursor = client.get("/v1/review/queue", params={"limit": 50, "cursor": cursor},
                                headers=h).json()["next_cursor"]  # fmt: skip
        cases = {
            "default order, 25 items": {},
            "default order, 50 items": {"limit": 50},
            "page 41 by cursor": {"limit": 50, "cursor": cursor},
            "type=candidate": {"type": "candidate"},
            "theme=security": {"theme": "security"},
            "source+kind": {"source": "sales_note", "kind": "bug"},
            "account": {"account": "acc-42"},
            "text search q=okta": {"q": "okta"},
        }
        for name, params in cases.items():
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                r = client.get("/v1/review/queue", params=params, headers=h)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            print(f"GET /v1/review/queue {name:26s} {p95(times)}")
        body = {"action": "reject", "reason": "spam", "filter": {"source": "survey"}}
        t0 = time.perf_counter()
        preview = client.post("/v1/review/bulk/preview", json=body, headers=h).json()
        t1 = time.perf_counter()
        done = client.post("/v1/review/bulk", headers=h, json=body | {
            "confirm_token": preview["confirm_token"], "confirm_count": preview["count"]})  # fmt: skip
        t2 = time.perf_counter()
        assert done.status_code == 200, done.text
        print(f"bulk reject by filter: preview {preview['count']:,} items in {t1 - t0:.2f} s, "
              f"run {done.json()['done']:,} in {t2 - t1:.2f} s")  # fmt: skip
    engine.dispose()


def main() -> None:
    """Load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="pending items")
    parser.add_argument("--requests", type=int, default=200, help="requests per case")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    scratch = None
    if args.database_url and args.database_url.startswith("postgres"):
        server = normalize_url(args.database_url)
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        scratch = f"review_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = make_url(server).set(database=scratch).render_as_string(hide_password=False)
    else:
        url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/review_bench.db"
    print(f"database: {make_url(url).get_backend_name()}, {args.n:,} pending items")
    try:
        t0 = time.perf_counter()
        load(url, args.n)
        print(f"loaded in {time.perf_counter() - t0:.1f} s")
        measure(url, args.requests)
    finally:
        if scratch:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
