"""The raw record every reader yields: a dict of fields, or the reason it could not be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RawRecord:
    """One logical row of a file before mapping; `data` is None when `reason` says why."""

    row_number: int
    data: dict[str, Any] | None
    raw: str
    reason: str | None = None
    message: str = ""
