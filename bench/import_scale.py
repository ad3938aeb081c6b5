"""Batch scale: predict on one core, the local process pool, a 2-worker Dask cluster, the import.

Usage: python bench/import_scale.py [--rows 100000] [--sample 20000] [--model DIR]
                                    [--database-url postgresql+psycopg://...] [--skip-dask]

Generates --rows short tickets into a CSV, then prints items/s for:
  - bare predict in this process on one core, and that times the cores (the ceiling);
  - LocalEngine (one process per core) and DaskEngine on a LocalCluster of 2 single-thread
    workers, on the first --sample rows, each as a percentage of the ceiling;
  - `feedback-ai import` of the whole file (when this checkout has the command), run as a child
    process into a fresh SQLite file (and into a fresh PostgreSQL database on the server of
    --database-url): rate, time, its percentage of the ceiling, and peak RSS.
Machines differ by up to 3x and shared machines more: read the percentages, not the rates.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from feedback_ai.batch.dask_engine import DaskEngine
from feedback_ai.batch.engine import ScoringEngine
from feedback_ai.batch.local import LocalEngine
from feedback_ai.ml import FeedbackInput, FeedbackModel, load_model, predict
from feedback_ai.ml.training.train import train_model

AREAS = ["CSV export", "login page", "iOS app", "invoice PDF", "dashboard", "Slack integration",
         "search", "calendar sync", "billing page", "API", "SSO setup", "mobile app"]  # fmt: skip
TEMPLATES = [
    "The {a} crashes when I {v}.", "Please add a way to {v} from the {a}.",
    "How do I {v} in the {a}?", "Love the new {a}, it makes it easy to {v}!",
    "We need the {a} to {v} before we roll out to the team.",
    "The {a} is really slow when we {v}. Ticket #{n}.", "Can't {v}: the {a} shows an error {n}.",
    "It would be great if the {a} let us {v}.", "Why does the {a} log me out when I {v}?",
    "Our admin cannot {v} in the {a}, please fix.",
]  # fmt: skip
VERBS = ["export reports", "reset my password", "upload a photo", "filter by date",
         "share a link", "invite a teammate", "download invoices", "sync meetings",
         "change the currency", "schedule exports", "search old tickets", "merge accounts"]  # fmt: skip
CHUNK = 500


def write_tickets(path: Path, rows: int, seed: int = 7) -> None:
    """`rows` short tickets (id, text, created_at, account) as CSV."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "text", "created_at", "account"])
        for i in range(rows):
            text = rng.choice(TEMPLATES).format(
                a=rng.choice(AREAS), v=rng.choice(VERBS), n=rng.randint(100, 99_999)
            )
            at = start + timedelta(minutes=i * 2 + rng.randint(0, 1))
            out.writerow([f"T-{i}", text, at.isoformat(), f"acct-{rng.randint(1, 500)}"])


def read_sample(path: Path, n: int) -> list[FeedbackInput]:
    """The first `n` tickets of the file, as model inputs."""
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return [
            FeedbackInput(r["text"], "support_ticket")
            for _, r in zip(range(n), reader, strict=False)
        ]


def chunks(items: list[FeedbackInput]) -> list[list[FeedbackInput]]:
    """The items in chunks of CHUNK."""
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def bare_rate(model: FeedbackModel, items: list[FeedbackInput]) -> tuple[float, float]:
    """Items/s of predict in this process: per wall-clock second and per CPU second."""
    predict(model, items[:200])  # warm-up: spaCy and the embeddings load on first use
    wall, cpu = time.perf_counter(), time.process_time()
    for chunk in chunks(items):
        predict(model, chunk)
    return len(items) / (time.perf_counter() - wall), len(items) / (time.process_time() - cpu)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def engine_rate(
    engine: ScoringEngine, items: list[FeedbackInput], pids: list[int]
) -> tuple[float, float]:
    """Items/s through a started engine, per wall-clock second and per CPU second of its workers.

    The second figure is what a shared, busy machine disturbs least: compared with bare
    predict's rate per CPU second it shows the engine's own overhead (pickling, transfer).
    """
    list(engine.imap(chunks(items[:CHUNK] * len(pids))))  # warm-up: each worker's first chunk
    started, cpu = time.perf_counter(), cpu_seconds(pids)
    n = sum(len(c) for c in engine.imap(chunks(items)))
    return n / (time.perf_counter() - started), n / max(cpu_seconds(pids) - cpu, 1e-9)


def dask_rate(model: FeedbackModel, items: list[FeedbackInput]) -> tuple[float, float]:
    """Items/s on a LocalCluster of 2 single-thread worker processes."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None, silence_logs=40) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(2, timeout=300)
        pids = list(client.run(os.getpid).values())
        with DaskEngine(model, client=client) as engine:
            return engine_rate(engine, items, pids)


def has_import_command(env: dict[str, str], work: Path) -> bool:
    """Whether `feedback-ai import` exists in the code the child process will run."""
    probe = [sys.executable, "-m", "feedback_ai.cli.main", "import", "run", "--help"]
    done = subprocess.run(probe, capture_output=True, text=True, env=env, cwd=work, check=False)
    return done.returncode == 0 and "--text-column" in done.stdout


def _tree_rss_kb(pid: int) -> int:
    """Resident KB of a process and its descendants, read from /proc (0 once gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(
                int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS")
            )
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_import(
    csv_path: Path, database_url: str, env: dict[str, str], work: Path
) -> tuple[float, int, str]:
    """Seconds, peak RSS in KB of the import's process tree (sampled), and its last line."""
    cmd = [sys.executable, "-m", "feedback_ai.cli.main", "import", "run", str(csv_path),
           "--text-column", "text", "--id-column", "id", "--date-column", "created_at",
           "--account-column", "account", "--source", "support_ticket"]  # fmt: skip
    child_env = {**env, "FEEDBACK_AI_DATABASE_URL": database_url}
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=child_env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0]
    seconds = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}):\n{output[-3000:]}")
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return seconds, peak[0], lines[-1] if lines else ""


