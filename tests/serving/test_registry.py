"""The registry and the champion pointer: register, promote, roll back, refuse, history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import AuditLog
from feedback_ai.serving import champion, registry
from feedback_ai.serving.errors import ModelConflict, ModelNotFound, ModelRejected
from feedback_ai.serving.selection import serving_candidates
from tests.factories import copy_model_as
from tests.serving.conftest import plant_model


@pytest.fixture
def three(trained, tmp_path: Path) -> list[Path]:
    """Three registrable model folders: a, b, c."""
    return [copy_model_as(trained.path, tmp_path / v, v) for v in ("a", "b", "c")]


def _register_all(session: Session, folders: list[Path]) -> None:
    for folder in folders:
        registry.register_model(session=session, path=folder, actor="t")


def test_register_records_sha256_and_the_card_figures(session: Session, trained) -> None:
    record = registry.register_model(session=session, path=trained.path, actor="cli:me")
    assert record.sha256 == registry.sha256_file(trained.path / "model.joblib")
    assert record.status == "challenger" and record.registered_by == "cli:me"
    golden = record.metrics["golden"]
    assert 0.5 < golden["kind_macro_f1"] <= 1 and 0 < golden["theme_micro_f1"] <= 1
    assert 0 < golden["requirement_sentence_f1"] <= 1
    again = registry.register_model(session=session, path=trained.path, actor="other")
    assert again.registered_by == "cli:me"  # the same artifact twice is one record


def test_another_artifact_under_a_taken_version_is_refused(
    session: Session, trained, tmp_path: Path
) -> None:
    registry.register_model(session=session, path=trained.path, actor="t")
    other = shutil.copytree(trained.path, tmp_path / "other")
    with (other / "model.joblib").open("ab") as f:
        f.write(b"x")
    with pytest.raises(ModelRejected, match="sha256"):  # the manifest no longer matches
        registry.register_model(session=session, path=other, actor="t")
    manifest = other / "manifest.json"
    manifest.write_text(
        manifest.read_text().replace(
            registry.sha256_file(trained.path / "model.joblib"),
            registry.sha256_file(other / "model.joblib"),
        )
    )
    with pytest.raises(ModelConflict, match="already registered"):
        registry.register_model(session=session, path=other, actor="t")


def test_a_folder_without_manifest_is_refused(session: Session, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelRejected, match="manifest"):
        registry.register_model(session=session, path=tmp_path / "empty", actor="t")


def test_promote_and_rollback_walk_the_history(session: Session, three: list[Path]) -> None:
    _register_all(session, three)
    for version in ("a", "b", "c"):
        champion.promote(session=session, version=version, actor="t", reason=f"go {version}")
    assert champion.champion_version(session=session) == "c"
    statuses = {r.version: r.status for r in registry.list_records(session=session)}
    assert statuses == {"a": "retired", "b": "retired", "c": "champion"}
    back = champion.rollback(session=session, actor="ops", reason="bad answers")
    assert (back.from_version, back.to_version, back.action) == ("c", "b", "rollback")
    assert champion.rollback(session=session, actor="ops").to_version == "a"
    with pytest.raises(ModelConflict, match="first champion"):
        champion.rollback(session=session, actor="ops")
    assert champion.champion_version(session=session) == "a"
    moves = [(c.action, c.from_version, c.to_version) for c in champion.history(session=session)]
    assert moves == [
        ("rollback", "b", "a"),
        ("rollback", "c", "b"),
        ("promote", "b", "c"),
        ("promote", "a", "b"),
        ("promote", None, "a"),
    ]
    audit = session.scalars(select(AuditLog.action).where(AuditLog.target_type == "model"))
    assert sorted(audit) == ["model.promote"] * 3 + ["model.rollback"] * 2


def test_promoting_the_champion_or_an_unknown_model_is_refused(
    session: Session, three: list[Path]
) -> None:
    _register_all(session, three[:1])
    champion.promote(session=session, version="a", actor="t")
    with pytest.raises(ModelConflict, match="already the champion"):
        champion.promote(session=session, version="a", actor="t")
    with pytest.raises(ModelNotFound):
        champion.promote(session=session, version="nope", actor="t")
    with pytest.raises(ModelConflict, match=r"no champion|first champion"):
        champion.rollback(session=session, actor="t")


def test_a_refused_challenger_needs_force(session: Session, three: list[Path]) -> None:
    _register_all(session, three[:2])
    champion.promote(session=session, version="a", actor="t")
    registry.set_status(session=session, version="b", status="refused", reason="kind F1 -0.04")
    with pytest.raises(ModelRejected, match=r"kind F1 -0\.04"):
        champion.promote(session=session, version="b", actor="t")
    champion.promote(session=session, version="b", actor="t", force=True)
    assert champion.champion_version(session=session) == "b"
    with pytest.raises(ModelConflict, match="is the champion"):
        registry.set_status(session=session, version="b", status="retired")


def test_a_tampered_artifact_is_never_pointed_at(session: Session, three: list[Path]) -> None:
    _register_all(session, three[:2])
    champion.promote(session=session, version="a", actor="t")
    with (three[1] / "model.joblib").open("ab") as f:
        f.write(b"tampered after registration")
    with pytest.raises(ModelRejected, match="sha256"):
        champion.promote(session=session, version="b", actor="t")
    assert champion.champion_version(session=session) == "a"


def test_candidates_are_registered_models_only(
    session: Session, three: list[Path], tmp_path: Path
) -> None:
    plant_model(tmp_path, tmp_path / "pwned")
    _register_all(session, three)
    champion.promote(session=session, version="b", actor="t")
    champion.promote(session=session, version="a", actor="t")
    registry.set_status(session=session, version="c", status="refused", reason="worse")
    refs = serving_candidates(session=session)
    assert [r.version for r in refs] == ["a", "b"]  # champion, earlier champion; never refused
    pinned = serving_candidates(session=session, pinned=str(three[2]))
    assert pinned[0].version == "c"  # an explicit pin by directory is honoured
