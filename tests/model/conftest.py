"""Model-tier fixtures: the session model trained once on the bundled seed."""

from tests.model_fixtures import model, models_dir, trained  # noqa: F401
