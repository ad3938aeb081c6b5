"""What the product shows of a feedback item: the human decision where one exists, else the model.

Kind and themes each come from the active decision on that field (with who and when), else from
the current prediction. Themes given by accepting a proposal (theme labels) are human labels too:
they are shown unless a themes decision was made after them (that decision is the PM's full list).
This module is the one definition: SQL expressions for filters and counts, and a loader for pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, exists, or_, select, true, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from feedback_ai.feedback.models import Prediction, PredictionTheme
from feedback_ai.review.models import ReviewDecision
from feedback_ai.review.sql import chunks
from feedback_ai.themes.models import ThemeLabel

Source = Literal["decision", "model"]
# Aliases: callers' queries may already hold these tables, which would swallow a correlation.
D = aliased(ReviewDecision, name="shown_decision")
P = aliased(Prediction, name="shown_prediction")
PT = aliased(PredictionTheme, name="shown_prediction_theme")
TL = aliased(ThemeLabel, name="shown_label")


class json_items(FunctionElement[Any]):
    """The items of a JSON array of strings, as rows of one text column `value`."""

    name = "json_items"
    inherit_cache = True


@compiles(json_items, "sqlite")
def _json_each(element: json_items, compiler: Any, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(json_items, "postgresql")
def _json_elements(element: json_items, compiler: Any, **kw: Any) -> str:
    return f"json_array_elements_text({compiler.process(element.clauses, **kw)})"


def _active(field: str, feedback_id: Any) -> tuple[ColumnElement[bool], ...]:
    """The active decision on `field` of the item: not superseded, not an undo."""
    return (
        D.subject_type == "feedback", D.subject_id == feedback_id, D.field == field,
        D.superseded_by.is_(None), D.action != "undo",
    )  # fmt: skip


def decided(field: str, feedback_id: Any) -> ColumnElement[bool]:
    """Whether a PM decided `field` (kind or themes) of the item `feedback_id` refers to."""
    return exists().where(*_active(field, feedback_id))


def kind_of(feedback_id: Any) -> ColumnElement[Any]:
    """The shown kind of the item `feedback_id` (a column of the enclosing query) refers to."""
    by_pm = (
        select(D.value[()].as_string())
        .where(*_active("kind", feedback_id))
        .order_by(D.decided_at.desc(), D.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    by_model = select(P.kind).where(P.feedback_id == feedback_id, P.is_current).scalar_subquery()
    return case((decided("kind", feedback_id), by_pm), else_=by_model)


def _label_stands(label: Any) -> ColumnElement[bool]:
    """No themes decision made at or after the label replaced it."""
    later = exists().where(*_active("themes", label.feedback_id), D.decided_at >= label.created_at)
    return ~later


def has_theme(feedback_id: Any, theme_id: str) -> ColumnElement[bool]:
    """Whether the item `feedback_id` refers to shows `theme_id`."""
    items = json_items(D.value).table_valued("value")
    by_pm = exists(
        select(1)
        .select_from(D)
        .join(items, true())
        .where(*_active("themes", feedback_id), items.c.value == theme_id)
    )
    by_model = exists().where(
        P.feedback_id == feedback_id, P.is_current, PT.prediction_id == P.id,
        PT.theme_id == theme_id,
    )  # fmt: skip
    labelled = exists().where(
        TL.feedback_id == feedback_id, TL.theme_id == theme_id, _label_stands(TL)
    )
    return or_(by_pm, and_(~decided("themes", feedback_id), by_model), labelled)


def theme_pairs() -> Select[Any]:
    """(feedback_id, theme_id) of every shown theme of every item, each pair once."""
    items = json_items(D.value).table_valued("value")
    by_pm = (
        select(D.subject_id.label("feedback_id"), items.c.value.label("theme_id"))
        .select_from(D)
        .join(items, true())
        .where(D.subject_type == "feedback", D.field == "themes", D.superseded_by.is_(None),
               D.action != "undo")
    )  # fmt: skip
    theme = aliased(PredictionTheme, name="pair_theme")
    pred = aliased(Prediction, name="pair_prediction")
    by_model = (
        select(pred.feedback_id, theme.theme_id)
        .join(pred, pred.id == theme.prediction_id)
        .where(pred.is_current, ~decided("themes", pred.feedback_id))
    )
    label = aliased(ThemeLabel, name="pair_label")
    labelled = select(label.feedback_id, label.theme_id).where(_label_stands(label))
    return union(by_pm, by_model, labelled)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a shown value comes from; who decided it and when, for decisions."""

    source: Source
    decided_by: str | None = None
    decided_at: datetime | None = None


