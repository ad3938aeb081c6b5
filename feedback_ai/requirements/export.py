"""Requirements with their evidence as CSV, JSON and a CSV that Jira Cloud's importer takes.

Exports leave the system, so they hold the masked evidence only, whoever asks.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.requirements import service
from feedback_ai.requirements.models import RequirementEvidence

MAX_EXPORT_REQUIREMENTS = 10_000
QUOTES_IN_DESCRIPTION = 10
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Priority score (0..100) -> Jira's default priority names.
JIRA_PRIORITIES = ((75.0, "Highest"), (50.0, "High"), (25.0, "Medium"), (10.0, "Low"))


@dataclass(frozen=True, slots=True)
class ExportEvidence:
    """One masked quote with the account and ARR of its feedback item."""

    feedback_id: str
    quote: str
    statement: str
    account: str | None
    arr: float | None
    source: str


@dataclass(frozen=True, slots=True)
class ExportRequirement:
    """A requirement as exported: view plus evidence."""

    view: service.RequirementView
    evidence: list[ExportEvidence]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of one requirement."""
        req, agg, prio = self.view.requirement, self.view.aggregates, self.view.priority
        return {
            "id": req.id, "title": req.title, "status": req.status, "themes": list(req.themes),
            "priority": prio.score, "feedback_count": agg.feedback_count,
            "distinct_accounts": agg.distinct_accounts, "arr": agg.arr,
            "first_seen": agg.first_seen.isoformat() if agg.first_seen else None,
            "last_seen": agg.last_seen.isoformat() if agg.last_seen else None,
            "evidence": [
                {"feedback_id": e.feedback_id, "quote": e.quote, "statement": e.statement,
                 "account": e.account, "arr": e.arr, "source": e.source}
                for e in self.evidence
            ],
        }  # fmt: skip


def export_requirements(
    *, session: Session, sort: service.Sort = "priority", theme: str | None = None,
    status: str | None = None, account: str | None = None, source: str | None = None,
) -> list[ExportRequirement]:  # fmt: skip
    """Every requirement matching the filters (as the list shows them), with its evidence."""
    views, _total = service.list_requirements(
        session=session, sort=sort, theme=theme, status=status, account=account, source=source,
        limit=MAX_EXPORT_REQUIREMENTS,
    )  # fmt: skip
    ids = [v.requirement.id for v in views]
    quotes: dict[str, list[ExportEvidence]] = defaultdict(list)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(
            select(RequirementEvidence, Feedback.account_name, Feedback.account_id, Feedback.arr,
                   Feedback.source)
            .join(Feedback, Feedback.id == RequirementEvidence.feedback_id)
            .where(RequirementEvidence.requirement_id.in_(chunk))
            .order_by(RequirementEvidence.created_at, RequirementEvidence.id)
        )  # fmt: skip
        for ev, name, account_id, arr, source_ in rows:
            quotes[ev.requirement_id].append(
                ExportEvidence(ev.feedback_id, ev.sentence, ev.statement, name or account_id,
                               arr, source_)
            )  # fmt: skip
    return [ExportRequirement(v, quotes[v.requirement.id]) for v in views]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


def to_csv(items: list[ExportRequirement]) -> str:
    """One row per requirement; evidence quotes one per line in the last column."""
    header = ["id", "title", "status", "priority", "themes", "feedback_count", "accounts", "arr",
              "first_seen", "last_seen", "evidence"]  # fmt: skip
    rows: list[Sequence[object]] = [header]
    for item in items:
        d = item.as_dict()
        quotes = "\n".join(
            f'"{e.quote}" ({e.account or "no account"}, {_money(e.arr)})' for e in item.evidence
        )
        rows.append([d["id"], d["title"], d["status"], f"{d['priority']:.1f}",
                     " ".join(d["themes"]), d["feedback_count"], d["distinct_accounts"],
                     f"{d['arr']:.2f}", d["first_seen"], d["last_seen"], quotes])  # fmt: skip
    return _write(rows)


def to_json(items: list[ExportRequirement]) -> str:
    """{"items": [...]} with every requirement's evidence."""
    return json.dumps({"items": [i.as_dict() for i in items]}, ensure_ascii=False, indent=1)


def _money(value: float | None) -> str:
    return "no ARR" if value is None else f"${value:,.0f} ARR"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def jira_priority(score: float) -> str:
    """Jira's priority name for a 0..100 priority score."""
    return next((name for floor, name in JIRA_PRIORITIES if score >= floor), "Lowest")


def jira_label(value: str) -> str:
    """A Jira label: no spaces (Jira splits labels on them)."""
    return "_".join(value.split())[:255]


def jira_description(item: ExportRequirement) -> str:
    """Jira wiki markup: the figures, then the evidence quotes with account and ARR."""
    agg, prio = item.view.aggregates, item.view.priority
    lines = [
        f"*{agg.feedback_count} feedback {_plural(agg.feedback_count, 'item')} from "
        f"{agg.distinct_accounts} {_plural(agg.distinct_accounts, 'account')}, "
        f"{_money(agg.arr)}; priority {prio.score:.0f}/100.*",
        "",
        "h3. Evidence",
    ]
    for e in item.evidence[:QUOTES_IN_DESCRIPTION]:
        lines += [f"{{quote}}{e.quote}{{quote}}", f"— {e.account or 'no account'}, {_money(e.arr)}"]
    if len(item.evidence) > QUOTES_IN_DESCRIPTION:
        lines.append(f"... and {len(item.evidence) - QUOTES_IN_DESCRIPTION} more.")
    lines.append(f"(feedback-ai requirement {item.view.requirement.id})")
    return "\n".join(lines)


def to_jira_csv(items: list[ExportRequirement], *, issue_type: str = "Story") -> str:
    """Summary, Description, Issue Type, Priority and one Labels column per label (Jira reads
    repeated columns as several values)."""
    labels = [["feedback-ai", *(jira_label(t) for t in i.view.requirement.themes)] for i in items]
    width = max((len(x) for x in labels), default=1)
    rows: list[Sequence[object]] = [["Summary", "Description", "Issue Type", "Priority"]
                                    + ["Labels"] * width]  # fmt: skip
    for item, item_labels in zip(items, labels, strict=True):
        rows.append([item.view.requirement.title[:255], jira_description(item), issue_type,
                     jira_priority(item.view.priority.score)]
                    + item_labels + [""] * (width - len(item_labels)))  # fmt: skip
    return _write(rows)
