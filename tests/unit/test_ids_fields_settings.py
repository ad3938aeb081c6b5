"""Stable ids, strict field checks and settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr, ValidationError

from feedback_ai.fields import check_datetime, check_metadata, check_not_blank, check_text
from feedback_ai.ids import new_id
from feedback_ai.settings import Settings, get_settings


class TestNewId:
    """UUIDv7 strings."""

    def test_unique_sorted_and_version_7(self) -> None:
        ids = [new_id() for _ in range(5000)]
        assert len(set(ids)) == len(ids)
        assert ids == sorted(ids)
        parsed = uuid.UUID(ids[0])
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        ms = int(ids[0].replace("-", "")[:12], 16)
        assert abs(ms / 1000 - datetime.now(UTC).timestamp()) < 5


class TestFieldChecks:
    """Validators shared by every schema."""

    @pytest.mark.parametrize("bad", ["a\x00b", "lone \ud800 surrogate"])
    def test_text_refuses_nul_and_surrogates(self, bad: str) -> None:
        with pytest.raises(ValueError, match=r"NUL|UTF-8"):
            check_text(bad)

    def test_blank(self) -> None:
        assert check_not_blank(" x ") == " x "
        with pytest.raises(ValueError, match="whitespace"):
            check_not_blank("\n\t ")

    def test_datetime_naive_is_utc_and_range_is_bounded(self) -> None:
        assert check_datetime(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
        east = datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
        assert check_datetime(east) == datetime(2026, 1, 1, tzinfo=UTC)
        for bad in (
            datetime(1900, 1, 1),
            datetime(9999, 12, 31, tzinfo=timezone(timedelta(hours=-23))),
        ):
            with pytest.raises(ValueError, match="out of range"):
                check_datetime(bad)

    def test_metadata_limits(self) -> None:
        assert check_metadata({"a": [1, 2.5, {"b": None}]})
        for bad in (
            {"a": float("inf")},
            {"a\x00": 1},
            {"a": "x" * 17_000},
            {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}},
        ):
            with pytest.raises(ValueError):
                check_metadata(bad)


class TestSettings:
    """Configuration from FEEDBACK_AI_* variables."""

    def test_defaults_and_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FEEDBACK_AI_PORT", "9123")
        monkeypatch.setenv("FEEDBACK_AI_LOG_LEVEL", "debug")
        s = Settings()
        assert s.port == 9123 and s.log_level == "DEBUG"
        assert s.database_url == "sqlite:///./var/feedback.db"
        assert (s.max_text_chars, s.max_batch_items, s.max_body_bytes) == (
            20_000,
            1_000,
            10 * 1024 * 1024,
        )

    def test_get_settings_is_cached(self) -> None:
        assert get_settings() is get_settings()

    def test_placeholder_bootstrap_key_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="placeholders are refused"):
            Settings(bootstrap_admin_key=SecretStr("changeme"))
        good = "fai_0123456789ab_" + "A" * 43
        assert Settings(bootstrap_admin_key=SecretStr(good)).bootstrap_admin_key

    def test_limits_cannot_exceed_the_documented_maxima(self) -> None:
        with pytest.raises(ValidationError):
            Settings(max_text_chars=50_000)
        assert Settings(max_batch_items=10).max_batch_items == 10
