"""The `feedback-ai` console script: every command group registered in one Typer app."""

from __future__ import annotations

import typer

from feedback_ai.cli import batch as batch_cli
from feedback_ai.cli import db as db_cli
from feedback_ai.cli import imports as imports_cli
from feedback_ai.cli import keys as keys_cli
from feedback_ai.cli import ml as ml_cli
from feedback_ai.cli import models as models_cli
from feedback_ai.cli import requirements as requirements_cli
from feedback_ai.cli import retrain as retrain_cli
from feedback_ai.cli import serve as serve_cli

app = typer.Typer(
    name="feedback-ai",
    help="Turn raw customer feedback into requirements a product manager can act on.",
    no_args_is_help=True,
)
app.add_typer(serve_cli.app)  # serve, healthcheck
app.add_typer(db_cli.app)  # migrate
app.add_typer(keys_cli.app, name="keys")  # keys create | list | revoke
app.add_typer(ml_cli.app)  # train, classify, evaluate (feedback_ai/cli/ml.py)
app.add_typer(models_cli.app, name="models")  # models list | show | register | promote | rollback
app.add_typer(requirements_cli.app, name="requirements")  # requirements relink
app.add_typer(imports_cli.app, name="import")  # import FILE | import quarantine
app.add_typer(batch_cli.app)  # rescore (feedback_ai/cli/batch.py)
app.add_typer(retrain_cli.app)  # retrain (feedback_ai/cli/retrain.py)
# Later command groups (review, ...) are added here the same way.

if __name__ == "__main__":
    app()