def scratch_postgres(server_url: str) -> tuple[str, Engine]:
    """A fresh database on the server of `server_url`, and the engine to drop it with."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), admin


def drop_postgres(admin: Engine, url: str) -> None:
    """Drop a database made by scratch_postgres."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=20_000, help="Rows for the engine rates.")
    parser.add_argument("--model", type=Path, help="A model directory; default: train one.")
    parser.add_argument("--database-url", help="Also import into PostgreSQL on this server.")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--workdir", type=Path, help="Where the CSV and SQLite file go.")
    parser.add_argument(
        "--import-pythonpath", help="PYTHONPATH of the import's process (another checkout's code)."
    )
    args = parser.parse_args()
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="import-scale-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.model is None:
        args.model = train_model(models_dir=work / "models", holdout=0.0, version="bench").path
    args.model = args.model.resolve()  # the import's process runs in `work`
    cores = os.cpu_count() or 1
    csv_path = work / f"tickets-{args.rows}.csv"
    started = time.perf_counter()
    write_tickets(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"{args.rows:,} tickets, {size_mb:,.1f} MB CSV in {time.perf_counter() - started:.1f} s",
          flush=True)  # fmt: skip
    env = {**os.environ, "FEEDBACK_AI_MODELS_DIR": str(args.model.parent),
           "FEEDBACK_AI_MODEL_VERSION": args.model.name}  # fmt: skip
    # The child runs in `work`, so `-m` finds feedback_ai on PYTHONPATH, not in the current directory.
    env["PYTHONPATH"] = args.import_pythonpath or os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p
    )

    # The import first: then RUSAGE_CHILDREN's peak is the import's own (no other child yet).
    imports: list[tuple[str, float, int, str]] = []

    def done(name: str, seconds: float, peak_kb: int, last: str) -> None:
        # Said at once: a long run that fails later (or is stopped) keeps this figure.
        imports.append((name, seconds, peak_kb, last))
        print(f"import into {name} done: {seconds:,.1f} s, peak RSS {peak_kb / 1024:,.0f} MB; "
              f"{last}", flush=True)  # fmt: skip

    if has_import_command(env, work):
        seconds, tree_kb, last = run_import(csv_path, f"sqlite:///{work / 'bench.db'}", env, work)
        own_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done("SQLite", seconds, max(tree_kb, own_kb), last)
        if args.database_url:
            url, admin = scratch_postgres(args.database_url)
            try:
                seconds, tree_kb, last = run_import(csv_path, url, env, work)
            finally:
                drop_postgres(admin, url)
            done("PostgreSQL", seconds, tree_kb, last)
    else:
        print("`feedback-ai import` is not in this checkout: import figures skipped")

    model = load_model(args.model)
    items = read_sample(csv_path, min(args.sample, args.rows))
    wall, cpu = bare_rate(model, items)
    ceiling = wall * cores
    print(f"bare predict, 1 core: {wall:,.0f} items/s ({cpu:,.0f} per CPU second); "
          f"x {cores} cores = {ceiling:,.0f} items/s (the ceiling)")  # fmt: skip
    with LocalEngine(args.model, workers=cores) as engine:
        rate, per_cpu = engine_rate(engine, items, engine.pids())
    print(f"LocalEngine, {cores} processes: {rate:,.0f} items/s = {rate / ceiling:.0%} of ceiling; "
          f"{per_cpu:,.0f} per worker CPU second = {per_cpu / cpu:.0%} of bare")  # fmt: skip
    if not args.skip_dask:
        rate, per_cpu = dask_rate(model, items)
        print(f"DaskEngine, LocalCluster 2x1 thread: {rate:,.0f} items/s = "
              f"{rate / ceiling:.0%} of ceiling; {per_cpu:,.0f} per worker CPU second = "
              f"{per_cpu / cpu:.0%} of bare")  # fmt: skip
    for name, seconds, peak_kb, last in imports:
        rate = args.rows / seconds
        print(f"import into {name}: {args.rows:,} rows in {seconds:,.1f} s = {rate:,.0f} rows/s = "
              f"{rate / ceiling:.0%} of ceiling; peak RSS {peak_kb / 1024:,.0f} MB")  # fmt: skip
        print(f"  its summary: {last}")
        own = re.search(r"time ([\d,.]+) s", last)
        if own:  # the import's own clock: without process start, migration and model load
            job_s = float(own.group(1).replace(",", ""))
            print(f"  by its own clock: {job_s:,.1f} s = {args.rows / job_s:,.0f} rows/s = "
                  f"{args.rows / job_s / ceiling:.0%} of ceiling")  # fmt: skip
    print(f"python {sys.version.split()[0]}, {cores} CPUs, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
