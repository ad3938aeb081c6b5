"""A model trained without a kind head (themes only) is served: kind is null, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Prediction
from feedback_ai.ml.training.fit import FitConfig
from feedback_ai.ml.training.train import train_model
from feedback_ai.settings import Settings
from tests.conftest import clear_tables
from tests.factories import headers, make_key, serve_model

THEMED = {
    "Billing": "The invoice total is wrong again on order {i}",
    "Authentication": "Login with SSO fails for user {i}",
    "Performance": "The dashboard loads slowly, page {i} takes ages",
}


@pytest.fixture(scope="module")
def themes_only_client(
    database_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An app serving a model fit on text + themes only (no `kind` column)."""
    from feedback_ai.main import create_app

    tmp = tmp_path_factory.mktemp("themes-only")
    data = tmp / "themes.jsonl"
    rows = [{"text": t.format(i=i), "themes": [n]} for n, t in THEMED.items() for i in range(12)]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    result = train_model(
        data=data, models_dir=tmp / "models", holdout=0.0, config=FitConfig(use_embeddings=False)
    )
    settings = Settings(database_url=database_url, models_dir=Path(result.path.parent))
    clear_tables(engine)
    serve_model(engine, result.path)
    with TestClient(create_app(settings)) as client:
        assert client.app.state.model.kind_head is None
        yield client
    clear_tables(engine)


@pytest.fixture
def key(themes_only_client: TestClient, engine: Engine) -> Iterator[str]:
    """An admin key on emptied tables."""
    clear_tables(engine)
    yield make_key(engine, "admin")
    clear_tables(engine)


def test_ingest_stores_a_null_kind(themes_only_client: TestClient, engine: Engine, key: str):
    body = {"text": "The invoice total is wrong for March", "source": "support_ticket"}
    r = themes_only_client.post("/v1/feedback", json=body, headers=headers(key))
    assert r.status_code == 201, r.text
    pred = r.json()["prediction"]
    assert pred["kind"] is None and pred["kind_score"] is None and pred["kind_scores"] == {}
    assert pred["themes"][0]["id"] == "billing"
    read = themes_only_client.get(f"/v1/feedback/{r.json()['id']}", headers=headers(key))
    assert read.status_code == 200 and read.json()["prediction"]["kind"] is None
    with Session(engine) as session:
        assert session.scalars(select(Prediction.kind)).all() == [None]


def test_batch_and_classify_answer_with_a_null_kind(themes_only_client: TestClient, key: str):
    items = [{"text": "Login with SSO fails again", "source": "survey"}, None]
    r = themes_only_client.post("/v1/feedback/batch", json={"items": items}, headers=headers(key))
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"]) == (1, 1)
    assert r.json()["results"][0]["feedback"]["prediction"]["kind"] is None
    r = themes_only_client.post(
        "/v1/classify", json={"items": [{"text": "The dashboard is slow"}]}, headers=headers(key)
    )
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["kind"] is None and result["kind_score"] is None
    assert result["themes"][0]["id"] == "performance"
    taxonomy = themes_only_client.get("/v1/taxonomy", headers=headers(key)).json()
    assert taxonomy["kinds"] == [] and len(taxonomy["themes"]) == 3
