"""One reviewer's actions on one item: versioned, lease-aware, each a set of recorded decisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.auth.service import record_audit
from feedback_ai.db import serialized_writes
from feedback_ai.ids import new_id
from feedback_ai.ml import mask_pii
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.requirements.placement import resolve
from feedback_ai.review.apply import apply_values
from feedback_ai.review.decisions import Actor, Change, record
from feedback_ai.review.models import ReviewItem


class ReviewError(Exception):
    """An action refused; `status` and `code` for the API, `item` to show the current state."""

    def __init__(self, status: int, code: str, message: str, item: ReviewItem | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.item = status, code, message, item


def get_item(*, session: Session, item_id: str) -> ReviewItem:
    """The item, or ReviewError 404."""
    item = session.get(ReviewItem, item_id, populate_existing=True)
    if item is None:
        raise ReviewError(404, "not_found", f"no review item with id {item_id!r}")
    return item


def _leased_to_other(item: ReviewItem, key: ApiKey, now: datetime) -> bool:
    return bool(
        item.leased_by_key_id and item.leased_by_key_id != key.id
        and item.lease_expires_at and item.lease_expires_at > now
    )  # fmt: skip


def lease(*, session: Session, item_id: str, key: ApiKey, now: datetime, lease_s: int,
          force: bool = False) -> ReviewItem:  # fmt: skip
    """Lease the item to `key` (or extend its lease); ReviewError 409 if another key holds it.

    Without `force`, an item leased to another is returned as it is (reading never fails).
    """
    item = get_item(session=session, item_id=item_id)
    if _leased_to_other(item, key, now):
        if force:
            raise ReviewError(409, "item_leased",
                              f"{item.leased_by} has this item open until {item.lease_expires_at}",
                              item)  # fmt: skip
        return item
    with serialized_writes(session):
        session.execute(
            update(ReviewItem).where(ReviewItem.id == item.id).values(
                leased_by_key_id=key.id, leased_by=key.name[:100],
                lease_expires_at=now + timedelta(seconds=lease_s),
            )
        )  # fmt: skip
        session.commit()
    return get_item(session=session, item_id=item_id)


def release(*, session: Session, item_id: str, key: ApiKey) -> ReviewItem:
    """Give up this key's lease on the item (no-op if it holds none)."""
    item = get_item(session=session, item_id=item_id)
    if item.leased_by_key_id == key.id:
        with serialized_writes(session):
            item.leased_by_key_id = item.leased_by = item.lease_expires_at = None
            session.commit()
    return item


def begin_write(*, session: Session, item_id: str, version: int, key: ApiKey,
                now: datetime) -> ReviewItem:  # fmt: skip
    """Check the lease and bump the version, or ReviewError 409 with the current state.

    The version check and bump are one UPDATE, so two reviewers cannot both pass it.
    """
    item = get_item(session=session, item_id=item_id)
    if _leased_to_other(item, key, now):
        raise ReviewError(409, "item_leased",
                          f"{item.leased_by} has this item open until {item.lease_expires_at}",
                          item)  # fmt: skip
    if item.status == "superseded":
        raise ReviewError(409, "superseded", "a newer prediction replaced this item", item)
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.version == version)
        .values(version=ReviewItem.version + 1, updated_at=now)
    )
    bumped = cast(CursorResult, result).rowcount
    if bumped != 1:
        session.rollback()
        current = get_item(session=session, item_id=item_id)
        raise ReviewError(409, "stale_version",
                          f"the item changed since version {version}; it is at version "
                          f"{current.version}", current)  # fmt: skip
    return item


def placement(session: Session, item: ReviewItem) -> str | None:
    """The requirement the candidate's evidence supports now, if any."""
    return session.scalars(
        select(RequirementEvidence.requirement_id)
        .where(RequirementEvidence.candidate_id == item.subject_id).limit(1)
    ).first()  # fmt: skip


def new_requirement(session: Session, title: str, themes: list[str]) -> Requirement:
    """Open a requirement a PM asked for (masked title: requirements are shown to every role)."""
    title = mask_pii(title)
    req = Requirement(id=new_id(), title=title, themes=sorted(set(themes)),
                      suggested_title=title, suggested_themes=[])  # fmt: skip
    session.add(req)
    session.flush()
    return req


def target_requirement(session: Session, requirement_id: str) -> Requirement:
    """The requirement (following merges), or ReviewError 422."""
    req = resolve(session=session, requirement_id=requirement_id)
    if req is None:
        raise ReviewError(422, "unknown_requirement", f"no requirement with id {requirement_id!r}")
    return req


def decide(
    *, session: Session, changes: Sequence[Change], key: ApiKey | None, action: str,
    items: Sequence[Any] = (), batch_id: str | None = None, commit: bool = True,
    show_status: bool = True, fresh: set[tuple[str, str, str]] | frozenset = frozenset(),
) -> list[dict[str, Any]]:  # fmt: skip
    """Record the decisions, show their values, audit the action, and commit.

    All decisions of one action share a batch id: undoing the action undoes them together.
    """
    batch_id = batch_id or new_id()
    # An unchanged status is no decision; an unchanged label is one (a confirmation).
    changes = [c for c in changes if not (c.field == "status" and c.value == c.before)]
    rows = record(session=session, changes=changes, actor=Actor.of(key), batch_id=batch_id,
                  fresh=fresh)  # fmt: skip
    groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for c in changes:
        groups[(c.subject_type, c.field)][c.subject_id] = c.value
    for (subject_type, field), values in groups.items():
        if (subject_type, field) == ("item", "status") and not show_status:
            continue  # the caller sets it, with the version, in one statement
        apply_values(session=session, subject_type=subject_type, field=field, values=values)
    record_audit(
        session=session, action=f"review.{action}", actor_key=key,
        target_type="review_item" if len(items) == 1 else "review_batch",
        target_id=items[0].id if len(items) == 1 else batch_id,
        detail={"decisions": [r["id"] for r in rows][:50], "items": len(items)},
    )  # fmt: skip
    if commit:
        session.commit()
    return rows


def status_change(item: ReviewItem, status: str, action: str, **kw: Any) -> Change:
    """The decision that moves an item to `status`."""
    return Change("item", item.id, "status", status, item.status, action, item_id=item.id,
                  feedback_id=item.feedback_id, **kw)  # fmt: skip


def link_change(item: ReviewItem, requirement_id: str | None, before: str | None,
                action: str, **kw: Any) -> Change:  # fmt: skip
    """The decision that places a candidate in a requirement (None: it supports none)."""
    return Change("candidate", item.subject_id, "requirement", requirement_id, before, action,
                  item_id=item.id, feedback_id=item.feedback_id, **kw)  # fmt: skip


def feedback_change(item: ReviewItem, field: str, value: Any, before: Any, action: str) -> Change:
    """The decision that relabels the kind or themes of the item's feedback."""
    return Change("feedback", item.feedback_id or "", field, value, before, action,
                  item_id=item.id, feedback_id=item.feedback_id)  # fmt: skip
