"""Review queue at scale: N pending items, queue API p95, and a bulk reject of 10,000 by filter.

Loads N pending review items (half candidate requirements, half unsure feedback, from N/2
generated feedback rows with evidence in 1,000 requirements), queues them with sync_queue, then
times GET /v1/review/queue through the real app (in-process client: the app's own time, no
network) for the default order, filters, a text search and deep cursor pages, and a bulk reject
of every item matching a filter that holds 10,000 of them. Prints figures; it is not a test.

Usage: python bench/review_queue.py [--n 100000] [--requests 200] [--database-url URL] [--keep]
  (default: a fresh SQLite file; a postgresql:// URL gets a scratch database on that server;
  --keep keeps it, and --seeded --database-url URL measures a kept one again without loading:
  its bulk reject then runs only if a copy of it still holds the survey items pending)
"""

from __future__ import annotations

import argparse
import time

from fastapi.testclient import TestClient
from review_seed import bench_database, database_args, p95, reviewer_app
from sqlalchemy.engine import make_url


def measure(url: str, requests: int) -> None:
    """Queue API latencies and the bulk reject, through the real app."""
    app, token = reviewer_app(url)
    h = {"X-API-Key": token}
    with TestClient(app) as client:
        cursor, page = None, 1
        while page < 41:  # a deep page: 2,000 items in, or the last page of a small queue
            params = {"limit": 50} | ({"cursor": cursor} if cursor else {})
            following = client.get("/v1/review/queue", params=params, headers=h).json()
            if not following["next_cursor"]:
                break
            cursor, page = following["next_cursor"], page + 1
        cases = {
            "default order, 25 items": {},
            "default order, 50 items": {"limit": 50},
            f"page {page} by cursor": {"limit": 50} | ({"cursor": cursor} if cursor else {}),
            "type=candidate": {"type": "candidate"},
            "theme=security": {"theme": "security"},
            "source+kind": {"source": "sales_note", "kind": "bug"},
            "account": {"account": "acc-42"},
            "text search q=okta": {"q": "okta"},
            "text search, one item's text": {"q": "item 4242:"},
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
        if not preview["count"]:
            print("bulk reject by filter: skipped, nothing pending matches (a --seeded database "
                  "whose survey items an earlier run rejected)")  # fmt: skip
            return
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
    database_args(parser)
    args = parser.parse_args()
    with bench_database(args, prefix="review_bench") as url:
        print(f"database: {make_url(url).get_backend_name()}")
        measure(url, args.requests)


if __name__ == "__main__":
    main()
