"""Service configuration, read from FEEDBACK_AI_* environment variables."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_TEXT_CHARS = 20_000
MAX_BATCH_ITEMS = 1_000
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_REQUEST_CHARS = 1_000_000
API_KEY_PATTERN = re.compile(r"^fai_[0-9a-f]{12}_[A-Za-z0-9_-]{32,}$")


class Settings(BaseSettings):
    """Everything the service, the CLI and the tests can configure."""

    model_config = SettingsConfigDict(env_prefix="FEEDBACK_AI_", extra="ignore")

    database_url: str = "sqlite:///./var/feedback.db"
    models_dir: Path = Path("models")
    # Pin one registered model (version or directory); otherwise the champion is served.
    model_version: str | None = None
    # Seconds between two reads of the champion pointer; 0 turns the watch off (no hot swap).
    model_watch_s: float = Field(3.0, ge=0)
    max_text_chars: int = MAX_TEXT_CHARS
    max_batch_items: int = MAX_BATCH_ITEMS
    max_body_bytes: int = MAX_BODY_BYTES
    # Characters of text (after Unicode normalisation) one request may hold in all: the model's
    # time and memory grow with it (a 1,000 x 10,400-character classify took 3.9 GB).
    max_request_chars: int = Field(MAX_REQUEST_CHARS, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    bootstrap_admin_key: SecretStr | None = None
    migrate_on_start: bool = True
    # Score in a worker process (a second core) instead of a thread of the server process.
    inference_process: bool = True
    # Inference worker processes; a large batch is split across them. One per spare core:
    # on 2 cores the server process needs the other one.
    inference_workers: int = Field(1, ge=1, le=16)
    # How long a single item may wait for others to share its model call, while items arrive
    # closer together than this (a stream): predict's fixed cost per call is then shared. 0: off.
    inference_linger_ms: float = Field(15.0, ge=0, le=200)
    worker_threads: int = 8
    # A Dask scheduler (tcp://host:8786) to score imports and rescoring on; unset: this machine.
    dask_scheduler: str | None = None
    db_busy_timeout_ms: int = 5_000
    db_connect_timeout_s: int = 5
    retry_after_s: int = 5
    # Seconds an authenticated key is remembered (no database read per request). A key revoked
    # through another process (the CLI, another server) keeps working at most this long; one
    # revoked through this server stops at once. 0 turns the cache off.
    key_cache_ttl_s: float = Field(1.0, ge=0, le=60)
    # /metrics: "off" (404), "public" (anyone who reaches the port), or "key": an admin API key,
    # or metrics_token, sent as X-API-Key or Authorization: Bearer (Prometheus' bearer_token).
    # False: keep no original text at all; the masked text is stored in its place (also for the
    # account name, the metadata and the candidate requirements' sentences).
    store_raw_text: bool = True
    # Imports over HTTP: server-side paths must lie inside import_dir (None: refused); uploads
    # are streamed to import_upload_dir, at most max_upload_bytes each.
    import_dir: Path | None = None
    import_upload_dir: Path = Path("var/uploads")
    max_upload_bytes: int = Field(2 * 1024**3, ge=1)
    import_batch_size: int = Field(500, ge=1, le=10_000)
    # Work import jobs in this process (off: it only queues them; another process works them).
    run_jobs: bool = True
    job_poll_s: float = Field(2.0, gt=0)
    job_lease_s: float = Field(60.0, gt=0)
    metrics_access: Literal["off", "public", "key"] = "key"
    metrics_token: SecretStr | None = None
    # Review UI sessions: a browser stays logged in this long after its last request.
    session_idle_minutes: int = Field(8 * 60, ge=5, le=7 * 24 * 60)
    # POSTed, signed (HMAC-SHA256 with webhook_secret), when a requirement is accepted.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_attempts: int = Field(5, ge=1, le=20)
    webhook_backoff_s: float = Field(1.0, ge=0.0, le=300.0)
    webhook_timeout_s: float = Field(5.0, gt=0.0, le=60.0)
    # Review queue: how long opening an item leases it to one reviewer; which feedback counts as
    # unsure enough to review; how often new items are queued (0: only on POST /v1/review/sync).
    review_lease_s: int = Field(300, ge=10, le=86_400)
    review_uncertainty_min: float = Field(0.5, ge=0.0, le=1.0)
    review_sync_interval_s: float = Field(30.0, ge=0.0)
    review_ordering: str = "priority_uncertainty"

    @field_validator("max_text_chars")
    @classmethod
    def _text_limit(cls, value: int) -> int:
        if not 1 <= value <= MAX_TEXT_CHARS:
            raise ValueError(f"must be between 1 and {MAX_TEXT_CHARS}")
        return value

    @field_validator("max_batch_items")
    @classmethod
    def _batch_limit(cls, value: int) -> int:
        if not 1 <= value <= MAX_BATCH_ITEMS:
            raise ValueError(f"must be between 1 and {MAX_BATCH_ITEMS}")
        return value

    @field_validator("bootstrap_admin_key")
    @classmethod
    def _strong_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not API_KEY_PATTERN.match(value.get_secret_value()):
            raise ValueError(
                "must look like a key made by `feedback-ai keys create` "
                "(fai_<12 hex>_<at least 32 url-safe chars>); placeholders are refused"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
