"""PM decisions become retraining records (serving/retraining.py), without a person's work lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_ai.serving.retraining import (
    TooFewDecisions,
    new_decisions,
    retrain_from_decisions,
    training_decisions,
)
from tests.review.test_actions import PDF, SSO, _seed


def test_relabels_accepts_and_rejects_become_training_records(db, pm):
    sso, pdf = _seed(db, pm)
    pm.ok(pm.act(sso.id, "accept"))
    pm.ok(pm.act(pdf.id, "reject", reason="out_of_scope"))
    pm.ok(pm.act(sso.id, "relabel", kind="feature_request", themes=["security_access"]))
    records = {(r.item_id, r.field): r for r in training_decisions(session=db)}
    assert records[(sso.feedback_id, "kind")].value == "feature_request"
    assert records[(sso.feedback_id, "themes")].value == ["security_access"]
    assert records[(sso.feedback_id, "kind")].text == SSO[0]
    accepted = records[(sso.feedback_id, "requirement_sentence")].value
    rejected = records[(pdf.feedback_id, "requirement_sentence")].value
    assert accepted["accepted"] is True and accepted["sentence"] in SSO[0]
    assert rejected["accepted"] is False and rejected["sentence"] in PDF[0]
    assert new_decisions(session=db) >= 4


def test_too_few_new_decisions_train_nothing(db, pm, tmp_path: Path):
    sso, _ = _seed(db, pm)
    pm.ok(pm.act(sso.id, "accept"))
    with pytest.raises(TooFewDecisions, match="waiting for 50"):
        retrain_from_decisions(session=db, models_dir=tmp_path, actor="tests", min_new_decisions=50)
    assert list(tmp_path.iterdir()) == []  # no challenger was trained
