"""Human decisions as training labels: plain records in, one labelled example per item out.

A decision is what a PM decided about one field of one feedback item:
- `kind`: the item's kind (a label string);
- `themes`: the item's full list of theme ids (it replaces the themes the item had);
- `requirement_sentence`: `{"sentence": str, "accepted": bool, "statement": str | None}`, a candidate
  requirement sentence accepted (it states a need) or rejected (it does not);
- `new_theme`: `{"id": str, "name": str, "description": str}`, an accepted new theme; when the record
  names an item, that item is labelled with the theme too.

The latest decision per item and field wins (per sentence for requirement sentences, per theme for
new themes). An item's themes are built in time order: a `themes` decision sets them, a `new_theme`
decision adds one. A record that cannot be used is skipped with its reason, never silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from feedback_ai.ml.themes.taxonomy import THEME_ID_PATTERN, Theme
from feedback_ai.ml.training.dataset import MAX_LABEL_CHARS, RequirementLabel
from feedback_ai.ml.types import SOURCES

FIELDS = ("kind", "themes", "requirement_sentence", "new_theme")


@dataclass(frozen=True, slots=True)
class Decision:
    """One human decision about one field of one item (see the module docstring for `value`)."""

    item_id: str
    text: str
    source: str
    field: str
    value: Any
    decided_at: datetime | str

    @classmethod
    def from_dict(cls, row: dict) -> Decision:
        """A decision from a plain mapping with the same keys."""
        return cls(
            item_id=str(row.get("item_id") or ""),
            text=str(row.get("text") or ""),
            source=str(row.get("source") or "other"),
            field=str(row.get("field") or ""),
            value=row.get("value"),
            decided_at=row.get("decided_at") or "",
        )


@dataclass(frozen=True, slots=True)
class SkippedDecision:
    """A decision left out of the snapshot, and why."""

    item_id: str
    field: str
    reason: str


@dataclass(slots=True)
class ItemLabels:
    """Everything decided about one item once the latest decisions are applied."""

    item_id: str
    text: str
    source: str
    kind: str | None = None
    themes: list[str] | None = None
    sentences: dict[str, tuple[bool, str]] = field(default_factory=dict)  # sentence -> (yes, stmt)


def _instant(value: datetime | str) -> datetime:
    """An aware UTC datetime from a datetime or an ISO 8601 string (naive means UTC)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _check(d: Decision, known_themes: set[str]) -> str | None:
    """Why a decision cannot be used, or None when it can."""
    if d.field not in FIELDS:
        return f"unknown field {d.field[:40]!r}; use one of {FIELDS}"
    # A new theme may be accepted without labelling an item; every other decision labels one.
    if (d.field != "new_theme" or d.item_id) and (not d.item_id or not d.text.strip()):
        return "has no item id or text"
    if d.source not in SOURCES:
        return f"unknown source {d.source[:40]!r}"
    v = d.value
    if d.field == "kind" and not (isinstance(v, str) and 0 < len(v.strip()) <= MAX_LABEL_CHARS):
        return f"`kind` must be a label of 1-{MAX_LABEL_CHARS} characters"
    if d.field == "themes":
        if not isinstance(v, list | tuple) or not all(isinstance(t, str) for t in v):
            return "`themes` must be a list of theme ids"
        unknown = sorted(set(v) - known_themes)
        if unknown:
            return f"themes {unknown[:5]} are in neither the taxonomy nor an accepted new theme"
    if d.field == "requirement_sentence" and not (
        isinstance(v, dict)
        and isinstance(v.get("sentence"), str)
        and v["sentence"].strip()
        and isinstance(v.get("accepted"), bool)
    ):
        return "`requirement_sentence` needs a `sentence` and a boolean `accepted`"
    if d.field == "new_theme" and not (
        isinstance(v, dict) and isinstance(v.get("id"), str) and _valid_id(v["id"])
    ):
        return "`new_theme` needs an `id` of lowercase letters, digits, '_', '.' or '-'"
    return None


def _valid_id(theme_id: str) -> bool:
    return re.match(THEME_ID_PATTERN, theme_id) is not None


def new_themes(decisions: list[Decision]) -> list[Theme]:
    """The accepted new themes, in order of first acceptance; the latest name of each wins."""
    themes: dict[str, Theme] = {}
    for d in sorted(
        (d for d in decisions if d.field == "new_theme" and _check(d, set()) is None),
        key=lambda d: _instant(d.decided_at),
    ):
        v = d.value
        themes[v["id"]] = Theme(
            id=v["id"],
            name=str(v.get("name") or v["id"]),
            description=str(v.get("description") or ""),
        )
    return list(themes.values())


def resolve(
    decisions: list[Decision], *, known_themes: set[str]
) -> tuple[dict[str, ItemLabels], list[SkippedDecision]]:
    """Each decided item's labels (the latest decision per item and field wins), and the skips."""
    skipped: list[SkippedDecision] = []
    usable: list[tuple[datetime, int, Decision]] = []
    for n, d in enumerate(decisions):
        try:
            reason = _check(d, known_themes)
            moment = _instant(d.decided_at)
        except (TypeError, ValueError):
            reason = f"`decided_at` {str(d.decided_at)[:40]!r} is not an ISO 8601 time"
        if reason is not None:
            skipped.append(SkippedDecision(d.item_id, d.field, reason))
        else:
            usable.append((moment, n, d))
    items: dict[str, ItemLabels] = {}
    # Time order (input order breaks ties), so applying each decision in turn leaves the latest.
    for _, _, d in sorted(usable, key=lambda t: (t[0], t[1])):
        if not d.item_id:  # a new theme accepted without labelling any item
            continue
        item = items.setdefault(d.item_id, ItemLabels(d.item_id, d.text, d.source))
        item.text, item.source = d.text, d.source
        if d.field == "kind":
            item.kind = d.value.strip()
        elif d.field == "themes":
            item.themes = sorted(set(d.value))
        elif d.field == "new_theme":
            item.themes = sorted({*(item.themes or ()), d.value["id"]})
        else:
            v = d.value
            item.sentences[v["sentence"].strip()] = (
                v["accepted"],
                str(v.get("statement") or v["sentence"]).strip(),
            )
    return items, skipped


def requirement_labels(
    item: ItemLabels, seed: tuple[RequirementLabel, ...] | None
) -> tuple[RequirementLabel, ...] | None:
    """The item's requirement sentences: the seed's annotation with accepted ones added and
    rejected ones removed. Sentences nobody proposed count as not stating a need, as the model
    judged them when it did not propose them."""
    if not item.sentences:
        return seed
    kept = {r.sentence: r for r in seed or () if item.sentences.get(r.sentence, (True,))[0]}
    for sentence, (accepted, statement) in item.sentences.items():
        if accepted:
            kept[sentence] = RequirementLabel(sentence, statement)
    return tuple(kept[s] for s in sorted(kept))
