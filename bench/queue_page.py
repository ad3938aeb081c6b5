"""Review UI at scale: the queue page rendered server-side with N pending items.

Loads N pending review items with bench/review_seed.py's loader (half candidate requirements,
half unsure feedback), logs a reviewer in through the form, then times GET /ui/queue through the
real app (in-process client: the app's own time, no network or browser) for the default order,
filters, a text search and a requirement page. Prints figures; it is not a test.

Usage: python bench/queue_page.py [--n 100000] [--requests 100] [--database-url URL] [--keep]
  (default: a fresh SQLite file; a postgresql:// URL gets a scratch database on that server;
  --keep keeps it, and --seeded --database-url URL measures a kept one again without loading)
"""

from __future__ import annotations

import argparse
import re
import time

from fastapi.testclient import TestClient
from review_seed import bench_database, database_args, p95, reviewer_app
from sqlalchemy import select

from feedback_ai.db import make_engine, make_sessionmaker
from feedback_ai.requirements.models import Requirement


def measure(url: str, requests: int) -> None:
    """Queue page latencies through the real app, logged in as a reviewer."""
    app, token = reviewer_app(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        requirement_id = session.scalars(select(Requirement.id).limit(1)).one()
    engine.dispose()
    with TestClient(app) as client:
        form = client.get("/ui/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        client.post("/ui/login", data={"api_key": token, "csrf_token": csrf})
        cases = {
            "/ui/queue (50 items)": "/ui/queue",
            "/ui/queue?type=candidate": "/ui/queue?type=candidate",
            "/ui/queue?theme=security": "/ui/queue?theme=security",
            "/ui/queue?source+kind": "/ui/queue?source=sales_note&kind=bug",
            "/ui/queue?q=okta": "/ui/queue?q=okta",
            "/ui/queue?q=<one item>": "/ui/queue?q=item+4242%3A",  # a rare text: one feedback
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


def main() -> None:
    """Load, measure, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    database_args(parser)
    args = parser.parse_args()
    with bench_database(args, prefix="bench_ui") as url:
        measure(url, args.requests)


if __name__ == "__main__":
    main()
