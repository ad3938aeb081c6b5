"""Worker processes name themselves, so that ps, top and bench/api_load.py can tell them apart."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from feedback_ai import inference
from feedback_ai.db import make_engine, make_sessionmaker, migrate
from feedback_ai.requirements import linking

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process names are Linux /proc")


def _own_name() -> str:
    return Path("/proc/self/comm").read_text().strip()


def test_the_linker_process_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'linker.db'}"
    engine = make_engine(url)
    migrate(engine)
    linker = linking.Linker(make_sessionmaker(engine), process_url=url, niceness=0).start()
    try:
        assert linker._pool is not None
        assert linker._pool.submit(_own_name).result(timeout=60) == "fai-linker"
    finally:
        linker.close()
        engine.dispose()


def test_the_inference_worker_is_named_before_it_loads_the_model(tmp_path: Path) -> None:
    # No model: the worker names itself, reports the failed load and ends; not yet joined, its
    # /proc entry stays readable.
    worker = inference._Worker(tmp_path / "no-model")
    try:
        with pytest.raises(RuntimeError, match="could not load the model"):
            worker.wait_ready()
        assert Path(f"/proc/{worker.process.pid}/comm").read_text().strip() == "fai-inference"
    finally:
        worker.close()


def test_our_process_keeps_its_name_if_proc_is_not_writable(monkeypatch) -> None:
    from feedback_ai import lifeline

    def refuse(self, *args, **kwargs):
        raise PermissionError("read-only /proc")

    monkeypatch.setattr(Path, "write_text", refuse)
    lifeline.name_process("fai-anything")  # no error
