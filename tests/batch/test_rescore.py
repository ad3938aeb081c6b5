"""rescore: new prediction rows stamped with the model, current flipped, resumable, --since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from feedback_ai.batch.engine import InlineEngine
from feedback_ai.batch.rescore import pending_count, rescore
from feedback_ai.cli.main import app
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction, PredictionTheme
from feedback_ai.ml import FeedbackInput, FeedbackModel, predict
from feedback_ai.ml.training.train import TrainResult
from feedback_ai.requirements import service as requirements
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.settings import get_settings
from tests.api.domain_fixtures import add_feedback
from tests.factories import TEXTS

OLD = datetime(2025, 1, 1, tzinfo=UTC)
NEW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def stored(session: Session) -> list[Feedback]:
    """Ten items scored by an old model 'v1' (two old, eight new), linked to requirements."""
    rows = []
    for i in range(10):
        text = TEXTS[i % len(TEXTS)] + f" (ticket {i})"
        at = (OLD if i < 2 else NEW) + timedelta(minutes=i)
        rows.append(
            add_feedback(session, text, statements=["Add scheduled exports"], received_at=at)
        )
    requirements.link_batch(session=session, feedback_ids=[r.id for r in rows])
    return rows


def count(session: Session, model: type, *where) -> int:
    """Rows of a table matching `where`."""
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_new_rows_stamped_with_the_model_and_made_current(
    session: Session, stored: list[Feedback], model: FeedbackModel
) -> None:
    old_links = count(session, RequirementEvidence)
    report = rescore(
        session=session, engine=InlineEngine(model), model_version=model.version, batch_size=3
    )
    assert (report.rescored, report.already_current) == (10, 0)
    assert count(session, Prediction) == 20
    assert count(session, Prediction, Prediction.model_version == "v1") == 10
    assert count(session, Prediction, Prediction.model_version == "v1", Prediction.is_current) == 0
    current = session.scalars(select(Prediction).where(Prediction.is_current)).all()
    assert sorted(p.feedback_id for p in current) == sorted(r.id for r in stored)
    assert {p.model_version for p in current} == {model.version}
    # The rows hold what the one predict says about each item.
    texts = {r.id: r for r in stored}
    for p in current:
        row = texts[p.feedback_id]
        expected = predict(model, [FeedbackInput(text=row.text, source=row.source)])[0]
        assert (p.kind, p.kind_scores, p.uncertainty) == (
            expected.kind, expected.kind_scores, expected.uncertainty,
        )  # fmt: skip
        assert [t.theme_id for t in p.themes] == [t.label for t in expected.themes]
        assert [c.statement for c in p.candidates] == [c.statement for c in expected.candidates]
        assert all(c.model_version == model.version for c in p.candidates)
    new_candidates = count(
        session, CandidateRequirement, CandidateRequirement.model_version == model.version
    )
    assert new_candidates > 0
    assert count(session, PredictionTheme) == sum(len(p.themes) for p in current)
    # The new candidates were linked; the old evidence is still there.
    assert count(session, RequirementEvidence) >= old_links
    assert requirements.unlinked_feedback_ids(session=session) == []


def test_rerun_is_idempotent(session: Session, stored, model: FeedbackModel) -> None:
    engine = InlineEngine(model)
    rescore(session=session, engine=engine, model_version=model.version)
    before = [count(session, t) for t in (Prediction, PredictionTheme, CandidateRequirement,
                                           RequirementEvidence, Requirement)]  # fmt: skip
    again = rescore(session=session, engine=engine, model_version=model.version)
    assert (again.rescored, again.already_current) == (0, 10)
    after = [count(session, t) for t in (Prediction, PredictionTheme, CandidateRequirement,
                                          RequirementEvidence, Requirement)]  # fmt: skip
    assert after == before


def test_interrupted_run_resumes_without_duplicates(
    session: Session, stored, model: FeedbackModel
) -> None:
    class Stop(Exception):
        pass

    def stop_after_first_page(report) -> None:
        raise Stop

    with pytest.raises(Stop):
        rescore(session=session, engine=InlineEngine(model), model_version=model.version,
                batch_size=4, on_page=stop_after_first_page)  # fmt: skip
    assert pending_count(session=session, model_version=model.version) == 6
    report = rescore(
        session=session, engine=InlineEngine(model), model_version=model.version, batch_size=4
    )
    assert (report.rescored, report.already_current) == (6, 4)
    assert count(session, Prediction, Prediction.model_version == model.version) == 10
    assert count(session, Prediction, Prediction.is_current) == 10


def test_since_rescores_only_newer_items(session: Session, stored, model: FeedbackModel) -> None:
    report = rescore(session=session, engine=InlineEngine(model), model_version=model.version,
                     since=NEW)  # fmt: skip
    assert report.rescored == 8
    old = {r.id for r in stored[:2]}
    current = session.execute(
        select(Prediction.feedback_id, Prediction.model_version).where(Prediction.is_current)
    ).all()
    assert {f: v for f, v in current if f in old} == dict.fromkeys(old, "v1")
    assert {v for f, v in current if f not in old} == {model.version}


def test_human_decisions_are_untouched(session: Session, stored, model: FeedbackModel) -> None:
    req = session.scalars(select(Requirement)).first()
    req.title, req.status = "Scheduled CSV exports (PM wording)", "accepted"
    session.commit()
    evidence = set(session.scalars(select(RequirementEvidence.id)))
    rescore(session=session, engine=InlineEngine(model), model_version=model.version)
    session.expire_all()
    again = session.get(Requirement, req.id)
    assert (again.title, again.status) == ("Scheduled CSV exports (PM wording)", "accepted")
    assert evidence <= set(session.scalars(select(RequirementEvidence.id)))


def test_cli_rescores_on_a_process_pool(
    monkeypatch: pytest.MonkeyPatch, database_url: str, session: Session, stored,
    trained: TrainResult, model: FeedbackModel,
) -> None:  # fmt: skip
    monkeypatch.setenv("FEEDBACK_AI_DATABASE_URL", database_url)
    monkeypatch.setenv("FEEDBACK_AI_MODELS_DIR", str(trained.path.parent))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["rescore", "--model", model.version, "--since", "2026-01-01"]
        first = runner.invoke(app, [*args, "--workers", "1", "--batch-size", "3"])
        assert first.exit_code == 0, first.output
        assert "Rescored 8 items" in first.output
        second = runner.invoke(app, ["rescore", "--model", model.version, "--workers", "0"])
        assert second.exit_code == 0, second.output
        assert "Rescored 2 items" in second.output and "8 already had it" in second.output
        missing = runner.invoke(app, ["rescore", "--model", "no-such-model"])
        assert missing.exit_code == 2 and "no-such-model" in missing.output
    finally:
        get_settings.cache_clear()
    session.expire_all()
    assert count(session, Prediction, Prediction.is_current,
                 Prediction.model_version == model.version) == 10  # fmt: skip


def test_pages_split_items_received_at_the_same_instant(
    session: Session, model: FeedbackModel
) -> None:
    # The keyset is (received_at, id): equal timestamps across page boundaries lose no item.
    rows = [add_feedback(session, f"Please add dark mode ({i})", received_at=NEW) for i in range(7)]
    seen: list[int] = []
    report = rescore(session=session, engine=InlineEngine(model), model_version=model.version,
                     batch_size=2, on_page=lambda r: seen.append(r.rescored))  # fmt: skip
    assert report.rescored == 7 and seen == [2, 4, 6, 7]
    current = session.scalars(select(Prediction.feedback_id).where(Prediction.is_current)).all()
    assert sorted(current) == sorted(r.id for r in rows)
