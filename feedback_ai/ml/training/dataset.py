"""Training data: the bundled seed, or a user's CSV/JSONL with their own labels."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from feedback_ai.errors import DataError
from feedback_ai.ml.types import SOURCES

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SEED_DIR = DATA_DIR / "seed"
GOLDEN_PATH = DATA_DIR / "golden" / "golden.jsonl"
# Labels are stored beside predictions; keep them short enough for any database column.
MAX_LABEL_CHARS = 64


@dataclass(frozen=True, slots=True)
class RequirementLabel:
    """An annotated requirement sentence and the statement it should become."""

    sentence: str
    statement: str


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled item. `kind`/`themes`/`requirements` are None when the file does not label them."""

    text: str
    source: str = "other"
    kind: str | None = None
    themes: tuple[str, ...] | None = None
    requirements: tuple[RequirementLabel, ...] | None = None
    id: str = ""
    extra: dict = field(default_factory=dict)
    row: int = 0  # where it came from in its file (see SkippedRow), for messages


class RowError(ValueError):
    """Why one row of a training file cannot be used."""


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row left out of training: its number (JSONL line, or CSV record after the header) and why."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row} {self.reason}"


@dataclass(frozen=True, slots=True)
class Dataset:
    """The usable examples of a file, and every row that was skipped with its reason."""

    examples: list[Example]
    skipped: list[SkippedRow]
    n_rows: int


def _split_themes(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        if not all(isinstance(v, str | int | float) for v in value):
            raise RowError("`themes` must be a list of labels")
        return tuple(str(v).strip() for v in value if str(v).strip())
    if not isinstance(value, str | int | float):
        raise RowError("`themes` must be a list of labels or a string")
    text = str(value).strip()
    if not text:
        return ()
    if text.startswith("["):
        try:
            return _split_themes(json.loads(text))
        except json.JSONDecodeError as e:
            raise RowError(f"`themes` {text[:60]!r} is not a valid JSON list: {e}") from e
    for sep in ("|", ";", ","):
        if sep in text:
            return tuple(t.strip() for t in text.split(sep) if t.strip())
    return (text,)


def _requirements(value: object) -> tuple[RequirementLabel, ...] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else None
        except json.JSONDecodeError as e:
            raise RowError(f"`requirements` is not valid JSON: {e}") from e
    if value is None:
        return None
    try:
        return tuple(
            RequirementLabel(str(r["sentence"]), str(r["statement"]))
            for r in value  # type: ignore[attr-defined]  # not iterable: TypeError below
        )
    except (TypeError, KeyError) as e:
        raise RowError("requirements need `sentence` and `statement`") from e


def _kind(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise RowError(f"`kind` must be one label, got {type(value).__name__}")
    kind = str(value).strip() or None
    if kind is not None and len(kind) > MAX_LABEL_CHARS:
        raise RowError(f"`kind` is longer than {MAX_LABEL_CHARS} characters")
    return kind


def _example(row: object, *, origin: str, n: int, has_kind: bool, has_themes: bool) -> Example:
    """One row as an Example; raises RowError saying why the row cannot be used."""
    if not isinstance(row, dict):
        raise RowError("is not an object with a `text` field")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RowError("has no `text`")
    source = str(row.get("source") or "other")
    if source not in SOURCES:
        raise RowError(f"has unknown source {source[:40]!r}; use one of {SOURCES}")
    return Example(
        text=text,
        source=source,
        kind=_kind(row.get("kind")) if has_kind else None,
        themes=_split_themes(row.get("themes")) if has_themes else None,
        requirements=_requirements(row.get("requirements")),
        id=str(row.get("id") or f"{Path(origin).stem}-{n}"),
        row=n,
    )


def _jsonl_rows(path: Path) -> tuple[list[tuple[int, object]], list[SkippedRow]]:
    """(line number, parsed object) of every non-blank line; undecodable lines are skipped."""
    rows: list[tuple[int, object]] = []
    bad: list[SkippedRow] = []
    for n, raw in enumerate(path.read_bytes().splitlines(), 1):
        try:
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            if line.strip():
                rows.append((n, json.loads(line)))
        except UnicodeDecodeError:
            bad.append(SkippedRow(n, "is not UTF-8 text"))
        except json.JSONDecodeError as e:
            bad.append(SkippedRow(n, f"is not valid JSON ({e.msg} at column {e.colno})"))
    return rows, bad


def read_dataset(path: Path | str) -> Dataset:
    """Read a CSV or JSONL file with a `text` column and optional `kind`, `themes`, `requirements`.

    Rows that cannot be used are skipped, each with its reason; only a file that cannot be read at
    all (missing, wrong type, not UTF-8 CSV, no rows) is an error.
    """
    path = Path(path)
    skipped: list[SkippedRow] = []
    try:
        if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            rows, skipped = _jsonl_rows(path)
        elif path.suffix.lower() == ".csv":
            # utf-8-sig: spreadsheets save CSV with a byte-order mark before the header.
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(enumerate(csv.DictReader(f), 1))
        else:
            raise DataError(f"{path}: unsupported file type; use .csv or .jsonl.")
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"Cannot read {path}: {e}") from e
    if not rows and not skipped:
        raise DataError(f"{path}: no rows.")
    dicts = [r for _, r in rows if isinstance(r, dict)]
    has_kind = any(r.get("kind") not in (None, "") for r in dicts)
    has_themes = any("themes" in r for r in dicts)
    examples: list[Example] = []
    for n, row in rows:
        try:
            examples.append(
                _example(row, origin=str(path), n=n, has_kind=has_kind, has_themes=has_themes)
            )
        except RowError as e:
            skipped.append(SkippedRow(n, str(e)))
    skipped.sort(key=lambda s: s.row)
    return Dataset(examples=examples, skipped=skipped, n_rows=len(examples) + len(skipped))


def read_examples(path: Path | str) -> list[Example]:
    """Every row of a file as an Example; any row that cannot be used is an error naming it."""
    dataset = read_dataset(path)
    if dataset.skipped:
        raise DataError(f"{path}: {dataset.skipped[0]}.")
    return dataset.examples


def load_seed() -> list[Example]:
    """The bundled, hand-written training set."""
    files = sorted(SEED_DIR.glob("*.jsonl"))
    if not files:
        raise DataError(f"No seed data under {SEED_DIR}; reinstall feedback-ai.")
    return [ex for f in files for ex in read_examples(f)]


def load_golden() -> list[Example]:
    """The bundled golden evaluation set; never used for training."""
    return read_examples(GOLDEN_PATH)


def data_hash(examples: list[Example]) -> str:
    """sha256 over the labelled content, independent of file layout."""
    digest = hashlib.sha256()
    for ex in examples:
        record = [
            ex.text,
            ex.source,
            ex.kind,
            ex.themes,
            ex.requirements and [(r.sentence, r.statement) for r in ex.requirements],
        ]
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()
