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


def _split_themes(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip()
    if not text:
        return ()
    if text.startswith("["):
        try:
            return _split_themes(json.loads(text))
        except json.JSONDecodeError as e:
            raise DataError(f"`themes` {text[:60]!r} is not a valid JSON list: {e}") from e
    for sep in ("|", ";", ","):
        if sep in text:
            return tuple(t.strip() for t in text.split(sep) if t.strip())
    return (text,)


def _example(row: object, *, origin: str, n: int, has_kind: bool, has_themes: bool) -> Example:
    if not isinstance(row, dict):
        raise DataError(f"{origin}: row {n} is not an object with a `text` field.")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"{origin}: row {n} has no `text`.")
    source = str(row.get("source") or "other")
    if source not in SOURCES:
        raise DataError(f"{origin}: row {n} has unknown source {source!r}; use one of {SOURCES}.")
    kind = row.get("kind")
    reqs = row.get("requirements")
    if isinstance(reqs, str):
        try:
            reqs = json.loads(reqs) if reqs.strip() else None
        except json.JSONDecodeError as e:
            raise DataError(f"{origin}: row {n} `requirements` is not valid JSON: {e}") from e
    requirements = None
    if reqs is not None:
        try:
            requirements = tuple(
                RequirementLabel(str(r["sentence"]), str(r["statement"])) for r in reqs
            )
        except (TypeError, KeyError) as e:
            raise DataError(
                f"{origin}: row {n} requirements need `sentence` and `statement`."
            ) from e
    kind = (str(kind).strip() or None) if has_kind and kind is not None else None
    if kind is not None and len(kind) > MAX_LABEL_CHARS:
        raise DataError(f"{origin}: row {n} `kind` is longer than {MAX_LABEL_CHARS} characters.")
    try:
        themes = _split_themes(row.get("themes")) if has_themes else None
    except DataError as e:
        raise DataError(f"{origin}: row {n}: {e}") from e
    return Example(
        text=text,
        source=source,
        kind=kind,
        themes=themes,
        requirements=requirements,
        id=str(row.get("id") or f"{Path(origin).stem}-{n}"),
    )


def read_examples(path: Path | str) -> list[Example]:
    """Read a CSV or JSONL file with a `text` column and optional `kind`, `themes`, `requirements`."""
    path = Path(path)
    try:
        if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            rows = [
                json.loads(line)
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
        elif path.suffix.lower() == ".csv":
            # utf-8-sig: spreadsheets save CSV with a byte-order mark before the header.
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
        else:
            raise DataError(f"{path}: unsupported file type; use .csv or .jsonl.")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as e:
        raise DataError(f"Cannot read {path}: {e}") from e
    if not rows:
        raise DataError(f"{path}: no rows.")
    has_kind = any(isinstance(r, dict) and r.get("kind") not in (None, "") for r in rows)
    has_themes = any(isinstance(r, dict) and "themes" in r for r in rows)
    return [
        _example(r, origin=str(path), n=n, has_kind=has_kind, has_themes=has_themes)
        for n, r in enumerate(rows, 1)
    ]


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
