"""The batching predictor and the migrations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from feedback_ai.db import Base, head_revision, load_all_models, make_engine, migrate
from feedback_ai.inference import BatchingPredictor
from feedback_ai.migrations import include_object
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

    def test_worker_processes_split_a_large_batch_and_keep_order(self, model, trained) -> None:
        texts = [
            f"Item {i}: the {('export', 'login', 'search')[i % 3]} is broken" for i in range(250)
        ]
        predictor = BatchingPredictor(model, model_path=trained.path, workers=2).start()
        try:
            got = predictor([FeedbackInput(text=t) for t in texts])
        finally:
            predictor.close()
        expected = predict(model, [FeedbackInput(text=t) for t in texts])
        assert [p.masked_text for p in got] == texts
        assert [(p.kind, p.kind_score) for p in got] == [(p.kind, p.kind_score) for p in expected]

    def test_a_killed_worker_is_replaced_and_the_batch_still_scored(self, model, trained) -> None:
        predictor = BatchingPredictor(model, model_path=trained.path).start()
        try:
            first = predictor._serving.pool[0].process
            first.kill()
            first.join(timeout=10)
            got = predictor([FeedbackInput(text="The export to PDF crashes every time")])
            assert predictor._serving.pool[0].process is not first
            assert predictor._serving.pool[0].process.is_alive()
        finally:
            predictor.close()
        assert got[0].kind == predict(model, [FeedbackInput(text=got[0].masked_text)])[0].kind

    def test_a_failing_batch_fails_alone_and_the_worker_survives(self, model, trained) -> None:
        predictor = BatchingPredictor(model, model_path=trained.path).start()
        try:
            bad = predictor.submit([FeedbackInput(text=None)])  # type: ignore[arg-type]
            assert isinstance(bad.exception(timeout=60), RuntimeError)
            good = predictor([FeedbackInput(text="Please add dark mode")])
            assert predictor._serving.pool[0].process.is_alive()
        finally:
            predictor.close()
        assert good[0].masked_text == "Please add dark mode"


class TestMigrations:
    """Migrations create exactly the tables the models describe, on both backends."""

    def test_schema_matches_models(self, engine: Engine) -> None:
        load_all_models()
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, Base.metadata)
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

    def test_0003_keeps_every_row_and_allows_a_null_kind(self, tmp_path) -> None:
        # SQLite rebuilds `prediction` to alter it: with foreign keys on, dropping the old table
        # would cascade-delete each prediction's themes and candidates.
        eng = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        migrate(eng, revision="0002")
        now = "2026-01-01 00:00:00"
        with eng.begin() as conn:
            for sql in V2_ROWS:
                conn.execute(text(sql), {"now": now})
        assert migrate(eng, revision="0003") == "0003"
        with eng.begin() as conn:
            counts = [conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in V2_TABLES]
            assert counts == [1, 1, 1, 1]
            conn.execute(text("UPDATE prediction SET kind = NULL, kind_score = NULL"))
            assert conn.scalar(text("PRAGMA foreign_keys")) == 1
        assert migrate(eng, revision="0002", down=True) == "0002"
        with eng.connect() as conn:
            assert conn.execute(text("SELECT kind, kind_score FROM prediction")).one() == (
                "other",
                0.0,
            )
            counts = [conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in V2_TABLES]
            assert counts == [1, 1, 1, 1]
        eng.dispose()


V2_TABLES = ("feedback", "prediction", "prediction_theme", "candidate_requirement")
V2_ROWS = [
    "INSERT INTO feedback (id, source, text, masked_text, received_at, created_at, metadata, "
    "content_sha256) VALUES ('f', 'other', 't', 't', :now, :now, '{}', 'x')",
    "INSERT INTO prediction (id, feedback_id, is_current, model_version, kind, kind_score, "
    "kind_scores, theme_scores, unassigned, explanations, language, flags, created_at) "
    "VALUES ('p', 'f', 1, 'v', 'bug', 0.5, '{}', '{}', 0, '[]', 'en', '[]', :now)",
    "INSERT INTO prediction_theme VALUES ('p', 'billing', 0.5, 0)",
    "INSERT INTO candidate_requirement (id, prediction_id, feedback_id, rank, statement, "
    'sentence, masked_sentence, start, "end", masked_start, masked_end, confidence, '
    "model_version, created_at) VALUES ('c', 'p', 'f', 0, 's', 's', 's', 0, 1, 0, 1, 0.5, 'v', :now)",
]
