"""The review API's operations: read the queue and items, and act on one item at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.db import serialized_writes
from feedback_ai.review import actions as act
from feedback_ai.review.actions import ReviewError, get_item, release
from feedback_ai.review.bulk import bulk_preview, bulk_run
from feedback_ai.review.decisions import decisions_for_training
from feedback_ai.review.models import ReviewItem
from feedback_ai.review.reading import (
    claim,
    item_history,
    list_decisions,
    list_queue,
    open_item,
    training_backlog,
    view,
)
from feedback_ai.review.schemas import (
    AcceptBody,
    DuplicateBody,
    EditBody,
    ItemPublic,
    MergeBody,
    QueueFilter,
    RejectBody,
    RelabelBody,
    UndoBody,
)
from feedback_ai.review.search import search_requirements
from feedback_ai.review.sync import SyncReport, sync_queue
from feedback_ai.review.undo import undo

__all__ = [
    "QueueFilter",
    "ReviewError",
    "SyncReport",
    "accept",
    "bulk_preview",
    "bulk_run",
    "claim",
    "decisions_for_training",
    "edit",
    "get_item",
    "item_history",
    "list_decisions",
    "list_queue",
    "mark_duplicate",
    "merge",
    "open_item",
    "reject",
    "relabel",
    "release",
    "search_requirements",
    "sync_queue",
    "training_backlog",
    "undo",
    "view",
]  # fmt: skip


@contextmanager
def _write(session: Session, item_id: str, version: int, key: ApiKey,
           now: datetime) -> Iterator[ReviewItem]:  # fmt: skip
    with serialized_writes(session):
        try:
            yield act.begin_write(session=session, item_id=item_id, version=version, key=key,
                                  now=now)  # fmt: skip
        except BaseException:
            session.rollback()
            raise


def _done(session: Session, item_id: str, key: ApiKey, now: datetime) -> ItemPublic:
    return view(session=session, item=get_item(session=session, item_id=item_id), key=key, now=now)


def _candidate(item: ReviewItem, what: str) -> None:
    if item.item_type != "candidate":
        raise ReviewError(422, "not_a_candidate", f"only candidate requirements can be {what}")


def accept(*, session: Session, item_id: str, body: AcceptBody, key: ApiKey,
           now: datetime) -> ItemPublic:  # fmt: skip
    """Accept: a candidate joins a requirement (suggested, chosen or new); feedback labels are
    confirmed as they are shown; a theme proposal joins the taxonomy (admins only)."""
    with _write(session, item_id, body.version, key, now) as item:
        if item.item_type == "theme_proposal":
            _proposal(session, item, key, accept=True)
        elif item.item_type == "feedback":
            act.decide(session=session, key=key, action="accept", items=[item], changes=[
                act.feedback_change(item, "kind", item.kind, item.kind, "accept"),
                act.feedback_change(item, "themes", list(item.themes), list(item.themes), "accept"),
                act.status_change(item, "accepted", "accept"),
            ])  # fmt: skip
        else:
            if body.requirement_id and body.new_requirement:
                raise ReviewError(422, "ambiguous_target",
                                  "give requirement_id or new_requirement, not both")  # fmt: skip
            before = act.placement(session, item)
            if body.requirement_id:
                target = act.target_requirement(session, body.requirement_id).id
            elif body.new_requirement or before is None:
                title = body.title or item.statement or "Untitled requirement"
                target = act.new_requirement(session, title, list(item.themes)).id
            else:
                target = before
            _place(session, item, key, target, before, "accept")
    return _done(session, item_id, key, now)


def _place(session: Session, item: ReviewItem, key: ApiKey, target: str, before: str | None,
           action: str) -> None:  # fmt: skip
    act.decide(session=session, key=key, action=action, items=[item], changes=[
        act.link_change(item, target, before, action),
        act.status_change(item, "accepted", action),
    ])  # fmt: skip


def merge(*, session: Session, item_id: str, body: MergeBody, key: ApiKey,
          now: datetime) -> ItemPublic:  # fmt: skip
    """Join the candidate to an existing requirement the PM found."""
    with _write(session, item_id, body.version, key, now) as item:
        _candidate(item, "merged into a requirement")
        target = act.target_requirement(session, body.requirement_id).id
        _place(session, item, key, target, act.placement(session, item), "merge")
    return _done(session, item_id, key, now)


def _proposal(session: Session, item: ReviewItem, key: ApiKey, *, accept: bool) -> None:
    from feedback_ai.themes import service as themes
    from feedback_ai.themes.models import ThemeProposal

    if accept and key.role != "admin":
        raise ReviewError(403, "forbidden", "only admins change the taxonomy (accept themes)")
    proposal = session.get(ThemeProposal, item.subject_id)
    if proposal is None:
        raise ReviewError(409, "superseded", "this proposal no longer exists", item)
    action, status = ("accept", "accepted") if accept else ("reject", "rejected")
    act.decide(session=session, key=key, action=action, items=[item],
               changes=[act.status_change(item, status, action)], commit=False)  # fmt: skip
    try:
        if accept:
            themes.accept_proposal(session=session, proposal=proposal, name=None, actor_key=key)
        else:
            themes.dismiss_proposal(session=session, proposal=proposal, actor_key=key)
    except themes.ProposalError as e:
        raise ReviewError(409, "proposal_state", str(e), item) from e


def reject(*, session: Session, item_id: str, body: RejectBody, key: ApiKey,
           now: datetime) -> ItemPublic:  # fmt: skip
    """Reject with a reason; a rejected candidate supports no requirement any more."""
    with _write(session, item_id, body.version, key, now) as item:
        if item.item_type == "theme_proposal":
            _proposal(session, item, key, accept=False)
        else:
            kw = {"reason": body.reason, "note": body.note}
            changes = [act.status_change(item, "rejected", "reject", **kw)]
            if item.item_type == "candidate":
                changes.append(act.link_change(item, None, act.placement(session, item),
                                               "reject", **kw))  # fmt: skip
            act.decide(session=session, key=key, action="reject", items=[item], changes=changes)
    return _done(session, item_id, key, now)


def edit(*, session: Session, item_id: str, body: EditBody, key: ApiKey,
         now: datetime) -> ItemPublic:  # fmt: skip
    """Edit the candidate's statement and/or the title of the requirement it supports."""
    with _write(session, item_id, body.version, key, now) as item:
        _candidate(item, "edited")
        changes = []
        if body.statement is not None:
            changes.append(act.Change("candidate", item.subject_id, "statement", body.statement,
                                      item.statement, "edit", item_id=item.id,
                                      feedback_id=item.feedback_id))  # fmt: skip
        if body.requirement_title is not None:
            req_id = act.placement(session, item)
            if req_id is None:
                raise ReviewError(409, "not_linked", "the candidate supports no requirement", item)
            req = act.target_requirement(session, req_id)
            changes.append(act.Change("requirement", req.id, "title", body.requirement_title,
                                      req.title, "edit", item_id=item.id,
                                      feedback_id=item.feedback_id))  # fmt: skip
        if not changes:
            raise ReviewError(422, "nothing_to_do", "give statement or requirement_title")
        act.decide(session=session, key=key, action="edit", items=[item], changes=changes)
    return _done(session, item_id, key, now)


