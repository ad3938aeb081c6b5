"""Link candidates to requirements, list and read them with aggregates and priority, edit, merge."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.auth.service import record_audit
from feedback_ai.db import serialized_writes, utcnow
from feedback_ai.feedback.models import CandidateRequirement, Feedback, Prediction
from feedback_ai.ml.grouping.matcher import GroupingConfig
from feedback_ai.ml.themes.priority import Priority, PriorityWeights, priority_score
from feedback_ai.requirements import placement
from feedback_ai.requirements.aggregates import Aggregates, aggregate
from feedback_ai.requirements.index import index_for
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.review import decisions

Sort = Literal["priority", "recency"]
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RequirementView:
    """A requirement with its aggregates and priority."""

    requirement: Requirement
    aggregates: Aggregates
    priority: Priority


class RequirementError(ValueError):
    """An edit that cannot be applied; `code` names the reason for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _link_and_commit(
    session: Session, feedback_ids: Sequence[str], config: GroupingConfig | None,
    share_gil: bool = True,
) -> list[placement.Linked]:  # fmt: skip
    state = index_for(session, config=config)
    opened: dict[str, placement.Opened] = {}
    with state.lock:
        state.sync(session)
        # No autoflush: on SQLite the write lock is then held for the commit only.
        with session.no_autoflush:
            batch = placement.Batch(
                opened=opened,
                links=decisions.link_decisions(session=session, feedback_ids=feedback_ids),
                decided_themes=decisions.decided_ids(
                    session=session, subject_type="requirement", field="themes"
                ),
            )
            items = placement.current_items(session, feedback_ids)
            done = placement.linked_spans(session, [item.feedback_id for item in items])
            rows = placement.place_all(session, state, items, done, batch, share_gil=share_gil)
        try:
            with serialized_writes(session):
                out = placement.store(session, batch, rows)
                session.commit()
        except BaseException:
            session.rollback()
            for key in opened:
                state.index.remove(key)
            raise
        state.last_id = max([state.last_id, *opened])
    return out


def link_candidates(
    *, session: Session, feedback_id: str, config: GroupingConfig | None = None
) -> list[placement.Linked]:
    """Match the current candidates of one stored item to requirements; commits; idempotent."""
    return _link_and_commit(session, [feedback_id], config)


def link_batch(
    *, session: Session, feedback_ids: Sequence[str], config: GroupingConfig | None = None,
    share_gil: bool = True,
) -> LinkReport:  # fmt: skip
    """Link many items in one transaction; if that fails, fall back to one item at a time.

    `share_gil=False` in a process that only links (the linker's own): nothing there waits for
    the GIL, so the yield between items (placement.place_all) would only give the core away.
    """
    feedback_ids = list(dict.fromkeys(feedback_ids))
    linked = 0
    try:
        for i in range(0, len(feedback_ids), LINK_CHUNK):
            chunk = feedback_ids[i : i + LINK_CHUNK]
            linked += len(_link_and_commit(session, chunk, config, share_gil))
    except Exception:
        session.rollback()
        return link_each(session=session, feedback_ids=feedback_ids, config=config)
    return LinkReport(linked=linked, failed=[])


# Items linked per transaction (and per IN list).
LINK_CHUNK = 500


@dataclass(frozen=True, slots=True)
class LinkReport:
    """How many evidence links were added, and the items whose linking failed (logged)."""

    linked: int
    failed: list[str]


def link_each(
    *, session: Session, feedback_ids: Sequence[str], config: GroupingConfig | None = None
) -> LinkReport:
    """Link items one by one; a failing item is rolled back and logged, the rest still link."""
    linked, failed = 0, []
    for feedback_id in feedback_ids:
        try:
            linked += len(link_candidates(session=session, feedback_id=feedback_id, config=config))
        except Exception:
            # Linking is derived and idempotent: a later `feedback-ai requirements relink` retries.
            session.rollback()
            failed.append(feedback_id)
            log.exception("requirement linking failed", extra={"feedback_id": feedback_id})
    return LinkReport(linked=linked, failed=failed)


def unlinked_feedback_ids(*, session: Session) -> list[str]:
    """Items whose current candidates have no evidence yet: acknowledged, then never linked
    (the process stopped between the commit and the linker)."""
    linked = select(RequirementEvidence.id).where(
        (RequirementEvidence.candidate_id == CandidateRequirement.id)
        | (
            (RequirementEvidence.feedback_id == CandidateRequirement.feedback_id)
            & (RequirementEvidence.start == CandidateRequirement.start)
            & (RequirementEvidence.end == CandidateRequirement.end)
        )
    )
    query = (
        select(CandidateRequirement.feedback_id)
        .join(Prediction, Prediction.id == CandidateRequirement.prediction_id)
        .where(Prediction.is_current, ~linked.exists())
        .distinct()
    )
    return list(session.scalars(query))


def link_pending(*, session: Session, config: GroupingConfig | None = None) -> LinkReport:
    """Link every item stored but not linked yet (an import or a server stopped midway)."""
    return link_batch(
        session=session, feedback_ids=unlinked_feedback_ids(session=session), config=config
    )


