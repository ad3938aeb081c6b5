"""`feedback-ai train | classify | evaluate` through the real console app."""

import json
from pathlib import Path

from typer.testing import CliRunner

from feedback_ai.cli.main import app

runner = CliRunner()


def test_classify_writes_one_json_line_per_item(trained, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        'text,source\n"Please add dark mode",app_review\n"The export crashes, error 500",support_ticket\n'
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["classify", str(source), "--model", str(trained.path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2
    assert rows[0]["model_version"] == trained.version
    assert {"kind", "themes", "candidates", "explanations"} <= set(rows[0])
    assert rows[1]["kind"] == "bug"


def test_classify_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "hello"}\n')
    result = runner.invoke(
        app, ["classify", str(source), "--model", "nope", "--models-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "feedback-ai train" in result.output


def test_classify_missing_text_column_is_a_clear_error(trained, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("body\nhello\n")
    result = runner.invoke(app, ["classify", str(source), "--model", str(trained.path)])
    assert result.exit_code == 2
    assert "`text`" in result.output


def test_evaluate_reports_golden_metrics(trained) -> None:
    result = runner.invoke(app, ["evaluate", "--model", str(trained.path)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["n"] >= 300 and 0 < metrics["kind"]["accuracy"] <= 1


def test_train_on_custom_file(tmp_path: Path) -> None:
    data = tmp_path / "mine.jsonl"
    lines = [
        {"text": f"{w} is broken again {i}", "kind": "bug"}
        for i, w in enumerate(["export", "login", "search", "sync"] * 5)
    ]
    lines += [
        {"text": f"please add {w} {i}", "kind": "feature_request"}
        for i, w in enumerate(["sso", "dark mode", "api", "pdf"] * 5)
    ]
    data.write_text("\n".join(json.dumps(r) for r in lines))
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(data),
            "--models-dir",
            str(tmp_path / "m"),
            "--no-embeddings",
            "--version",
            "mine",
            "--no-register",  # registration is tested in tests/serving/test_cli.py
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "mine" / "MODEL_CARD.md").is_file()
    assert "trained mine" in result.output


def test_train_skips_bad_rows_and_prints_each_one(tmp_path: Path) -> None:
    data = tmp_path / "mine.jsonl"
    lines = [
        json.dumps({"text": f"{w} is broken again {i}", "themes": ["bugs"]})
        for i, w in enumerate(["export", "login", "search", "sync"] * 5)
    ]
    lines += [
        json.dumps({"text": f"please add {w} {i}", "themes": ["asks"]})
        for i, w in enumerate(["sso", "dark mode", "api", "pdf"] * 5)
    ]
    lines[3] = json.dumps({"text": "  ", "themes": ["bugs"]})
    lines[30] = '{"text": "half a line'
    data.write_text("\n".join(lines))
    models = tmp_path / "m"
    args = ["train", "--data", str(data), "--models-dir", str(models), "--no-embeddings",
            "--no-register"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "skipped 2 rows" in result.output
    assert "row 4 has no `text`" in result.output
    assert "row 31 is not valid JSON" in result.output
    assert "single-label" in result.output  # the card, printed after training
    (version,) = [p for p in models.iterdir()]
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "login is broken"}\n{"text": "please add sso"}\n')
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", str(source), "--model", str(version), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [[t["label"] for t in r["themes"]] for r in rows] == [["bugs"], ["asks"]]


def test_train_refuses_a_file_with_too_few_usable_rows(tmp_path: Path) -> None:
    data = tmp_path / "mine.csv"
    data.write_text("text,kind\n" + "".join(f"row {i},bug\n,praise\n" for i in range(12)))
    result = runner.invoke(app, ["train", "--data", str(data), "--models-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "only 12 usable labelled rows of 24" in result.output


def test_evaluate_on_the_users_own_file_matches_theme_labels_to_ids(tmp_path: Path) -> None:
    data = tmp_path / "intents.csv"
    rows = [(f"where is my card {i}", "Card arrival") for i in range(15)]
    rows += [(f"top up failed {i}", "Top up") for i in range(15)]
    data.write_text("text,themes\n" + "".join(f"{t},{y}\n" for t, y in rows))
    models = tmp_path / "m"
    args = ["train", "--data", str(data), "--models-dir", str(models), "--no-embeddings",
            "--no-register"]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 0
    (version,) = [p for p in models.iterdir()]
    result = runner.invoke(app, ["evaluate", "--data", str(data), "--model", str(version)])
    assert result.exit_code == 0, result.output
    themes = json.loads(result.output)["themes"]
    assert themes["accuracy"] == 1.0 and themes["micro_f1"] == 1.0
