"""`feedback-ai import` links what it stores beside the writer, in the linker's own process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback_ai.cli.imports import import_file
from feedback_ai.feedback.models import Feedback
from feedback_ai.requirements import linking
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.requirements.service import unlinked_feedback_ids
from feedback_ai.settings import Settings
from tests.jobs.helpers import OPTIONS, write_tickets


def test_the_import_links_in_the_linkers_own_process_while_it_writes(
    session: Session, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # Linking is broken in this (the writer's) process: a linker thread here would fail every
    # batch and leave the candidates unlinked; a linker process imports its own, working one.
    def broken(**_: object) -> None:
        raise RuntimeError("linked in the writer's process")

    monkeypatch.setattr(linking, "link_batch", broken)
    path = tmp_path / "tickets.csv"
    expected = write_tickets(path, 1_000)
    # Chunks of 10: the writer commits ~100 times while the linker process commits its batches,
    # both on one SQLite file in the SQLite pass (the writer's busy timeout is the tests' 1 s).
    code = import_file(settings=settings, path=path, options=OPTIONS, batch_size=10)
    assert code == 0
    assert session.scalar(select(func.count()).select_from(Feedback)) == expected.imported
    assert session.scalar(select(func.count()).select_from(RequirementEvidence)) > 0
    assert unlinked_feedback_ids(session=session) == []
    # The linker process logs to the inherited stderr: no failed batch, no busy database.
    err = capfd.readouterr().err
    assert "locked" not in err and "linking failed" not in err, err
