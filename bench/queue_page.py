"""Review UI at scale: the queue page rendered server-side with N pending items.

Loads N pending review items with bench/review_queue.py's loader (half candidate requirements,
half unsure feedback), logs a reviewer in through the form, then times GET /ui/queue through the
real app (in-process client: the app's own time, no network or browser) for the default order,
filters, a text search and a requirement page. Prints figures; it is not a test.

Usage: python bench/queue_page.py [--n 100000] [--requests 100] [--database-url URL]
  (default: a fresh SQLite file; a postgresql:// URL gets a scratch database on that server)
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from review_queue import load
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from feedback_ai.auth.service import create_key
from feedback_ai.db import make_engine, make_sessionmaker, normalize_url
from feedback_ai.requirements.models import Requirement
from feedback_ai.settings import Settings


def p95(samples: list[float]) -> str:
    """p50 / p95 in ms."""
    q = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1000:6.1f} ms   p95 {q[94] * 1000:6.1f} ms"


def measure(url: str, requests: int) -> None:
    """Queue page latencies through the real app, logged in as a reviewer."""
    from feedback_ai.main import create_app

    settings = Settings(database_url=url, models_dir=Path(tempfile.mkdtemp()),
                        review_sync_interval_s=0, log_level="WARNING")  # fmt: skip
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        _key, token = create_key(session=session, name="bench", role="reviewer")
        requirement_id = session.scalars(select(Requirement.id).limit(1)).one()
    with TestClient(create_app(settings)) as client:
        form = client.get("/ui/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        client.post("/ui/login", data={"api_key": token, "csrf_token": csrf})
        cases = {
            "/ui/queue (50 items)": "/ui/queue",
            "/ui/queue?type=candidate": "/ui/queue?type=candidate",
            "/ui/queue?theme=security": "/ui/queue?theme=security",
            "/ui/queue?source+kind": "/ui/queue?source=sales_note&kind=bug",
            "/ui/queue?q=okta": "/ui/queue?q=okta",
            "/ui/requirements/<id>": f"/ui/requirements/{requirement_id}",
        }
        for name, path in cases.items():
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                r = client.get(path)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text[:300]
            print(f"GET {name:28s} {p95(times)}")
    engine.dispose()


def main() -> None:
    """Load, measure, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    admin, url = None, None
    if args.database_url:
        server = normalize_url(args.database_url)
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        name = f"bench_ui_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    try:
        t0 = time.perf_counter()
        load(url, args.n)
        print(f"loaded {args.n:,} pending items in {time.perf_counter() - t0:.1f} s "
              f"({make_url(url).get_backend_name()})")  # fmt: skip
        measure(url, args.requests)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
                )
            admin.dispose()


if __name__ == "__main__":
    main()
