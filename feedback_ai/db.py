"""Database engine, sessions, the typed declarative base and migrations."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, cast

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import CursorResult, Dialect, Result, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; naive values are taken as UTC already."""
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table of the service."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


# A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """pool_pre_ping, but only for connections that sat idle: a request checks a connection out
    three times (key, read, write), and three pings were a quarter of its round trips. A server
    that went away within the last second still fails one query, which answers 503 Retry-After.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # any failure of the ping means: use another connection
            raise DisconnectionError("connection failed its ping") from e
        if not alive:
            raise DisconnectionError("connection failed its ping")


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _json_dumps(value: Any) -> str:
    # Every stored prediction carries four JSON columns; the standard encoder took ~6% of an
    # import's writer process. Non-string keys become strings, as json.dumps does.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# Both dialects encode and decode JSON columns with these (engine-level, one place).
_JSON = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


# Idle SQLite connections kept open for reuse (more are opened on demand, never waited for).
SQLITE_POOL_SIZE = 20


def make_engine(url: str, *, busy_timeout_ms: int = 5_000, connect_timeout_s: int = 5) -> Engine:
    """An engine for SQLite (WAL, busy timeout, foreign keys) or PostgreSQL (psycopg 3)."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(
            url,
            pool_size=10,
            max_overflow=10,
            pool_timeout=connect_timeout_s,
            connect_args={"connect_timeout": connect_timeout_s},
            **_JSON,
        )
        _ping_idle_connections(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        # A SQLite connection is an open file in this process, so the pool has no server to
        # protect; what bounds the connections in use is the threads that can hold one (the
        # request thread pool and a few workers). With the default cap (5 + 10 overflow, 30 s
        # wait), a retry storm of 30 posts made requests queue for a connection instead of the
        # write lock and answered 503 after 30 s (CI, tests/attacks/test_retry_storm.py). Waits
        # belong to the write lock, which has its own timeout and error.
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=-1,
        **_JSON,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that rolls back on error and always closes."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


@contextmanager
def serialized_writes(session: Session, *, timeout_s: float = 5.0) -> Iterator[None]:
    """On SQLite, let one thread of this process write at a time.

    SQLite allows one writer; threads that collide fall into its busy handler, which sleeps in
    steps of up to 100 ms. Queueing on a lock instead keeps write latency to the write itself.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    with _write_locks_guard:
        lock = _write_locks.setdefault(str(bind.engine.url), threading.Lock())
    # Take a pooled connection first: a thread that waited for one while holding the lock made
    # every writer behind it time out when the pool was drained by readers (a retry storm).
    session.connection()
    if not lock.acquire(timeout=timeout_s):
        raise OperationalError("serialized write", None, TimeoutError("database is busy"))
    try:
        yield
    finally:
        lock.release()


def autocommit_reads(session: Session) -> None:
    """Run the session's next statements without BEGIN/COMMIT, until its next commit.

    For short reads on a database server (the API key, the replay check) this turns three round
    trips into one. A no-op on SQLite (in-process, no round trips) or inside a transaction.
    """
    if session.in_transaction() or session.get_bind().dialect.name == "sqlite":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def is_unavailable(exc: BaseException) -> bool:
    """Whether a database error means 'unreachable or busy, try again later'."""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def ping(engine: Engine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeoutError):
        return False
    return True


def load_all_models() -> None:
    """Import every domain's models module (feedback_ai/<domain>/models.py) into Base.metadata."""
    package = Path(__file__).parent
    for models_file in sorted(package.glob("*/models.py")):
        importlib.import_module(f"feedback_ai.{models_file.parent.name}.models")


def head_revision() -> str | None:
    """The newest revision shipped in feedback_ai/migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for migrations; on SQLite, without foreign keys meanwhile.

    SQLite alters a column by copying the table and dropping the old one; with foreign keys on,
    that drop would cascade-delete the rows that reference it (a prediction's themes and
    candidates). So they are off while migrating and checked before the commit.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # ignored inside a transaction
            conn.commit()
        try:
            with conn.begin():
                yield conn
                broken = (
                    conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
                )
                if broken:
                    raise RuntimeError(f"migration would leave dangling foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def migrate(engine: Engine, *, revision: str = "head", down: bool = False) -> str | None:
    """Upgrade (or, with down=True, downgrade) to `revision`; return the revision reached."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (its result is a CursorResult; Result's type hides it)."""
    return int(cast(CursorResult[Any], result).rowcount)
