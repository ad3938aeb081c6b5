"""An immutable, hashed dataset snapshot: the bundled seed plus every human decision.

The snapshot is what a retrain trains on, saved as JSONL beside the model it produced, so the model
card can name its data by hash and anyone can rebuild that exact model. Its sha256 is taken over a
canonical serialisation (sorted keys, examples sorted by split and id), so the same seed and
decisions always give the same hash whatever order the decisions arrived in.

A fixed slice of the reviewed items is held out and never trained on; the promotion gate scores
champion and challenger on it. An item is held out when the hash of its id falls in the first
HELD_OUT_FRACTION of the hash range, so the slice is stable across retrains: an item held out once
is held out in every later snapshot and never leaks into a challenger's training data. To keep the
slice stratified, every label carried by at least MIN_STRATUM reviewed items has at least one held-out
item (the one with the smallest hash).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from feedback_ai.errors import DataError
from feedback_ai.ml.themes.taxonomy import Taxonomy, load_taxonomy, taxonomy_from_dict
from feedback_ai.ml.training.dataset import Example, RequirementLabel, load_golden, load_seed
from feedback_ai.ml.training.decisions import (
    Decision,
    ItemLabels,
    SkippedDecision,
    new_themes,
    requirement_labels,
    resolve,
)

FORMAT = "feedback-ai-snapshot/1"
SNAPSHOT_FILE = "snapshot.jsonl"
HELD_OUT_FRACTION = 0.2
MIN_STRATUM = 5


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Training and held-out examples, the taxonomy they use, and the sha256 naming them."""

    taxonomy: Taxonomy
    train: tuple[Example, ...]
    held_out: tuple[Example, ...]
    sha256: str
    n_decisions: int = 0
    skipped: tuple[SkippedDecision, ...] = ()


def holdout_bucket(item_id: str) -> float:
    """Where an item id falls in [0, 1): the same for ever, whatever else is in the snapshot."""
    digest = hashlib.sha256(f"feedback-ai-holdout:{item_id}".encode()).hexdigest()
    return int(digest[:12], 16) / 16**12


def _strata(ex: Example) -> list[str]:
    labels = [f"kind:{ex.kind}"] if ex.kind else []
    labels += [f"theme:{t}" for t in ex.themes or ()]
    return labels + (["requirement"] if ex.requirements else [])


def held_out_ids(reviewed: list[Example], *, fraction: float = HELD_OUT_FRACTION) -> set[str]:
    """The ids of the reviewed items never to train on (see the module docstring)."""
    held = {ex.id for ex in reviewed if holdout_bucket(ex.id) < fraction}
    by_label: dict[str, list[Example]] = defaultdict(list)
    for ex in reviewed:
        for label in _strata(ex):
            by_label[label].append(ex)
    for label in sorted(by_label):
        members = by_label[label]
        if fraction > 0 and len(members) >= MIN_STRATUM and not any(e.id in held for e in members):
            held.add(min(members, key=lambda e: holdout_bucket(e.id)).id)
    return held


def _example(item: ItemLabels, seed: Example | None) -> Example:
    base = seed or Example(text=item.text, source=item.source, id=item.item_id)
    return replace(
        base,
        text=item.text,
        source=item.source,
        kind=item.kind if item.kind is not None else base.kind,
        themes=tuple(item.themes) if item.themes is not None else base.themes,
        requirements=requirement_labels(item, base.requirements),
    )


