"""Drive the running service on loopback: single POSTs at a target rate, then 1,000-item batches.

Starts `uvicorn feedback_ai.main:create_app` on 127.0.0.1 (SQLite in a temp dir by default, or a
fresh database on the PostgreSQL server of --database-url, dropped afterwards), waits until
/readyz, and prints p50/p95/p99 latency and throughput. Every loop is bounded in count and time;
only loopback addresses are used.

First, in the same run and with the same uvicorn settings, database kind and client load, it
drives the floor (bench/floor_app.py: FastAPI + SQLAlchemy inserting one row), and prints our
CPU per single POST (server, inference worker and linker processes, from /proc) as a ratio to
the floor's. CPU per request hardly depends on what else the machine runs; latency does.

    .venv/bin/python bench/api_load.py                    # SQLite
    .venv/bin/python bench/api_load.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from light_http import LightClient

from feedback_ai.auth.service import generate_token
from feedback_ai.ml import latest_version

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "feedback_ai" / "data" / "seed"
SOURCES = {
    "support_tickets": "support_ticket",
    "sales_notes": "sales_note",
    "app_reviews": "app_review",
    "surveys": "survey",
}


def load_texts() -> list[tuple[str, str]]:
    """(text, source) pairs from the bundled seed data."""
    pairs = []
    for path in sorted(SEED_DIR.glob("*.jsonl")):
        source = SOURCES.get(path.stem, "other")
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                pairs.append((json.loads(line)["text"], source))
    return pairs


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(values: list[float]) -> str:
    """p50/p95/p99/max in milliseconds."""
    if not values:
        return "no samples"
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return (
        f"p50 {q[49] * 1000:7.1f} ms  p95 {q[94] * 1000:7.1f} ms  "
        f"p99 {q[98] * 1000:7.1f} ms  max {max(values) * 1000:7.1f} ms"
    )


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds used so far by a process and all its descendants (Linux /proc).

    Descendants are the inference worker, the linker process and multiprocessing's resource
    tracker; children that already exited count through cutime/cstime.
    """
    return sum(cpu_by_process(pid).values())


# What /proc/PID/comm says for the server's worker processes (feedback_ai.lifeline.name_process).
PROCESS_LABELS = {"fai-inference": "inference", "fai-linker": "linker"}


def cpu_by_process(pid: int) -> dict[str, float]:
    """CPU seconds so far of `pid` ("server") and of each kind of process below it.

    Worker processes are told apart by the names they give themselves; any other one (the
    resource tracker, a worker of an older build) counts as "other", and so do children that
    already exited (the server's cutime/cstime).
    """
    out: dict[str, float] = {}
    for proc in [pid, *_descendants(pid)]:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            stat = Path(f"/proc/{proc}/stat").read_text()
            comm = stat.split("(", 1)[1].rsplit(")", 1)[0]
            ticks = [int(f) for f in stat.rsplit(")", 1)[1].split()[11:15]]
            tck = os.sysconf("SC_CLK_TCK")
            label = "server" if proc == pid else PROCESS_LABELS.get(comm, "other")
            out[label] = out.get(label, 0.0) + (ticks[0] + ticks[1]) / tck
            out["other"] = out.get("other", 0.0) + (ticks[2] + ticks[3]) / tck
    return out


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, depth first."""
    found = []
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                for child in (task / "children").read_text().split():
                    found += [int(child), *_descendants(int(child))]
    return found


async def settle(pid: int, *, max_s: float = 15.0) -> None:
    """Wait until the server stops using CPU (deferred work such as linking is done)."""
    deadline = time.monotonic() + max_s
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.02:  # under 4% of a core
            return
        last = now


def server_quantiles(metrics_text: str, route: str) -> str:
    """p50/p99 upper bounds from the server's own latency histogram (POST `route`)."""
    buckets: dict[float, float] = {}
    for line in metrics_text.splitlines():
        if (
            line.startswith("feedback_ai_http_request_duration_seconds_bucket")
            and f'route="{route}"' in line
            and 'method="POST"' in line
            and 'status="2' in line
        ):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            bound = float("inf") if le == "+Inf" else float(le)
            buckets[bound] = buckets.get(bound, 0.0) + float(line.rsplit(" ", 1)[1])
    if not buckets:
        return "n/a"
    total = buckets[float("inf")]
    out = []
    for q in (0.5, 0.95, 0.99):
        bound = next(b for b in sorted(buckets) if buckets[b] >= q * total)
        out.append(f"p{round(q * 100)} <= {bound * 1000:g} ms")
    return "  ".join(out)


