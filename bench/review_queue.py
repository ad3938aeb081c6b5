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
import time

from fastapi.testclient import TestClient
from review_seed import load, p95, reviewer_app, scratch_database
from sqlalchemy.engine import make_url


def measure(url: str, requests: int) -> None:
    """Queue API latencies and the bulk reject, through the real app."""
    app, token = reviewer_app(url)
    h = {"X-API-Key": token}
    with TestClient(app) as client:
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


def main() -> None:
    """Load, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="pending items")
    parser.add_argument("--requests", type=int, default=200, help="requests per case")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with scratch_database(args.database_url, prefix="review_bench") as url:
        print(f"database: {make_url(url).get_backend_name()}, {args.n:,} pending items")
        t0 = time.perf_counter()
        load(url, args.n)
        print(f"loaded in {time.perf_counter() - t0:.1f} s")
        measure(url, args.requests)


if __name__ == "__main__":
    main()
