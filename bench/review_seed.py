"""The pending review queue that both review benches measure, and what they share to measure it:
seeding N items, a scratch database, the real app with a reviewer key, p50/p95."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
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
    if engine.dialect.name == "postgresql":
        # Planner statistics, as autovacuum would have gathered on a live database (the bench
        # server may run without it): with none, PostgreSQL took a seq scan for 50 evidence rows.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    t0 = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        report = sync_queue(session=session, ordering=PriorityUncertainty(), uncertainty_min=0.5)
    print(f"sync_queue: {report.added:,} items queued in {time.perf_counter() - t0:.1f} s")
    engine.dispose()


def p95(samples: list[float]) -> str:
    """p50 / p95 in ms (one sample is its own p95)."""
    q95 = statistics.quantiles(samples, n=100)[94] if len(samples) > 1 else samples[0]
    return f"p50 {statistics.median(samples) * 1000:6.1f} ms   p95 {q95 * 1000:6.1f} ms"


def database_args(parser: argparse.ArgumentParser) -> None:
    """--database-url, --keep and --seeded, which both benches take."""
    parser.add_argument("--database-url", default=None,
                        help="postgresql:// server for a scratch database, else a SQLite URL")  # fmt: skip
    parser.add_argument("--keep", action="store_true",
                        help="keep the seeded database and print its URL (for --seeded)")  # fmt: skip
    parser.add_argument("--seeded", action="store_true",
                        help="--database-url is a database seeded before (--keep): measure it as "
                             "it is, no scratch database, no load")  # fmt: skip


@contextmanager
def bench_database(args: argparse.Namespace, *, prefix: str) -> Iterator[str]:
    """The URL to measure: the seeded one as it is, else a scratch database loaded with args.n
    items (seeding 100,000 takes minutes, so --keep then --seeded measures it again)."""
    if args.seeded:
        if not args.database_url:
            raise SystemExit("--seeded needs --database-url")
        yield normalize_url(args.database_url)
        return
    with scratch_database(args.database_url, prefix=prefix, keep=args.keep) as url:
        t0 = time.perf_counter()
        load(url, args.n)
        print(f"loaded {args.n:,} pending items in {time.perf_counter() - t0:.1f} s "
              f"({make_url(url).get_backend_name()})")  # fmt: skip
        if args.keep:
            print(f"kept: --seeded --database-url {make_url(url).render_as_string(False)}")
        yield url


@contextmanager
def scratch_database(database_url: str | None, *, prefix: str, keep: bool = False) -> Iterator[str]:
    """The URL to load into: a fresh database on the PostgreSQL server `database_url` names (dropped
    afterwards unless `keep`), the given URL of another kind as it is, else a new SQLite file."""
    if not (database_url and database_url.startswith("postgres")):
        yield database_url or f"sqlite:///{tempfile.mkdtemp()}/{prefix}.db"
        return
    server = normalize_url(database_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reviewer_app(url: str) -> tuple[FastAPI, str]:
    """The real app on `url` (no model, no background sync) and a new reviewer key's token."""
    from feedback_ai.main import create_app

    settings = Settings(database_url=url, models_dir=Path(tempfile.mkdtemp()),
                        review_sync_interval_s=0, log_level="WARNING")  # fmt: skip
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        _key, token = create_key(session=session, name="bench", role="reviewer")
    engine.dispose()
    return create_app(settings), token