def start_server(
    args: argparse.Namespace,
    port: int,
    admin: str,
    workdir: Path,
    *,
    app: str = "feedback_ai.main:create_app",
    log_name: str = "server.log",
) -> subprocess.Popen:
    """Run uvicorn in a child process, bound to loopback only (the floor app: the same way)."""
    env = {
        **os.environ,
        "FEEDBACK_AI_DATABASE_URL": args.database_url,
        "FEEDBACK_AI_MODELS_DIR": str(args.models_dir),
        "FEEDBACK_AI_BOOTSTRAP_ADMIN_KEY": admin,
        "FEEDBACK_AI_LOG_LEVEL": "WARNING",
        "FLOOR_DATABASE_URL": args.floor_database_url or "",
        # The floor app is imported as bench.floor_app from the repository root.
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        cmd,
        env=env,
        cwd=workdir,
        start_new_session=True,  # its own process group: stopping it stops its workers too
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / log_name, "w"),
    )


def register_champion(args: argparse.Namespace) -> None:
    """Migrate the bench database and register the newest model as its champion, as `serve` does."""
    env = {**os.environ, "FEEDBACK_AI_DATABASE_URL": args.database_url}
    folder = args.models_dir / latest_version(args.models_dir)
    cli = [sys.executable, "-m", "feedback_ai.cli.main"]
    subprocess.run([*cli, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*cli, "models", "register", str(folder), "--promote"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server and every process it started (inference and linking workers)."""
    proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # workers still busy with a backlog must not linger


def scratch_database(server_url: str) -> tuple[str, str, str]:
    """A fresh database on the PostgreSQL server of `server_url`, so each run starts empty."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"fai_bench_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(server_url).set(database="postgres")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return url, admin_url.render_as_string(hide_password=False), name


def drop_database(_url: str, admin_url: str, name: str) -> None:
    """Drop a database made by scratch_database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Poll /readyz until 200, the server dies, or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; see its log")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server not ready in time")


async def run_singles(client: LightClient, texts: list, run: str, args) -> dict:
    """Open-loop: request i is due at start + i/rate; latency counts from when it was due."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()

    async def one(i: int, due: float) -> None:
        text, source = texts[i % len(texts)]
        body = {"text": text, "source": source, "external_id": f"{run}-s-{i}"}
        status = await client.post_json("/v1/feedback", body)
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1

    tasks = []
    for i in range(args.count):
        due = start + i / args.rate
        if due - start > args.max_seconds:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.max_seconds + 30)
    elapsed = time.perf_counter() - start
    return {"latencies": latencies, "statuses": statuses, "elapsed": elapsed}


async def run_batches(client: httpx.AsyncClient, texts: list, run: str, args) -> dict:
    """Sequential batches of --batch-size items, each timed end to end."""
    latencies, statuses = [], {}
    for b in range(args.batches):
        items = [
            {
                "text": texts[(b * args.batch_size + i) % len(texts)][0],
                "source": texts[(b * args.batch_size + i) % len(texts)][1],
                "external_id": f"{run}-b{b}-{i}",
            }
            for i in range(args.batch_size)
        ]
        t0 = time.perf_counter()
        r = await client.post("/v1/feedback/batch", json={"items": items}, timeout=120)
        latencies.append(time.perf_counter() - t0)
        created = r.json().get("created") if r.status_code == 200 else None
        statuses[f"{r.status_code}/created={created}"] = (
            statuses.get(f"{r.status_code}/created={created}", 0) + 1
        )
    return {"latencies": latencies, "statuses": statuses}


async def measure_singles(base: str, key: str | None, texts: list, args) -> dict:
    """Warm up, then the open-loop single phase; the server's CPU includes deferred work."""
    run = uuid.uuid4().hex[:8]
    host, port = base.removeprefix("http://").split(":")
    light = LightClient(host, int(port), headers={"X-API-Key": key} if key else {})
    try:
        for i in range(20):
            body = {"text": texts[i][0], "source": "other", "external_id": f"{run}-warm-{i}"}
            await light.post_json("/v1/feedback", body)
        await settle(args.server_pid)
        before, client_cpu = cpu_by_process(args.server_pid), time.process_time()
        singles = await run_singles(light, texts, run, args)
        client_cpu = time.process_time() - client_cpu
        # Linking lingers and runs after the acknowledgement: wait for it, it is part of the cost.
        await settle(args.server_pid)
        after = cpu_by_process(args.server_pid)
        singles["by_process"] = {k: v - before.get(k, 0.0) for k, v in after.items()}
        singles["server_cpu"] = sum(singles["by_process"].values())
        singles["client_cpu"] = client_cpu
    finally:
        light.close()
    return singles


def print_singles(label: str, singles: dict, args) -> float:
    """Print the single phase's figures; returns the server's CPU milliseconds per request."""
    n, elapsed = len(singles["latencies"]), singles["elapsed"]
    per_request = singles["server_cpu"] / max(n, 1) * 1000
    print(
        f"{label}  target {args.rate}/s, {n} requests, "
        f"achieved {n / elapsed:.1f}/s, statuses {singles['statuses']}"
    )
    print(f"  latency  {percentiles(singles['latencies'])}")
    order = {"server": 0, "inference": 1, "linker": 2}
    parts = ", ".join(
        f"{label} {seconds / max(n, 1) * 1000:.2f}"
        for label, seconds in sorted(
            singles["by_process"].items(), key=lambda p: order.get(p[0], 3)
        )
        if label in order or seconds > 0
    )
    print(
        f"  cpu      {per_request:.2f} ms per request (server and its processes: {parts} ms), "
        f"{singles['server_cpu'] / elapsed:.0%} of a core; "
        f"load client {singles['client_cpu'] / elapsed:.0%}"
    )
    return per_request


async def drive_floor(base: str, args: argparse.Namespace) -> float:
    """The floor app under the same load; its CPU milliseconds per request."""
    singles = await measure_singles(base, None, load_texts(), args)
    if set(singles["statuses"]) != {201}:
        raise SystemExit(f"the floor app answered {singles['statuses']}; its figures mean nothing")
    return print_singles(
        "floor: FastAPI + SQLAlchemy, one insert (bench/floor_app.py)", singles, args
    )


async def drive(base: str, admin: str, args: argparse.Namespace, floor_ms: float | None) -> None:
    """Create an ingest key, warm up, then run both phases and print the figures."""
    texts, run = load_texts(), uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=base, timeout=30) as admin_client:
        r = await admin_client.post(
            "/v1/keys",
            json={"name": f"bench-{run}", "role": "ingest"},
            headers={"X-API-Key": admin},
        )
        r.raise_for_status()
        key = r.json()["key"]
    singles = await measure_singles(base, key, texts, args)
    ours_ms = print_singles("single POST /v1/feedback", singles, args)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as client:
        metrics = (await client.get("/metrics", headers={"X-API-Key": admin})).text
        print(f"  server   {server_quantiles(metrics, '/v1/feedback')} (its own histogram)")
        if floor_ms:
            q = statistics.quantiles(singles["latencies"], n=100, method="inclusive")
            ratio = ours_ms / floor_ms
            print(
                f"  vs floor {ratio:.2f}x the floor's CPU per request "
                f"({ours_ms:.2f} / {floor_ms:.2f} ms; target <= 3x), "
                f"p99 {q[98] * 1000:.1f} ms (target <= 50 ms at 100/s)"
            )
        if args.batches <= 0:
            return
        batches = await run_batches(client, texts, run, args)
        items = args.batch_size * len(batches["latencies"])
        print(
            f"batch POST /v1/feedback/batch  {len(batches['latencies'])} x {args.batch_size} "
            f"items, statuses {batches['statuses']}"
        )
        print(
            f"  latency  {percentiles(batches['latencies'])}  "
            f"throughput {items / sum(batches['latencies']):.0f} items/s"
        )


