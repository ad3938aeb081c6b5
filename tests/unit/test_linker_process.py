"""The linker's own process connects as its parent was configured to."""

from __future__ import annotations

from pathlib import Path

from feedback_ai.db import make_engine, make_sessionmaker, migrate
from feedback_ai.requirements import linking


def _busy_timeout_in_worker() -> int:
    # Runs in the linker's process, on the engine that _init_worker made there.
    assert linking._worker_sessionmaker is not None
    with linking._worker_sessionmaker() as session:
        return int(session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def test_the_linker_process_waits_for_the_write_lock_as_long_as_configured(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'linker.db'}"
    engine = make_engine(url, busy_timeout_ms=1_234)
    migrate(engine)
    # A process URL on SQLite is what `feedback-ai import` passes: its linker writes beside
    # the importer and must wait for the lock as long as FEEDBACK_AI_DB_BUSY_TIMEOUT_MS says.
    linker = linking.Linker(
        make_sessionmaker(engine), process_url=url, niceness=0, busy_timeout_ms=1_234
    ).start()
    try:
        assert linker._pool is not None
        assert linker._pool.submit(_busy_timeout_in_worker).result(timeout=60) == 1_234
    finally:
        linker.close()
        engine.dispose()
