"""How a job reads its file: the options stored with it (and part of its fingerprint)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from feedback_ai.errors import FeedbackAIError
from feedback_ai.imports import ImportFormatError, detect_format, get_preset, load_mapping
from feedback_ai.imports.mapping import mapping_from

MAPPING_FLAGS = ("text_columns", "id_column", "date_column", "account_column",
                 "account_name_column", "arr_column", "source")  # fmt: skip


class PathNotAllowed(FeedbackAIError):
    """A server-side path outside the import folder, or no folder configured (answered 422)."""


def import_options(
    *,
    path: Path,
    preset: str | None = None,
    fmt: str | None = None,
    mapping_file: Path | None = None,
    mapping: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The resolved options of an import; ImportFormatError when they cannot work."""
    given = {k: v for k, v in (overrides or {}).items() if v not in (None, (), [])}
    chosen = get_preset(preset) if preset else None
    resolved = None
    if mapping_file is not None:
        resolved = load_mapping(mapping_file, **given)
    elif mapping is not None or given:
        base = asdict(chosen.mapping) if chosen is not None else {}
        resolved = mapping_from(base | (mapping or {}) | given)
    if chosen is None and resolved is None:
        raise ImportFormatError("give a preset, a text column or a mapping")
    fmt = fmt or (chosen.format if chosen else None) or detect_format(path)
    # Stored resolved: the job reads the same way later, even if the mapping file changed.
    return {"preset": preset, "format": fmt, "mapping": asdict(resolved) if resolved else None}


def inside_import_dir(import_dir: Path | None, given: str) -> Path:
    """The real path of `given` if it is a file inside `import_dir` (symlinks and .. resolved)."""
    if import_dir is None:
        raise PathNotAllowed("imports from server paths are off; set FEEDBACK_AI_IMPORT_DIR")
    base = import_dir.resolve()
    candidate = Path(given)
    candidate = candidate if candidate.is_absolute() else base / candidate
    real = candidate.resolve()
    if not real.is_relative_to(base):
        raise PathNotAllowed(f"{given!r} is outside the import folder")
    if not real.is_file():
        raise PathNotAllowed(f"{given!r} is not a file in the import folder")
    return real
