"""`feedback-ai train | classify | evaluate`: the model commands, all through the shared predict."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from feedback_ai.errors import ArtifactError, FeedbackAIError
from feedback_ai.settings import get_settings

if TYPE_CHECKING:
    from feedback_ai.ml import FeedbackModel

app = typer.Typer(help="Train, evaluate and score with the model.", no_args_is_help=True)

ModelsDir = Annotated[
    Path | None,
    typer.Option(
        "--models-dir", help="Where versioned models live. Default: FEEDBACK_AI_MODELS_DIR."
    ),
]

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", help="Version name in --models-dir, or a directory. Default: the champion."
    ),
]


def _models_dir(given: Path | None) -> Path:
    """The given directory, else the configured one (where `serve` looks for models)."""
    return given if given is not None else get_settings().models_dir


def _fail(error: Exception) -> None:
    typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command("train")
def train_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="CSV/JSONL with text, kind, themes.")
    ] = None,
    taxonomy: Annotated[Path | None, typer.Option("--taxonomy", help="YAML/JSON taxonomy.")] = None,
    models_dir: ModelsDir = None,
    version: Annotated[
        str | None, typer.Option(help="Version name (default: time + data hash).")
    ] = None,
    holdout: Annotated[float, typer.Option(min=0.0, max=0.5, help="Held-out fraction.")] = 0.2,
    embeddings: Annotated[bool, typer.Option(help="Use the bundled static embeddings.")] = True,
    scope_recall: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Single-label themes: share of out-of-scope examples (no theme) to leave out.",
        ),
    ] = 0.8,
    register: Annotated[
        bool,
        typer.Option(
            help="Record the model in the database's registry (sha256, figures); the first one "
            "becomes the champion. --no-register trains offline, for `models register` later."
        ),
    ] = True,
) -> None:
    """Fit every head the data has labels for, evaluate on held-out data, refit on all, save.

    Rows that cannot be used (no text, bad JSON, unknown source, themes outside --taxonomy, ...) are
    skipped and listed; training fails only when fewer than 20 usable labelled rows are left.
    """
    from feedback_ai.ml.training.fit import FitConfig
    from feedback_ai.ml.training.train import train_model

    try:
        result = train_model(
            data=data,
            taxonomy_path=taxonomy,
            models_dir=_models_dir(models_dir),
            version=version,
            holdout=holdout,
            config=FitConfig(use_embeddings=embeddings, scope_recall=scope_recall),
        )
    except FeedbackAIError as e:
        _fail(e)
    if result.skipped:
        typer.secho(f"skipped {len(result.skipped)} rows of {data}:", fg=typer.colors.YELLOW)
        for row in result.skipped:
            typer.echo(f"  {row}")
    typer.echo(f"trained {result.version} -> {result.path}")
    typer.echo((result.path / "MODEL_CARD.md").read_text())
    if register:
        _register(result.path)


def _register(path: Path) -> None:
    """Register a freshly trained model; it is served only once promoted (or if it is the first)."""
    from feedback_ai.cli.common import cli_session
    from feedback_ai.cli.models import cli_actor
    from feedback_ai.serving.champion import register_trained

    with cli_session(get_settings()) as session:
        try:
            record, change = register_trained(session=session, path=path, actor=cli_actor())
        except FeedbackAIError as e:
            _fail(e)
    if change is not None:
        typer.echo(f"registered {record.version} as the champion (the first model)")
    else:
        typer.echo(
            f"registered {record.version} as a challenger; serve it with "
            f"`feedback-ai models promote {record.version}`"
        )


def _load(model: str | None, models_dir: Path | None) -> FeedbackModel:
    """The model named by --model (a version in models_dir or a directory: the operator's own
    choice), else the registry's champion, checked against its recorded sha256 before loading."""
    from feedback_ai.ml import load_model, resolve_model_dir

    if model is not None:
        return load_model(resolve_model_dir(_models_dir(models_dir), model))
    from feedback_ai.cli.common import cli_session
    from feedback_ai.serving.champion import current_champion
    from feedback_ai.serving.registry import check_artifact

    with cli_session(get_settings()) as session:
        record = current_champion(session=session)
        if record is None:
            raise ArtifactError(
                "No champion model in the registry; run `feedback-ai train` (the first model "
                "becomes the champion) or pass --model VERSION_OR_DIR."
            )
        return load_model(check_artifact(record=record), sha256=record.sha256)


def _read_texts(path: Path) -> list[dict]:
    from feedback_ai.ml.training.dataset import read_examples

    return [{"id": ex.id, "text": ex.text, "source": ex.source} for ex in read_examples(path)]


@app.command("classify")
def classify_command(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL with a `text` column.")],
    model: ModelOption = None,
    models_dir: ModelsDir = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not stdout.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 512,
) -> None:
    """Score a file offline: one JSON line per item with kind, themes, candidates and explanation."""
    from feedback_ai.ml import FeedbackInput, predict

    try:
        fitted = _load(model, models_dir)
        rows = _read_texts(file)
    except FeedbackAIError as e:
        _fail(e)
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            preds = predict(fitted, [FeedbackInput(r["text"], r["source"]) for r in chunk])
            for row, pred in zip(chunk, preds, strict=True):
                out.write(
                    json.dumps({"id": row["id"], **pred.to_dict()}, ensure_ascii=False) + "\n"
                )
    finally:
        if output:
            out.close()


@app.command("evaluate")
def evaluate_command(
    data: Annotated[
        Path | None, typer.Option("--data", help="Labelled CSV/JSONL; default golden set.")
    ] = None,
    model: ModelOption = None,
    models_dir: ModelsDir = None,
) -> None:
    """Evaluate a saved model on labelled data (the bundled golden set by default)."""
    from feedback_ai.ml.training.dataset import load_golden, read_examples
    from feedback_ai.ml.training.evaluate import evaluate

    try:
        fitted = _load(model, models_dir)
        examples = load_golden() if data is None else read_examples(data)
    except FeedbackAIError as e:
        _fail(e)
    typer.echo(json.dumps(evaluate(fitted, examples), indent=2))
