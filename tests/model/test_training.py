"""Training on a user's own file: their taxonomy, and heads skipped when a column is missing."""

import csv
import json
from pathlib import Path

import pytest

from feedback_ai.errors import DataError
from feedback_ai.ml import FeedbackInput, load_model, predict
from feedback_ai.ml.training.dataset import load_seed
from feedback_ai.ml.training.fit import FitConfig
from feedback_ai.ml.training.train import train_model

FAST = FitConfig(use_embeddings=False)


def _write_csv(path: Path, rows: list[dict], fields: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in fields})
    return path


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [
        {"text": ex.text, "kind": ex.kind, "themes": "|".join(ex.themes or ())}
        for ex in load_seed()[:600]
    ]


def test_themes_only_file_skips_kind_head(tmp_path, rows) -> None:
    data = _write_csv(tmp_path / "themes.csv", rows, ["text", "themes"])
    result = train_model(data=data, models_dir=tmp_path / "m", holdout=0.2, config=FAST)
    model = load_model(result.path)
    assert model.kind_head is None and model.theme_head is not None
    pred = predict(model, [FeedbackInput("The invoice charged us twice")])[0]
    assert pred.kind is None and pred.theme_scores
    assert "kind" not in result.metrics["holdout"] and "themes" in result.metrics["holdout"]


def test_kind_only_file_skips_theme_head(tmp_path, rows) -> None:
    data = tmp_path / "kinds.jsonl"
    data.write_text("\n".join(json.dumps({"text": r["text"], "kind": r["kind"]}) for r in rows))
    result = train_model(data=data, models_dir=tmp_path / "m", holdout=0.2, config=FAST)
    model = load_model(result.path)
    assert model.theme_head is None and set(model.kinds) == {r["kind"] for r in rows}
    pred = predict(model, [FeedbackInput("Please add dark mode")])[0]
    assert pred.themes == [] and not pred.unassigned


def test_custom_taxonomy_derived_from_labels(tmp_path) -> None:
    texts = {
        "card_arrival": [
            "where is my new card",
            "card still not arrived",
            "when will my card come",
        ],
        "top_up": ["how do i top up", "top up failed", "add money to my account"],
    }
    rows = [
        {"text": f"{t} ({i})", "themes": label}
        for label, ts in texts.items()
        for i in range(6)
        for t in ts
    ]
    data = _write_csv(tmp_path / "intents.csv", rows, ["text", "themes"])
    result = train_model(data=data, models_dir=tmp_path / "m", holdout=0.0, config=FAST)
    model = load_model(result.path)
    assert model.taxonomy.ids == ["card_arrival", "top_up"]
    best = max(
        predict(model, [FeedbackInput("my card has not arrived yet")])[0].theme_scores.items(),
        key=lambda kv: kv[1],
    )
    assert best[0] == "card_arrival"


def test_unknown_theme_against_given_taxonomy_is_a_clear_error(tmp_path) -> None:
    rows = [
        {"text": f"text number {i}", "themes": "not_a_theme", "kind": "bug" if i % 2 else "praise"}
        for i in range(20)
    ]
    data = _write_csv(tmp_path / "bad.csv", rows, ["text", "themes", "kind"])
    tax = Path(__file__).resolve().parents[2] / "feedback_ai" / "data" / "taxonomy.yaml"
    with pytest.raises(DataError, match="not in the taxonomy"):
        train_model(data=data, taxonomy_path=tax, models_dir=tmp_path / "m", config=FAST)


def test_file_without_labels_is_a_clear_error(tmp_path) -> None:
    data = _write_csv(tmp_path / "plain.csv", [{"text": f"hello {i}"} for i in range(10)], ["text"])
    with pytest.raises(DataError, match="nothing to train"):
        train_model(data=data, models_dir=tmp_path / "m", holdout=0.0, config=FAST)
