"""The batching predictor and the migrations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from feedback_ai.db import Base, head_revision, load_all_models, make_engine, migrate
from feedback_ai.inference import BatchingPredictor
from feedback_ai.ml import FeedbackInput, predict


class TestBatchingPredictor:
    """Concurrent callers share batches and get exactly what predict() gives."""

    def test_same_results_as_predict_under_concurrency(self, model) -> None:
        texts = [
            f"Request {i}: please add an export to Excel" if i % 2 else f"Crash #{i} on iOS"
            for i in range(40)
        ]
        predictor = BatchingPredictor(model, max_batch_items=8).start()
        try:
            with ThreadPoolExecutor(8) as pool:
                got = list(pool.map(lambda t: predictor([FeedbackInput(text=t)])[0], texts))
            assert predictor([]) == []
        finally:
            predictor.close()
        expected = predict(model, [FeedbackInput(text=t) for t in texts])
        assert [(p.kind, p.kind_score) for p in got] == [(p.kind, p.kind_score) for p in expected]


class TestMigrations:
    """Migrations create exactly the tables the models describe, on both backends."""

    def test_schema_matches_models(self, engine: Engine) -> None:
        load_all_models()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []

    def test_upgrade_is_idempotent_and_downgrade_works(self, tmp_path) -> None:
        eng = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        assert migrate(eng, revision="0001") == "0001"
        assert migrate(eng) == head_revision()
        assert migrate(eng) == head_revision()
        assert {"feedback", "prediction", "api_key", "audit_log"} <= set(
            inspect(eng).get_table_names()
        )
        assert migrate(eng, revision="base", down=True) is None
        assert set(inspect(eng).get_table_names()) == {"alembic_version"}
        eng.dispose()
