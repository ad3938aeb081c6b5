"""Worker processes end when the process that started them dies (even by kill -9)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

CHECK_EVERY_S = 0.5


def exit_with_parent(parent_pid: int, *, every_s: float = CHECK_EVERY_S) -> None:
    """In a worker process: exit soon after `parent_pid` is gone.

    A daemon thread polls the parent pid. prctl(PR_SET_PDEATHSIG) was not used: it fires when
    the parent *thread* that started the child exits, and our workers are started from pool
    threads that come and go. A worker busy in a long batch, or a ProcessPoolExecutor worker
    (whose queue it holds both ends of, so it never sees EOF), would otherwise live on with its
    database connection.
    """
    if os.getppid() != parent_pid:  # the parent died before we got here
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_s)
        os._exit(1)  # no cleanup: the parent that would want the results is gone

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def name_process(name: str) -> None:
    """Show this process as `name` in ps, top and /proc/PID/comm (Linux; 15 bytes at most).

    Worker processes are otherwise all "python", and an operator (or bench/api_load.py, which
    prints each one's CPU per request) cannot tell the inference worker from the linker.
    Called from the process's main thread, whose name is the process's. Elsewhere a no-op.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(name.encode()[:15].decode(errors="ignore"))
