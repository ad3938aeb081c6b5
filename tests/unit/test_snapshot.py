"""Dataset snapshots: the seed plus human decisions, hashed, immutable, with a fixed held-out slice."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from feedback_ai.errors import DataError
from feedback_ai.ml.themes.taxonomy import load_taxonomy
from feedback_ai.ml.training.dataset import load_golden, load_seed
from feedback_ai.ml.training.snapshot import (
    MIN_STRATUM,
    build_snapshot,
    held_out_ids,
    load_snapshot,
    save_snapshot,
)


def _d(item: str, field: str, value, at: str, text: str | None = None) -> dict:
    return {
        "item_id": item,
        "text": text or f"feedback item {item} about the export button",
        "source": "support_ticket",
        "field": field,
        "value": value,
        "decided_at": at,
    }


def _everything(snapshot) -> dict:
    return {ex.id: ex for ex in (*snapshot.train, *snapshot.held_out)}


def test_the_latest_decision_per_item_and_field_wins_whatever_the_input_order() -> None:
    decisions = [
        _d("fb-1", "kind", "bug", "2026-01-01T10:00:00Z"),
        _d("fb-1", "kind", "question", "2026-01-02T10:00:00Z"),
        _d("fb-1", "themes", ["billing_pricing"], "2026-01-01T09:00:00"),
        _d("fb-1", "themes", ["search", "performance"], "2026-01-01T11:00:00+01:00"),
    ]
    forward = build_snapshot(decisions=decisions)
    shuffled = decisions[:]
    random.Random(3).shuffle(shuffled)
    backward = build_snapshot(decisions=shuffled)
    item = _everything(forward)["fb-1"]
    assert item.kind == "question"
    # 11:00+01:00 is 10:00 UTC, later than 09:00 UTC.
    assert item.themes == ("performance", "search")
    assert forward.sha256 == backward.sha256
    assert len(forward.sha256) == 64


def test_the_hash_names_the_content() -> None:
    one = build_snapshot(decisions=[_d("fb-1", "kind", "bug", "2026-01-01T10:00:00")])
    other = build_snapshot(decisions=[_d("fb-1", "kind", "praise", "2026-01-01T10:00:00")])
    same = build_snapshot(decisions=[_d("fb-1", "kind", "bug", "2026-03-01T10:00:00")])
    assert one.sha256 != other.sha256
    assert one.sha256 == same.sha256  # when it was decided is not training data


def test_a_decision_on_a_seed_item_overrides_only_that_field() -> None:
    seed = load_seed()[0]
    new_kind = "other" if seed.kind != "other" else "bug"
    snap = build_snapshot(decisions=[_d(seed.id, "kind", new_kind, "2026-01-01", text=seed.text)])
    item = _everything(snap)[seed.id]
    assert item.kind == new_kind and item.themes == seed.themes
    assert item.requirements == seed.requirements
    assert seed.id in {ex.id for ex in snap.train}  # seed items are always trained on
    assert len(snap.train) + len(snap.held_out) == len(load_seed())


def test_requirement_sentences_accepted_and_rejected_become_labels() -> None:
    text = "Please add dark mode. The app is nice. Also export to PDF would help."
    snap = build_snapshot(
        decisions=[
            _d("fb-9", "requirement_sentence", {"sentence": "Please add dark mode.",
                                                "accepted": True, "statement": "Add dark mode"},
               "2026-01-01", text=text),
            _d("fb-9", "requirement_sentence", {"sentence": "Also export to PDF would help.",
                                                "accepted": True}, "2026-01-01", text=text),
            _d("fb-9", "requirement_sentence", {"sentence": "Also export to PDF would help.",
                                                "accepted": False}, "2026-01-02", text=text),
        ]
    )  # fmt: skip
    reqs = _everything(snap)["fb-9"].requirements
    assert [(r.sentence, r.statement) for r in reqs] == [("Please add dark mode.", "Add dark mode")]


def test_new_themes_are_appended_and_label_their_items() -> None:
    base = load_taxonomy()
    decisions = [
        _d(f"fb-{i}", "new_theme", {"id": "carbon_reporting", "name": "Carbon"}, "2026-01-01")
        for i in range(3)
    ] + [_d("", "new_theme", {"id": "carbon_reporting", "name": "Carbon reports"}, "2026-01-02")]
    snap = build_snapshot(decisions=decisions)
    assert snap.taxonomy.ids == [*base.ids, "carbon_reporting"]
    assert snap.taxonomy.get("carbon_reporting").name == "Carbon reports"
    assert all(_everything(snap)[f"fb-{i}"].themes == ("carbon_reporting",) for i in range(3))


def test_unusable_decisions_are_skipped_with_a_reason() -> None:
    snap = build_snapshot(
        decisions=[
            _d("fb-1", "themes", ["no_such_theme"], "2026-01-01"),
            _d("fb-2", "colour", "red", "2026-01-01"),
            _d("fb-3", "kind", "bug", "yesterday"),
            _d("fb-4", "kind", "", "2026-01-01"),
            _d("fb-5", "requirement_sentence", {"sentence": "x"}, "2026-01-01"),
            _d("fb-6", "kind", "bug", "2026-01-01", text="   "),
            _d("fb-7", "kind", "bug", "2026-01-01"),
            _d("fb-8", "kind", "bug", "2026-01-01", text=load_golden()[0].text),
        ]
    )
    reasons = {s.item_id: s.reason for s in snap.skipped}
    assert set(reasons) == {"fb-1", "fb-2", "fb-3", "fb-4", "fb-5", "fb-6", "fb-8"}
    assert "golden" in reasons["fb-8"]  # never trained on the set that judges it
    assert "no_such_theme" in reasons["fb-1"] and "ISO 8601" in reasons["fb-3"]
    assert "fb-7" in _everything(snap) and "fb-1" not in _everything(snap)


def _reviewed(n: int, start: int = 0) -> list[dict]:
    kinds = ["bug", "praise", "question", "complaint"]
    return [
        _d(f"fb-{i}", "kind", kinds[i % len(kinds)], "2026-01-01") for i in range(start, start + n)
    ]


def test_the_held_out_slice_is_never_trained_on_and_stays_fixed_as_reviews_grow() -> None:
    small = build_snapshot(decisions=_reviewed(200))
    big = build_snapshot(decisions=_reviewed(200) + _reviewed(300, start=200))
    held_small = {ex.id for ex in small.held_out}
    held_big = {ex.id for ex in big.held_out}
    assert 0.1 < len(held_small) / 200 < 0.3
    assert held_small <= held_big  # once held out, held out for ever
    trained_small = {ex.id for ex in small.train if ex.id.startswith("fb-")}
    assert not trained_small & held_big  # and nothing trained on before is ever held out later
    assert not held_big & {ex.id for ex in big.train}
    assert all(ex.id.startswith("fb-") for ex in big.held_out)  # the seed is never held out


def test_every_label_with_enough_reviews_is_in_the_held_out_slice() -> None:
    snap = build_snapshot(decisions=_reviewed(40))
    new = [_d(f"nt-{i}", "new_theme", {"id": "esg"}, "2026-01-01") for i in range(MIN_STRATUM)]
    snap = build_snapshot(decisions=_reviewed(40) + new)
    held_kinds = {ex.kind for ex in snap.held_out if ex.kind}
    assert held_kinds == {"bug", "praise", "question", "complaint"}
    assert any(ex.themes == ("esg",) for ex in snap.held_out)
    assert held_out_ids([], fraction=0.2) == set()


def test_save_and_load_round_trip_and_refuse_tampering(tmp_path: Path) -> None:
    snap = build_snapshot(decisions=_reviewed(30))
    path = save_snapshot(snap, tmp_path / "snapshot.jsonl")
    loaded = load_snapshot(path)
    assert loaded.sha256 == snap.sha256
    assert loaded.train == tuple(snap.train) and loaded.held_out == snap.held_out
    assert loaded.taxonomy.ids == snap.taxonomy.ids
    assert save_snapshot(loaded, path) == path  # the same snapshot again is fine
    with pytest.raises(DataError, match="immutable"):
        save_snapshot(build_snapshot(decisions=_reviewed(31)), path)
    lines = path.read_text().splitlines()
    row = json.loads(lines[5])
    row["kind"] = "praise" if row["kind"] != "praise" else "bug"
    lines[5] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="sha256"):
        load_snapshot(path)
