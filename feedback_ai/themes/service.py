"""Theme volumes and trends, discovery of proposals from unassigned feedback, PM decisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.auth.models import ApiKey
from feedback_ai.auth.service import record_audit
from feedback_ai.db import utcnow
from feedback_ai.feedback.models import Feedback, Prediction
from feedback_ai.ml.grouping.normalize import Normalizer
from feedback_ai.ml.themes.discovery import discover_themes
from feedback_ai.ml.themes.taxonomy import slugify
from feedback_ai.ml.themes.trends import Emerging, Trend, bucket_counts, emerging_test, window_trend
from feedback_ai.review import shown
from feedback_ai.themes.models import CustomTheme, ThemeLabel, ThemeProposal

MAX_DISCOVERY_ITEMS = 5_000


@dataclass(frozen=True, slots=True)
class ThemeStats:
    """Volume of one theme: total, 30-vs-30 trend, daily and weekly buckets, the emerging test."""

    id: str
    name: str
    custom: bool
    count: int
    trend: Trend
    weekly: list[tuple[date, int]]
    daily: list[tuple[date, int]]
    emerging: Emerging


# Daily buckets cover the last 30 days, weekly ones the last `weeks` weeks.
DAILY_DAYS = 30


class ProposalError(ValueError):
    """A decision that cannot be applied to a proposal in its current status."""


def theme_stats(
    *, session: Session, names: Mapping[str, str], now: datetime | None = None, weeks: int = 12
) -> list[ThemeStats]:
    """Stats for every taxonomy theme (`names`) and accepted custom theme, most items first."""
    now = now or utcnow()
    catalogue = {tid: (name, False) for tid, name in names.items()}
    for theme in session.scalars(select(CustomTheme)):
        catalogue[theme.id] = (theme.name, True)
    times: dict[str, list[datetime]] = defaultdict(list)
    # Each item counts once per theme it shows: a PM's decision, else the model's themes.
    pairs = shown.theme_pairs().subquery()
    query = select(pairs.c.theme_id, Feedback.received_at).join(
        Feedback, Feedback.id == pairs.c.feedback_id
    )
    for theme_id, received in session.execute(query):
        times[theme_id].append(received)
    for tid in times:
        catalogue.setdefault(tid, (tid, False))  # e.g. a theme only an older model predicted
    start = now.date() - timedelta(weeks=weeks - 1)
    day_start = now.date() - timedelta(days=DAILY_DAYS - 1)
    out = []
    for tid, (name, custom) in catalogue.items():
        recent = [t for t in times.get(tid, []) if t.date() >= start]
        out.append(ThemeStats(
            id=tid, name=name, custom=custom, count=len(times.get(tid, [])),
            trend=window_trend(times.get(tid, []), now=now),
            weekly=bucket_counts(recent, unit="week", start=start, end=now.date()),
            daily=bucket_counts(
                [t for t in recent if t.date() >= day_start], unit="day", start=day_start, end=now.date()
            ),
            emerging=emerging_test(times.get(tid, []), now=now),
        ))  # fmt: skip
    return sorted(out, key=lambda s: (-s.count, s.id))


def refresh_proposals(
    *, session: Session, known_keywords: Sequence[Sequence[str]] = (), n_themes: int | None = None,
    min_size: int = 5,
) -> list[ThemeProposal]:  # fmt: skip
    """Re-cluster unassigned, unlabelled feedback; same data gives the same proposals."""
    unlabelled = (
        ~select(ThemeLabel.feedback_id).where(ThemeLabel.feedback_id == Feedback.id).exists()
    )
    rows = session.execute(
        select(Feedback.id, Feedback.masked_text)
        .join(Prediction, (Prediction.feedback_id == Feedback.id) & Prediction.is_current)
        .where(Prediction.unassigned, unlabelled)
        .order_by(Feedback.received_at.desc(), Feedback.id)
        .limit(MAX_DISCOVERY_ITEMS)
    ).all()
    rows = sorted(rows, key=lambda r: r.id)
    stored = {p.fingerprint: p for p in session.scalars(select(ThemeProposal))}
    normalizer = Normalizer()
    known = [[t for k in kws for t in normalizer.tokens(k)] for kws in known_keywords]
    known += [p.stems for p in stored.values() if p.status == "accepted"]
    dismissed = [p.stems for p in stored.values() if p.status == "dismissed"]
    found = discover_themes(
        [r.masked_text for r in rows], n_themes=n_themes, min_size=min_size,
        dismissed=dismissed, known=known, normalizer=normalizer,
    )  # fmt: skip
    current = set()
    for prop in found:
        current.add(prop.fingerprint)
        row = stored.get(prop.fingerprint)
        if row is None:
            row = stored[prop.fingerprint] = ThemeProposal(
                fingerprint=prop.fingerprint, name=prop.name
            )
            session.add(row)
        elif row.status != "proposed":
            continue
        row.keywords, row.stems = prop.keywords, prop.stems
        row.feedback_ids = [rows[i].id for i in prop.members]
        row.example_ids = [rows[i].id for i in prop.examples]
        row.size, row.cohesion = len(prop.members), prop.cohesion
    for fingerprint, row in stored.items():
        if row.status == "proposed" and fingerprint not in current:
            session.delete(row)  # no longer supported by the data
    session.commit()
    return list_proposals(session=session)


def list_proposals(*, session: Session, status: str | None = "proposed") -> list[ThemeProposal]:
    """Stored proposals, biggest first."""
    query = select(ThemeProposal)
    if status:
        query = query.where(ThemeProposal.status == status)
    return list(
        session.scalars(query.order_by(ThemeProposal.size.desc(), ThemeProposal.fingerprint))
    )


def _theme_id(session: Session, name: str) -> str:
    base, n = f"custom_{slugify(name)[:40]}", 1
    candidate = base
    while session.get(CustomTheme, candidate) is not None:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def accept_proposal(
    *, session: Session, proposal: ThemeProposal, name: str | None, actor_key: ApiKey | None
) -> CustomTheme:
    """Add the proposal to the taxonomy with a new stable id; its items become labelled examples."""
    if proposal.status == "dismissed":
        raise ProposalError(f"proposal {proposal.id} was dismissed; it cannot be accepted")
    if proposal.status == "accepted" and proposal.theme_id:
        return session.get(CustomTheme, proposal.theme_id)  # type: ignore[return-value]
    proposal.name = name or proposal.name
    theme = CustomTheme(id=_theme_id(session, proposal.name), name=proposal.name,
                        keywords=list(proposal.keywords), proposal_id=proposal.id)  # fmt: skip
    session.add(theme)
    for fid in proposal.feedback_ids:
        session.merge(ThemeLabel(feedback_id=fid, theme_id=theme.id, origin="proposal"))
    proposal.status, proposal.theme_id, proposal.decided_at = "accepted", theme.id, utcnow()
    record_audit(
        session=session, action="theme.accept", actor_key=actor_key,
        target_type="theme_proposal", target_id=proposal.id, detail={"theme": theme.id},
    )  # fmt: skip
    session.commit()
    return theme


def rename_proposal(
    *, session: Session, proposal: ThemeProposal, name: str, actor_key: ApiKey | None = None
) -> ThemeProposal:
    """Rename a proposal, and its theme when it was accepted (the theme id stays)."""
    old, proposal.name = proposal.name, name
    if proposal.theme_id and (theme := session.get(CustomTheme, proposal.theme_id)) is not None:
        theme.name = name
    record_audit(
        session=session, action="theme.rename", actor_key=actor_key, target_type="theme_proposal",
        target_id=proposal.id, detail={"from": old, "to": name, "theme": proposal.theme_id},
    )  # fmt: skip
    session.commit()
    return proposal


def dismiss_proposal(
    *, session: Session, proposal: ThemeProposal, actor_key: ApiKey | None
) -> ThemeProposal:
    """Dismiss a proposal; discovery will not propose it (or one much like it) again."""
    if proposal.status == "accepted":
        raise ProposalError(f"proposal {proposal.id} was accepted as {proposal.theme_id}")
    proposal.status, proposal.decided_at = "dismissed", utcnow()
    record_audit(session=session, action="theme.dismiss", actor_key=actor_key,
                 target_type="theme_proposal", target_id=proposal.id)  # fmt: skip
    session.commit()
    return proposal
