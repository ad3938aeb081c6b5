"""Bulk accept, reject or relabel: a count and a confirmation token first, then one batch."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.db import serialized_writes
from feedback_ai.ids import new_id
from feedback_ai.requirements.models import RequirementEvidence
from feedback_ai.review import actions as act
from feedback_ai.review.actions import ReviewError
from feedback_ai.review.apply import NO_SYNC
from feedback_ai.review.decisions import Change
from feedback_ai.review.models import ReviewItem
from feedback_ai.review.queue import free_for, matching_ids
from feedback_ai.review.schemas import BulkBody, BulkPreview, BulkResult
from feedback_ai.review.sql import chunks


def _ids(session: Session, body: BulkBody, key: ApiKey, now: datetime) -> list[str]:
    """The pending items the action applies to, that no other reviewer holds."""
    if body.filter is not None:
        return matching_ids(session=session, f=body.filter, key_id=key.id, now=now)
    out: list[str] = []
    for chunk in chunks(sorted(set(body.ids or []))):
        out += session.scalars(
            select(ReviewItem.id).where(ReviewItem.id.in_(chunk), ReviewItem.status == "pending",
                                        free_for(key.id, now))
        )  # fmt: skip
    return sorted(out)


def _token(body: BulkBody, count: int, key: ApiKey) -> str:
    """A digest of what was previewed: the same request on the same count gets the same token."""
    what = body.model_dump(mode="json", exclude={"confirm_token", "confirm_count"})
    raw = json.dumps([what, count, key.id], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def bulk_preview(*, session: Session, body: BulkBody, key: ApiKey, now: datetime) -> BulkPreview:
    """How many items the bulk action would change, and the token that confirms it."""
    count = len(_ids(session, body, key, now))
    return BulkPreview(count=count, confirm_token=_token(body, count, key))


def _columns(body: BulkBody) -> list:
    """The item columns the action reads (rows, not objects: a bulk action reads thousands)."""
    cols = [ReviewItem.id, ReviewItem.item_type, ReviewItem.subject_id, ReviewItem.feedback_id,
            ReviewItem.status, ReviewItem.kind, ReviewItem.version]  # fmt: skip
    return cols if body.action == "reject" else [*cols, ReviewItem.themes]


def _changes(session: Session, body: BulkBody, items: list[Any]) -> list[Change]:
    cands = [i.subject_id for i in items if i.item_type == "candidate"]
    placed = dict(session.execute(
        select(RequirementEvidence.candidate_id, RequirementEvidence.requirement_id)
        .where(RequirementEvidence.candidate_id.in_(cands))
    ).all()) if cands else {}  # fmt: skip
    out: list[Change] = []
    for item in items:
        if item.item_type == "theme_proposal":
            continue  # a taxonomy change, one proposal at a time
        if body.action == "reject":
            kw = {"reason": body.reason, "note": body.note}
            out.append(act.status_change(item, "rejected", "reject", **kw))
            if item.item_type == "candidate":
                out.append(act.link_change(item, None, placed.get(item.subject_id), "reject", **kw))
        elif body.action == "accept":
            if item.item_type == "candidate":
                if item.subject_id not in placed:
                    continue  # not linked yet: nothing to accept into
                req = placed[item.subject_id]
                out.append(act.link_change(item, req, req, "accept"))
            else:
                out.append(act.feedback_change(item, "kind", item.kind, item.kind, "accept"))
                themes = list(item.themes)
                out.append(act.feedback_change(item, "themes", themes, themes, "accept"))
            out.append(act.status_change(item, "accepted", "accept"))
        else:
            if body.kind is not None:
                out.append(act.feedback_change(item, "kind", body.kind, item.kind, "relabel"))
            if body.themes is not None:
                out.append(act.feedback_change(item, "themes", sorted(set(body.themes)),
                                               list(item.themes), "relabel"))  # fmt: skip
            if item.item_type == "feedback":
                out.append(act.status_change(item, "relabelled", "relabel"))
    # Two candidates of one feedback item relabel it once.
    return list({(c.subject_type, c.subject_id, c.field): c for c in out}.values())


def bulk_run(*, session: Session, body: BulkBody, key: ApiKey, now: datetime) -> BulkResult:
    """Run the bulk action if the token and count still match the preview; else 409."""
    with serialized_writes(session, timeout_s=30.0):
        ids = _ids(session, body, key, now)
        expected = _token(body, len(ids), key)
        if body.confirm_token is None or body.confirm_count is None:
            raise ReviewError(409, "confirmation_required",
                              f"this would change {len(ids)} items; preview it with POST "
                              "/v1/review/bulk/preview and send its confirm_token and count")  # fmt: skip
        if body.confirm_count != len(ids) or body.confirm_token != expected:
            raise ReviewError(409, "count_changed",
                              f"{len(ids)} items match now, not {body.confirm_count}; "
                              "preview again")  # fmt: skip
        batch, done = new_id(), 0
        for chunk in chunks(ids):
            items = list(session.execute(select(*_columns(body)).where(ReviewItem.id.in_(chunk))))
            changes = _changes(session, body, items)
            touched = sorted({c.item_id for c in changes if c.item_id})
            if changes:
                # Never written (version 1): no decision yet on the item or its candidate's link.
                untouched = {i.id for i in items if i.version == 1}
                fresh = {
                    (c.subject_type, c.subject_id, c.field)
                    for c in changes
                    if c.subject_type in ("item", "candidate") and c.item_id in untouched
                }
                act.decide(session=session, changes=changes, key=key,
                           action=f"bulk_{body.action}", items=items, batch_id=batch,
                           commit=False, show_status=False, fresh=fresh)  # fmt: skip
                status = {c.item_id: c.value for c in changes if c.field == "status"}
                # Status and version together: one write per row of an index-heavy table.
                for value in set(status.values()) | {None}:
                    ids_ = [i for i in touched if status.get(i) == value]
                    if not ids_:
                        continue
                    extra = {"status": value} if value is not None else {}
                    session.execute(
                        update(ReviewItem).where(ReviewItem.id.in_(ids_))
                        .values(version=ReviewItem.version + 1, updated_at=now, **extra),
                        execution_options=NO_SYNC,
                    )  # fmt: skip
            done += len(touched)
        session.commit()
    return BulkResult(batch_id=batch, done=done, skipped=len(ids) - done)
