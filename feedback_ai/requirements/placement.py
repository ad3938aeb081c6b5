"""Where each new candidate goes: a PM's placement, a matched requirement, or a new one.

One linking transaction reads the items' candidates as plain rows, matches them all against the
index, then loads every matched requirement in one query: per candidate, an ORM load of its
prediction and a primary-key query for its requirement cost more than the matching itself.
New requirements and evidence are plain rows inserted with one executemany each: as ORM objects,
their construction and the unit of work's flush cost as much as the matching.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from feedback_ai.db import utcnow
from feedback_ai.feedback.models import CandidateRequirement, Prediction, PredictionTheme
from feedback_ai.ids import new_id
from feedback_ai.ml import mask_pii
from feedback_ai.requirements.index import IndexState
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review import decisions
from feedback_ai.review.sql import table

# Ids per IN list.
CHUNK = 500
# Built once; Core, so no per-row ORM bookkeeping (see the module docstring).
_INSERT_REQUIREMENT = insert(table(Requirement))
_INSERT_EVIDENCE = insert(table(RequirementEvidence))


def resolve(*, session: Session, requirement_id: str) -> Requirement | None:
    """The requirement, following merged_into to the one that absorbed it."""
    req = session.get(Requirement, requirement_id)
    for _ in range(32):
        if req is None or req.merged_into is None:
            return req
        req = session.get(Requirement, req.merged_into)
    return req


@dataclass(slots=True)
class Opened:
    """A requirement this transaction opened: inserted as a row at commit (`store`)."""

    id: str
    title: str
    themes: list[str]
    suggested_title: str
    suggested_themes: list[str]


@dataclass(frozen=True, slots=True)
class Linked:
    """One evidence row this transaction inserted, with the columns of RequirementEvidence."""

    id: str
    requirement_id: str
    feedback_id: str
    candidate_id: str | None
    statement: str
    sentence: str
    start: int
    end: int
    score: float
    created_at: datetime


@dataclass(slots=True)
class Batch:
    """What one linking transaction knows: requirements it opened, and the PMs' decisions."""

    opened: dict[str, Opened]
    links: dict[str, list[decisions.LinkDecision]]
    decided_themes: set[str]


@dataclass(slots=True)
class Item:
    """One item's current candidates (plain rows, in rank order) and predicted themes."""

    feedback_id: str
    candidates: list[Any] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def current_items(session: Session, feedback_ids: Sequence[str]) -> list[Item]:
    """Items (in the given order) whose current prediction has candidates; two queries.

    Only the columns linking reads: loading whole predictions decoded every JSON column.
    """
    items: dict[str, Item] = {}
    for chunk in _chunks(feedback_ids):
        rows = session.execute(
            select(
                CandidateRequirement.id, CandidateRequirement.feedback_id,
                CandidateRequirement.statement, CandidateRequirement.masked_sentence,
                CandidateRequirement.start, CandidateRequirement.end,
            )
            .join(Prediction, Prediction.id == CandidateRequirement.prediction_id)
            .where(Prediction.feedback_id.in_(chunk), Prediction.is_current)
            .order_by(CandidateRequirement.feedback_id, CandidateRequirement.rank)
        )  # fmt: skip
        for row in rows:
            items.setdefault(row.feedback_id, Item(row.feedback_id)).candidates.append(row)
    for chunk in _chunks(list(items)):
        themes = session.execute(
            select(Prediction.feedback_id, PredictionTheme.theme_id)
            .join(Prediction, Prediction.id == PredictionTheme.prediction_id)
            .where(Prediction.feedback_id.in_(chunk), Prediction.is_current)
            .order_by(Prediction.feedback_id, PredictionTheme.rank)
        )
        for feedback_id, theme_id in themes:
            items[feedback_id].themes.append(theme_id)
    return [items[f] for f in dict.fromkeys(feedback_ids) if f in items]


def linked_spans(session: Session, feedback_ids: Sequence[str]) -> dict[str, set]:
    """Per item, the candidate ids and spans that already have evidence (for idempotency)."""
    done: dict[str, set] = defaultdict(set)
    for chunk in _chunks(feedback_ids):
        rows = session.execute(
            select(
                RequirementEvidence.feedback_id, RequirementEvidence.candidate_id,
                RequirementEvidence.start, RequirementEvidence.end,
            ).where(RequirementEvidence.feedback_id.in_(chunk))
        )  # fmt: skip
        for feedback_id, candidate_id, start, end in rows:
            done[feedback_id] |= {candidate_id, (start, end)}
    return done


def suggest_themes(req: Requirement | Opened, themes: list[str], batch: Batch) -> None:
    """Add the model's themes to the suggestion; shown themes follow unless a PM decided them."""
    req.suggested_themes = sorted(set(req.suggested_themes or req.themes) | set(themes))
    if req.id not in batch.decided_themes:
        req.themes = list(req.suggested_themes)