def build_snapshot(
    *,
    decisions: Sequence[Decision | dict],
    taxonomy: Taxonomy | None = None,
    seed: list[Example] | None = None,
    held_out_fraction: float = HELD_OUT_FRACTION,
) -> Snapshot:
    """The seed plus the decisions (latest per item and field wins), split into train and held out.

    `taxonomy` is the champion's (the bundled one by default); accepted new themes are appended
    after its themes, so existing theme ids and their order never change.
    """
    records = [d if isinstance(d, Decision) else Decision.from_dict(d) for d in decisions]
    base = taxonomy or load_taxonomy()
    added = [t for t in new_themes(records) if base.get(t.id) is None]
    full = Taxonomy(themes=(*base.themes, *added))
    items, skipped = resolve(records, known_themes=set(full.ids))
    # The golden set judges every model: an item with a golden text is never trained on.
    golden = {ex.text.strip() for ex in load_golden()}
    for item_id in [i for i, item in items.items() if item.text.strip() in golden]:
        skipped.append(SkippedDecision(item_id, "*", "its text is in the golden set"))
        del items[item_id]
    seed_examples = {ex.id: ex for ex in (load_seed() if seed is None else seed)}
    decided = [_example(item, seed_examples.get(i)) for i, item in items.items()]
    reviewed = [ex for ex in decided if ex.id not in seed_examples]
    held = held_out_ids(reviewed, fraction=held_out_fraction)
    # `row` (a line number in some file) is no part of the data: it is reset so loads compare equal.
    merged = {
        i: replace(ex, row=0) for i, ex in {**seed_examples, **{e.id: e for e in decided}}.items()
    }
    train = tuple(merged[i] for i in sorted(merged) if i not in held)
    held_out = tuple(merged[i] for i in sorted(held))
    return Snapshot(
        taxonomy=full,
        train=train,
        held_out=held_out,
        sha256=_digest(_lines(full, train, held_out)),
        n_decisions=len(records),
        skipped=tuple(skipped),
    )


def _record(ex: Example, split: str) -> dict:
    reqs = None if ex.requirements is None else [[r.sentence, r.statement] for r in ex.requirements]
    themes = None if ex.themes is None else list(ex.themes)
    return {
        "split": split,
        "id": ex.id,
        "text": ex.text,
        "source": ex.source,
        "kind": ex.kind,
        "themes": themes,
        "requirements": reqs,
    }


def _dumps(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _lines(taxonomy: Taxonomy, train: tuple, held_out: tuple) -> list[str]:
    """The canonical serialisation the hash is taken over: the taxonomy, then every example."""
    return [
        _dumps({"taxonomy": taxonomy.to_dict()}),
        *(_dumps(_record(ex, "train")) for ex in train),
        *(_dumps(_record(ex, "held_out")) for ex in held_out),
    ]


def _digest(lines: list[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def save_snapshot(snapshot: Snapshot, path: Path | str) -> Path:
    """Write the snapshot as JSONL (a header line, then the hashed lines); never overwrite another."""
    path = Path(path)
    if path.is_file():
        if load_snapshot(path).sha256 == snapshot.sha256:
            return path
        raise DataError(f"{path} holds another snapshot; snapshots are immutable.")
    header = {
        "format": FORMAT,
        "sha256": snapshot.sha256,
        "n_train": len(snapshot.train),
        "n_held_out": len(snapshot.held_out),
        "n_decisions": snapshot.n_decisions,
        "skipped": [skipped_dict(s) for s in snapshot.skipped],
    }
    body = _lines(snapshot.taxonomy, snapshot.train, snapshot.held_out)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join([_dumps(header), *body]) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a snapshot
    return path


def skipped_dict(s: SkippedDecision) -> dict:
    """A skipped decision as a plain dict."""
    return {"item_id": s.item_id, "field": s.field, "reason": s.reason}


def load_snapshot(path: Path | str) -> Snapshot:
    """Read a saved snapshot; refuse one whose content no longer matches its sha256."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        header, body = json.loads(lines[0]), lines[1:]
        if header.get("format") != FORMAT:
            raise DataError(f"{path}: not a {FORMAT} file.")
        if _digest(body) != header.get("sha256"):
            raise DataError(f"{path}: content does not match its sha256; it was modified.")
        taxonomy = taxonomy_from_dict(json.loads(body[0])["taxonomy"], origin=str(path))
        rows = [json.loads(line) for line in body[1:]]
    except (OSError, IndexError, KeyError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"Cannot read snapshot {path}: {e}") from e
    split: dict[str, list[Example]] = {"train": [], "held_out": []}
    for r in rows:
        reqs = r["requirements"]
        split[r["split"]].append(
            Example(
                text=r["text"],
                source=r["source"],
                kind=r["kind"],
                themes=None if r["themes"] is None else tuple(r["themes"]),
                requirements=None if reqs is None else tuple(RequirementLabel(*x) for x in reqs),
                id=r["id"],
            )
        )
    return Snapshot(
        taxonomy=taxonomy,
        train=tuple(split["train"]),
        held_out=tuple(split["held_out"]),
        sha256=header["sha256"],
        n_decisions=int(header.get("n_decisions", 0)),
        skipped=tuple(SkippedDecision(**s) for s in header.get("skipped", [])),
    )