MODEL = Origin("model")


@dataclass(frozen=True, slots=True)
class ShownTheme:
    """A shown theme; `score` is the model's, for themes the model suggested."""

    id: str
    origin: Origin
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Shown:
    """The shown kind and themes of one item; an origin is None when nothing is known."""

    kind: str | None
    kind_origin: Origin | None
    themes: list[ShownTheme]
    themes_origin: Origin | None


def _origin(d: ReviewDecision) -> Origin:
    return Origin("decision", d.decided_by, d.decided_at)


def _labels_origin(labels: Sequence[tuple[str, datetime]]) -> Origin | None:
    return Origin("decision", None, max(at for _, at in labels)) if labels else None


def resolve(
    *, kind: str | None, themes: Sequence[tuple[str, float]], has_prediction: bool,
    decisions: dict[str, ReviewDecision], labels: Sequence[tuple[str, datetime]] = (),
) -> Shown:  # fmt: skip
    """Combine an item's current prediction, active decisions (by field) and theme labels."""
    model = MODEL if has_prediction else None
    k = decisions.get("kind")
    t = decisions.get("themes")
    if t is not None:
        shown = [ShownTheme(str(tid), _origin(t)) for tid in t.value or []]
    else:
        shown = [ShownTheme(tid, MODEL, score) for tid, score in themes]
    for tid, at in labels:
        if (t is None or at > t.decided_at) and all(s.id != tid for s in shown):
            shown.append(ShownTheme(tid, Origin("decision", None, at)))
    return Shown(
        kind=k.value if k is not None else kind,
        kind_origin=_origin(k) if k is not None else model,
        themes=shown,
        themes_origin=_origin(t) if t is not None else model or _labels_origin(labels),
    )


def load(*, session: Session, feedback_ids: Sequence[str]) -> dict[str, Shown]:
    """The shown values of each item, in three queries per 500 ids."""
    preds: dict[str, tuple[str | None, list[tuple[str, float]]]] = {}
    decs: dict[str, dict[str, ReviewDecision]] = {}
    labels: dict[str, list[tuple[str, datetime]]] = {}
    for chunk in chunks(list(dict.fromkeys(feedback_ids))):
        rows = session.execute(
            select(Prediction.feedback_id, Prediction.kind, PredictionTheme.theme_id,
                   PredictionTheme.score)
            .outerjoin(PredictionTheme, PredictionTheme.prediction_id == Prediction.id)
            .where(Prediction.feedback_id.in_(chunk), Prediction.is_current)
            .order_by(Prediction.feedback_id, PredictionTheme.rank)
        )  # fmt: skip
        for fid, kind, tid, score in rows:
            entry = preds.setdefault(fid, (kind, []))
            if tid is not None:
                entry[1].append((tid, score))
        query = select(ReviewDecision).where(
            ReviewDecision.subject_type == "feedback", ReviewDecision.subject_id.in_(chunk),
            ReviewDecision.field.in_(("kind", "themes")), ReviewDecision.superseded_by.is_(None),
            ReviewDecision.action != "undo",
        ).order_by(ReviewDecision.decided_at, ReviewDecision.id)  # fmt: skip
        for d in session.scalars(query):
            decs.setdefault(d.subject_id, {})[d.field] = d  # the latest wins
        for fid, tid, at in session.execute(
            select(ThemeLabel.feedback_id, ThemeLabel.theme_id, ThemeLabel.created_at)
            .where(ThemeLabel.feedback_id.in_(chunk)).order_by(ThemeLabel.theme_id)
        ):  # fmt: skip
            labels.setdefault(fid, []).append((tid, at))
    out = {}
    for fid in feedback_ids:
        kind, themes = preds.get(fid, (None, []))
        out[fid] = resolve(kind=kind, themes=themes, has_prediction=fid in preds,
                           decisions=decs.get(fid, {}), labels=labels.get(fid, []))  # fmt: skip
    return out