def _decided_place(
    session: Session, cand: Any, themes: list[str], batch: Batch
) -> tuple[Requirement | Opened | None, bool]:
    """Where a PM put this sentence (None when rejected), and whether a PM decided at all."""
    decided = decisions.find_link(batch.links.get(cand.feedback_id, []), cand)
    if decided is None:
        return None, False
    if decided.requirement_id is None:
        return None, True
    req = batch.opened.get(decided.requirement_id) or resolve(
        session=session, requirement_id=decided.requirement_id
    )
    if req is not None:
        suggest_themes(req, themes, batch)
    return req, req is not None


def _match(
    session: Session, state: IndexState, cand: Any, statement: str, themes: list[str],
    batch: Batch,
) -> tuple[Opened | str, float]:  # fmt: skip
    """The requirement the index opened for this candidate, or the key of the one it joined."""
    match = state.index.match(statement, sentence=cand.masked_sentence, key_factory=new_id)
    if not match.created:
        return match.key, match.score
    req = Opened(match.key, statement, themes, statement, themes)
    batch.opened[match.key] = req
    return req, match.score


def _load(session: Session, keys: list[str]) -> list[Requirement]:
    """Matched requirements and those they were merged into, by IN; the caller keeps the list,
    so that resolve() finds them in the session's (weak) identity map."""
    loaded: list[Requirement] = []
    for _ in range(2):  # deeper merge chains are followed one get() at a time
        keys = [
            k for k in dict.fromkeys(keys)
            if session.identity_map.get(identity_key(Requirement, (k,))) is None
        ]  # fmt: skip
        found: list[Requirement] = []
        for chunk in _chunks(keys):
            found += session.scalars(select(Requirement).where(Requirement.id.in_(chunk))).all()
        loaded += found
        keys = [r.merged_into for r in found if r.merged_into is not None]
        if not keys:
            break
    return loaded


def _stored(session: Session, key: str, batch: Batch) -> Requirement | Opened | None:
    return batch.opened.get(key) or resolve(session=session, requirement_id=key)


def place_all(
    session: Session, state: IndexState, items: list[Item], done: dict[str, set], batch: Batch,
    *, share_gil: bool = True,
) -> list[dict[str, Any]]:  # fmt: skip
    """Evidence rows for each not yet linked candidate of these items; the caller holds the lock
    and inserts them (`store`). `share_gil`: yield the GIL between items (see below)."""
    placed: list[tuple[Item, Any, str, Requirement | Opened | str, float]] = []
    for item in items:
        # Let request threads have the GIL between items where the linker is a thread of the
        # server (in-memory SQLite): a batch held it for ~50 ms stretches (the tail of POST latency).
        # The linker's own process has no one to yield to: there each sleep(0) is a system call
        # that hands the core to the writer or a scoring worker, so the import's critical path,
        # the linker, got less than its share of the two cores and finished last.
        if share_gil:
            time.sleep(0)
        spans = done[item.feedback_id]
        for cand in item.candidates:
            if cand.id in spans or (cand.start, cand.end) in spans:
                continue
            spans.add((cand.start, cand.end))
            # Masked: requirements are shown to every role (the original stays with the item).
            statement = mask_pii(cand.statement)
            # A PM's placement of this sentence wins over the model's, through relinks and retrains.
            req, decided = _decided_place(session, cand, item.themes, batch)
            if decided:
                if req is not None:
                    placed.append((item, cand, statement, req, 1.0))
                continue
            placed.append((item, cand, statement, *_match(session, state, cand, statement,
                                                           item.themes, batch)))  # fmt: skip
    loaded = _load(session, [r for *_, r, _ in placed if isinstance(r, str)])
    out: list[dict[str, Any]] = []
    for item, cand, statement, target, score in placed:
        while isinstance(target, str):  # joined a requirement: the one stored (or opened) now
            found = _stored(session, target, batch)
            if found is not None:
                suggest_themes(found, item.themes, batch)
                target = found
            else:  # the row was deleted behind the index's back: match again
                state.index.remove(target)
                target, score = _match(session, state, cand, statement, item.themes, batch)
        # Ids and times taken in placement order, as the unit of work's defaults were at flush.
        out.append({
            "id": new_id(), "requirement_id": target.id, "feedback_id": item.feedback_id,
            "candidate_id": cand.id, "statement": statement, "sentence": cand.masked_sentence,
            "start": cand.start, "end": cand.end, "score": score, "created_at": utcnow(),
        })  # fmt: skip
    del loaded
    return out


def store(session: Session, batch: Batch, evidence: list[dict[str, Any]]) -> list[Linked]:
    """Flush the changed requirements, then insert the opened ones and the evidence (executemany)."""
    session.flush()
    if batch.opened:
        # Status and times come from the model's column defaults, as they did through the ORM.
        session.execute(_INSERT_REQUIREMENT, [
            {"id": r.id, "title": r.title, "themes": r.themes, "suggested_title": r.suggested_title,
             "suggested_themes": r.suggested_themes}
            for r in batch.opened.values()
        ])  # fmt: skip
    if evidence:
        session.execute(_INSERT_EVIDENCE, evidence)
    return [Linked(**row) for row in evidence]
