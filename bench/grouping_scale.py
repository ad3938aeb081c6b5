"""Grouping at scale: consolidate 100,000 statements, then time matches at 50,000 requirements.

Statements are generated at bench time from combinations (never stored as seed data): an action,
an object, a qualifier and one of several phrasings, with occasional typos, so many are paraphrases.

Usage: python bench/grouping_scale.py [--n 100000] [--at 50000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from feedback_ai.ml.grouping.matcher import RequirementIndex

# fmt: off
ACTIONS = (
    "export", "import", "filter", "sort", "share", "schedule", "archive", "duplicate", "sync",
    "search", "tag", "print", "lock", "merge", "preview", "bulk edit", "restore", "comment on",
    "assign", "download", "upload", "rename", "pin", "translate", "audit", "approve", "snooze",
    "embed", "group", "compare",
)
OBJECTS = (
    "reports", "dashboards", "invoices", "tickets", "contacts", "deals", "tasks", "projects",
    "files", "notes", "calendars", "forms", "surveys", "campaigns", "orders", "users", "teams",
    "workflows", "templates", "comments", "charts", "leads", "accounts", "documents", "assets",
    "releases", "sprints", "budgets", "contracts", "products", "messages", "channels",
    "webhooks", "api keys", "audit logs", "subscriptions", "quotes", "shipments", "events",
    "alerts",
)
QUALIFIERS = (
    "as PDF", "to Excel", "from Salesforce", "in Slack", "on mobile", "by date", "by owner",
    "with Okta SSO", "in bulk", "offline", "via the API", "in Jira", "per team", "weekly",
    "for admins", "in dark mode", "from HubSpot", "with custom fields", "in the sidebar",
    "by region", "across workspaces", "with one click", "from Google Drive", "in Teams",
    "on tablets", "by priority", "with audit trail", "without reloading", "for guests",
    "in German", "by tag", "from Zendesk", "in the calendar", "on a schedule", "by status",
    "with comments", "from email", "for archived items", "with permissions", "nightly",
    "in real time", "from CSV", "to Google Sheets", "per project", "by customer",
)
PHRASINGS = (
    "{a} {o} {q}", "Please let us {a} {o} {q}", "It would be great to {a} {o} {q}",
    "We need a way to {a} {o} {q}", "Can you add the ability to {a} {o} {q}?",
    "Allow users to {a} {o} {q}", "{o}: {a} {q} please", "I wish I could {a} my {o} {q}",
    "Support for {a}ing {o} {q}", "Missing: {a} {o} {q}",
)
# fmt: on


def typo(word: str, rng: random.Random) -> str:
    """Swap two adjacent letters."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def statements(n: int, *, seed: int = 0) -> list[str]:
    """n varied statements over ~54,000 distinct asks, so that matching both joins and opens."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, o, q = rng.choice(ACTIONS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)
        text = rng.choice(PHRASINGS).format(a=a, o=o, q=q)
        if rng.random() < 0.15:
            words = text.split()
            j = rng.randrange(len(words))
            words[j] = typo(words[j], rng)
            text = " ".join(words)
        out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--at", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    data = statements(args.n)
    index = RequirementIndex()
    start = time.perf_counter()
    matches = index.consolidate(data)
    elapsed = time.perf_counter() - start
    created = sum(m.created for m in matches)
    per_item = elapsed / args.n * 1e3
    print(f"consolidated {args.n:,} statements in {elapsed:.1f}s ({per_item:.3f} ms each)")
    print(f"  -> {created:,} requirements; target < 120 s")

    index = RequirementIndex()
    for i, text in enumerate(statements(args.at * 4, seed=1)):
        if len(index) >= args.at:
            break
        if i % 2 == 0:
            index.add(text, key=f"r{i}")  # half opened directly, half through matching
        else:
            index.match(text)
    queries = statements(args.queries, seed=2)
    latencies = []
    for text in queries:
        t0 = time.perf_counter()
        index.search(text, k=1)
        latencies.append((time.perf_counter() - t0) * 1e3)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"match at {len(index):,} requirements: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"mean {statistics.fmean(latencies):.2f} ms over {len(queries):,} queries; target <= 5 ms"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