def run_floor(args: argparse.Namespace, workdir: Path) -> float | None:
    """Start the floor app, drive it, stop it; its CPU milliseconds per request."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(
        args, port, "", workdir, app="bench.floor_app:create_app", log_name="floor.log"
    )
    args.server_pid = proc.pid
    try:
        try:
            wait_ready(base, proc)
            return asyncio.run(drive_floor(base, args))
        except (SystemExit, Exception):
            print((workdir / "floor.log").read_text()[-3000:], file=sys.stderr)
            raise
    finally:
        stop_server(proc)


def main() -> None:
    """Parse arguments, start the floor and then our server, drive each, stop each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument(
        "--models-dir", type=Path, default=Path(os.environ.get("FEEDBACK_AI_MODELS_DIR", "models"))
    )
    parser.add_argument("--rate", type=float, default=100.0, help="single POSTs per second")
    parser.add_argument("--count", type=int, default=1500, help="single POSTs to send, at most")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="cap on the single phase")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--no-floor", action="store_true", help="skip the floor app")
    parser.add_argument(
        "--log-dir", type=Path, default=None, help="copy the servers' logs here (default: dropped)"
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="use --database-url as it is (default: a fresh database on that server, dropped after)",
    )
    args = parser.parse_args()
    if latest_version(args.models_dir) is None:
        raise SystemExit(f"no model in {args.models_dir}; run `feedback-ai train` first")
    args.models_dir = args.models_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="fai-bench-") as tmp:
        workdir = Path(tmp)
        scratches = []
        try:
            if args.database_url and not args.keep_database:
                scratches.append(scratch_database(args.database_url))
                args.database_url = scratches[-1][0]
            args.database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
            if args.database_url.startswith("sqlite"):
                args.floor_database_url = f"sqlite:///{workdir / 'floor.db'}"
            else:  # the floor gets a fresh database of its own on the same server
                scratches.append(scratch_database(args.database_url))
                args.floor_database_url = scratches[-1][0]
            backend = args.database_url.split(":", 1)[0]
            print(f"feedback-ai bench: {backend}, {os.cpu_count()} cores")
            floor_ms = None if args.no_floor else run_floor(args, workdir)
            port, admin = free_port(), generate_token()
            base = f"http://127.0.0.1:{port}"
            register_champion(args)
            proc = start_server(args, port, admin, workdir)
            args.server_pid = proc.pid
            try:
                try:
                    wait_ready(base, proc)
                    asyncio.run(drive(base, admin, args, floor_ms))
                except (SystemExit, Exception):
                    print((workdir / "server.log").read_text()[-3000:], file=sys.stderr)
                    raise
            finally:
                stop_server(proc)
        finally:
            for scratch in scratches:
                drop_database(*scratch)
            if args.log_dir is not None:
                args.log_dir.mkdir(parents=True, exist_ok=True)
                for log in workdir.glob("*.log"):
                    shutil.copy(log, args.log_dir / log.name)


if __name__ == "__main__":
    main()
