"""Training on a user's own file: their taxonomy, and heads skipped when a column is missing."""

import csv
import json
from pathlib import Path

import numpy as np
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


def _intent_rows(n_per: int = 12) -> list[dict]:
    """Three single-theme intents, one theme per item."""
    texts = {
        "Card arrival": [
            "where is my new card",
            "card still not arrived",
            "when will my card come",
        ],
        "Top up": ["how do i top up", "top up failed", "add money to my account"],
        "Refund": ["i want my money back", "refund not received", "how do refunds work"],
    }
    return [
        {"text": f"{t} ({i})", "themes": label}
        for label, ts in texts.items()
        for i in range(n_per)
        for t in ts
    ]


def test_one_theme_per_item_makes_a_single_label_taxonomy(tmp_path) -> None:
    data = _write_csv(tmp_path / "intents.csv", _intent_rows(), ["text", "themes"])
    result = train_model(data=data, models_dir=tmp_path / "m", config=FAST)
    model = load_model(result.path)
    assert model.theme_mode == "single"
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["data"]["theme_mode"] == "single"
    assert "single-label" in (result.path / "MODEL_CARD.md").read_text()
    assert 0.5 < result.metrics["holdout"]["themes"]["accuracy"] <= 1
    texts = ["my card never came", "top up", "refund please", "hello", "card top up refund"]
    preds = predict(model, [FeedbackInput(t) for t in texts])
    assert all(len(p.themes) == 1 and not p.unassigned for p in preds)
    assert preds[0].themes[0].label == "card_arrival"
    assert all(p.themes[0].label == max(p.theme_scores, key=p.theme_scores.get) for p in preds)


def test_the_seed_stays_multi_label(trained) -> None:
    assert load_model(trained.path).theme_mode == "multi"


def test_the_seed_kind_head_divides_out_the_seeds_kind_mix(trained) -> None:
    # The seed's kind mix is written (asks over-represented), so the bundled model assumes none.
    head = load_model(trained.path).kind_head
    assert head is not None and head.uniform_prior
    prior_bias = -np.log(head.class_prior_)
    np.testing.assert_allclose(head.bias_, prior_bias - prior_bias.mean(), rtol=1e-9)


def test_a_users_own_file_keeps_its_kind_mix(tmp_path, rows) -> None:
    data = tmp_path / "kinds.jsonl"
    data.write_text("\n".join(json.dumps({"text": r["text"], "kind": r["kind"]}) for r in rows))
    result = train_model(data=data, models_dir=tmp_path / "m", holdout=0.0, config=FAST)
    head = load_model(result.path).kind_head
    assert head is not None and not head.uniform_prior


def test_saved_model_is_refit_on_all_rows_after_the_holdout(tmp_path) -> None:
    rows = _intent_rows()
    data = _write_csv(tmp_path / "intents.csv", rows, ["text", "themes"])
    result = train_model(data=data, models_dir=tmp_path / "m", holdout=0.25, config=FAST)
    held = result.metrics["holdout"]
    assert held["n"] == 27 and held["n_fit"] == len(rows) - 27
    model = load_model(result.path)
    assert model.theme_head.oof_proba_.shape[0] == len(rows)  # fitted on every row
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["data"]["n_examples"] == len(rows) and manifest["data"]["refit_on_all"]
    card = (result.path / "MODEL_CARD.md").read_text()
    assert f"refit on all {len(rows)}" in card


def test_bad_rows_are_skipped_and_reported(tmp_path) -> None:
    good = [json.dumps(r) for r in _intent_rows()]
    bad = ['{"text": "", "themes": "Refund"}', "{broken", '{"text": "x", "source": "fax"}']
    data = tmp_path / "mixed.jsonl"
    data.write_text("\n".join(good[:5] + bad + good[5:]))
    result = train_model(data=data, models_dir=tmp_path / "m", config=FAST)
    assert [(s.row, s.reason.split()[0]) for s in result.skipped] == [
        (6, "has"),
        (7, "is"),
        (8, "has"),
    ]
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["data"]["n_examples"] == len(good)
    assert manifest["data"]["n_skipped_rows"] == 3
    assert manifest["data"]["skipped_rows"][0] == {"row": 6, "reason": "has no `text`"}


def test_rows_with_themes_outside_the_given_taxonomy_are_skipped(tmp_path) -> None:
    rows = [{"text": f"the export is slow {i}", "themes": "performance"} for i in range(15)]
    rows += [{"text": f"invoice was wrong {i}", "themes": "billing_pricing"} for i in range(15)]
    rows += [{"text": "dark mode please", "themes": "not_a_theme"}]
    data = _write_csv(tmp_path / "t.csv", rows, ["text", "themes"])
    tax = Path(__file__).resolve().parents[2] / "feedback_ai" / "data" / "taxonomy.yaml"
    result = train_model(data=data, taxonomy_path=tax, models_dir=tmp_path / "m", config=FAST)
    assert [str(s) for s in result.skipped] == [
        "row 31 has themes ['not_a_theme'] not in the taxonomy"
    ]


def test_too_few_usable_rows_is_a_clear_error(tmp_path) -> None:
    rows = [{"text": f"please add sso {i}", "kind": "feature_request"} for i in range(10)]
    rows += [{"text": f"export broken {i}", "kind": "bug"} for i in range(9)]
    rows += [{"text": "", "kind": "bug"}] * 30
    data = _write_csv(tmp_path / "few.csv", rows, ["text", "kind"])
    with pytest.raises(DataError, match=r"only 19 usable labelled rows of 49; at least 20"):
        train_model(data=data, models_dir=tmp_path / "m", config=FAST)


def test_text_without_words_gets_the_most_frequent_kind_when_there_is_no_other(tmp_path) -> None:
    # A bare "?" carries no information: with no `other` kind, the prior's best guess is the answer.
    rows = [{"text": f"as a user i want to export report {i}", "kind": "F"} for i in range(30)]
    rows += [
        {"text": f"the page loads the dashboard number {i}", "kind": "NULL"} for i in range(50)
    ]
    data = _write_csv(tmp_path / "kinds.csv", rows, ["text", "kind"])
    model = load_model(
        train_model(data=data, models_dir=tmp_path / "m", holdout=0.2, config=FAST).path
    )
    pred = predict(model, [FeedbackInput("?")])[0]
    assert pred.flags == ["no_text"]
    assert pred.kind == "NULL" and pred.kind_score == pytest.approx(50 / 80, abs=1e-3)