def relink_all(*, session: Session, config: GroupingConfig | None = None) -> LinkReport:
    """Link every stored item's current candidates (after a retrain or a config change)."""
    ids = session.scalars(select(Feedback.id).order_by(Feedback.received_at, Feedback.id)).all()
    return link_each(session=session, feedback_ids=ids, config=config)


def _views(
    session: Session, reqs: list[Requirement], now: datetime, weights: PriorityWeights | None
) -> list[RequirementView]:
    aggs = aggregate(session=session, requirement_ids=[r.id for r in reqs], now=now)
    return [
        RequirementView(
            r, aggs[r.id], priority_score(aggs[r.id].signals(), now=now, weights=weights)
        )
        for r in reqs
    ]


def list_requirements(
    *,
    session: Session,
    sort: Sort = "priority",
    theme: str | None = None,
    status: str | None = None,
    account: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
    weights: PriorityWeights | None = None,
) -> tuple[list[RequirementView], int]:
    """A page of requirements (merged ones only when asked for by status) and the total."""
    query = select(Requirement)
    query = query.where(Requirement.status == status) if status else query.where(
        Requirement.status != "merged"
    )  # fmt: skip
    if account or source:
        linked = select(RequirementEvidence.requirement_id).join(
            Feedback, Feedback.id == RequirementEvidence.feedback_id
        )
        if account:
            linked = linked.where(
                (Feedback.account_id == account) | (Feedback.account_name == account)
            )
        if source:
            linked = linked.where(Feedback.source == source)
        query = query.where(Requirement.id.in_(linked))
    reqs = [r for r in session.scalars(query) if theme is None or theme in r.themes]
    views = _views(session, reqs, now or utcnow(), weights)
    if sort == "recency":
        views.sort(
            key=lambda v: (v.aggregates.last_seen or v.requirement.created_at, v.requirement.id)
        )
        views.reverse()
    else:
        views.sort(key=lambda v: (-v.priority.score, v.requirement.id))
    return views[offset : offset + limit], len(views)


def get_requirement(
    *, session: Session, requirement_id: str, now: datetime | None = None,
    weights: PriorityWeights | None = None,
) -> tuple[RequirementView, list[RequirementEvidence]] | None:  # fmt: skip
    """One requirement with its view and its evidence, or None."""
    req = session.get(Requirement, requirement_id)
    if req is None:
        return None
    evidence = session.scalars(
        select(RequirementEvidence)
        .where(RequirementEvidence.requirement_id == req.id)
        .order_by(RequirementEvidence.created_at, RequirementEvidence.id)
    ).all()
    return _views(session, [req], now or utcnow(), weights)[0], list(evidence)


def update_requirement(
    *, session: Session, requirement: Requirement, changes: dict[str, Any], actor_key: ApiKey | None
) -> Requirement:
    """Change title, status or themes; merging goes through merge_requirements."""
    if changes.get("status") == "merged":
        raise RequirementError(
            "use_merge", "set status 'merged' with POST /v1/requirements/{id}/merge"
        )
    if requirement.status == "merged" and "status" in changes:
        raise RequirementError("merged", f"requirement {requirement.id} is merged; edit its target")
    changes = {k: sorted(set(v)) if k == "themes" else v for k, v in changes.items()}
    # Title and themes are PM decisions on top of the model's suggestion, recorded as such.
    decided = [
        decisions.Change("requirement", requirement.id, name, changes[name],
                         getattr(requirement, name), "edit")
        for name in ("title", "themes") if name in changes
    ]  # fmt: skip
    decisions.record(session=session, changes=decided, actor=decisions.Actor.of(actor_key))
    for name, value in changes.items():
        setattr(requirement, name, value)
    record_audit(session=session, action="requirement.update", actor_key=actor_key,
                 target_type="requirement", target_id=requirement.id, detail=changes)  # fmt: skip
    session.commit()
    return requirement


def merge_requirements(
    *, session: Session, source: Requirement, target: Requirement, actor_key: ApiKey | None
) -> Requirement:
    """Move the evidence of `source` to `target`; `source` becomes merged and points there."""
    if source.id == target.id:
        raise RequirementError("same_requirement", "a requirement cannot be merged into itself")
    if target.status == "merged" or source.status == "merged":
        raise RequirementError("merged", "merge into or from a merged requirement is not possible")
    spans = set(session.execute(
        select(RequirementEvidence.feedback_id, RequirementEvidence.start, RequirementEvidence.end)
        .where(RequirementEvidence.requirement_id == target.id)
    ).all())  # fmt: skip
    for ev in session.scalars(
        select(RequirementEvidence).where(RequirementEvidence.requirement_id == source.id)
    ):
        if (ev.feedback_id, ev.start, ev.end) in spans:
            session.delete(ev)
        else:
            ev.requirement_id = target.id
    session.execute(
        update(Requirement)
        .where(Requirement.merged_into == source.id)
        .values(merged_into=target.id)
    )
    source.status, source.merged_into = "merged", target.id
    target.themes = sorted(set(target.themes) | set(source.themes))
    target.suggested_themes = sorted(
        set(target.suggested_themes or []) | set(source.suggested_themes or [])
    )
    record_audit(
        session=session, action="requirement.merge", actor_key=actor_key,
        target_type="requirement", target_id=source.id, detail={"into": target.id},
    )  # fmt: skip
    session.commit()  # source stays indexed: its paraphrases resolve to target via merged_into
    return target