def relabel(*, session: Session, item_id: str, body: RelabelBody, key: ApiKey,
            now: datetime) -> ItemPublic:  # fmt: skip
    """Relabel the kind and/or themes of the item's feedback."""
    with _write(session, item_id, body.version, key, now) as item:
        if item.feedback_id is None:
            raise ReviewError(422, "no_feedback", "a theme proposal has no feedback to relabel")
        changes = []
        if body.kind is not None:
            changes.append(act.feedback_change(item, "kind", body.kind, item.kind, "relabel"))
        if body.themes is not None:
            changes.append(act.feedback_change(item, "themes", sorted(set(body.themes)),
                                               list(item.themes), "relabel"))  # fmt: skip
        if not changes:
            raise ReviewError(422, "nothing_to_do", "give kind or themes")
        if item.item_type == "feedback":
            changes.append(act.status_change(item, "relabelled", "relabel"))
        act.decide(session=session, key=key, action="relabel", items=[item], changes=changes)
    return _done(session, item_id, key, now)


def mark_duplicate(*, session: Session, item_id: str, body: DuplicateBody, key: ApiKey,
                   now: datetime) -> ItemPublic:  # fmt: skip
    """Mark the item as a duplicate of another item."""
    with _write(session, item_id, body.version, key, now) as item:
        if body.of == item.id or session.get(ReviewItem, body.of) is None:
            raise ReviewError(422, "unknown_item", f"{body.of!r} is not another review item")
        act.decide(session=session, key=key, action="duplicate", items=[item], changes=[
            act.Change("item", item.id, "duplicate_of", body.of, item.duplicate_of, "duplicate",
                       item_id=item.id, feedback_id=item.feedback_id),
            act.status_change(item, "duplicate", "duplicate"),
        ])  # fmt: skip
    return _done(session, item_id, key, now)


def undo_decision(*, session: Session, item_id: str, body: UndoBody, key: ApiKey,
                  now: datetime) -> ItemPublic:  # fmt: skip
    """Undo the item's last action, or one decision from its history."""
    with _write(session, item_id, body.version, key, now) as item:
        undo(session=session, item=item, decision_id=body.decision_id, key=key)
    return _done(session, item_id, key, now)


ACTIONS: dict[str, Callable[..., ItemPublic]] = {
    "accept": accept, "merge": merge, "reject": reject, "edit": edit, "relabel": relabel,
    "duplicate": mark_duplicate, "undo": undo_decision,
}  # fmt: skip
