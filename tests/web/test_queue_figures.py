"""The queue's account figures in one SQL query equal the per-row computation they replaced."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from feedback_ai.feedback.models import Feedback
from feedback_ai.ids import new_id
from feedback_ai.requirements.aggregates import account_key
from feedback_ai.requirements.models import Requirement, RequirementEvidence
from feedback_ai.web.queue_view import Figures, account_figures, figures_by_rows, figures_by_sql

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def old_figures(session: Session, requirement_ids: list[str]) -> dict[str, Figures]:
    """The computation before: every evidence row loaded, each account at its latest ARR."""
    arr: dict[str, dict[str, float]] = {rid: {} for rid in requirement_ids}
    links = session.execute(
        select(RequirementEvidence.requirement_id, RequirementEvidence.feedback_id).where(
            RequirementEvidence.requirement_id.in_(requirement_ids)
        )
    ).all()
    rows = session.execute(
        select(Feedback.id, Feedback.received_at, Feedback.account_id, Feedback.account_name,
               Feedback.arr).where(Feedback.id.in_({f for _r, f in links}))
    ).all()  # fmt: skip
    accounts = {r[0]: ((r[1], r[0]), account_key(r[2], r[3]), r[4]) for r in rows}
    for rid, fid in sorted(links, key=lambda link: accounts[link[1]][0]):
        _when, account, value = accounts[fid]
        if account is not None:
            arr[rid][account] = float(value or 0.0)
    return {rid: Figures(len(a), round(sum(a.values()), 2)) for rid, a in arr.items()}


def _feedback(i: int, account_id: str | None, name: str | None, arr: float | None,
              minutes: int) -> dict:  # fmt: skip
    return dict(id=new_id(), source="other", external_id=f"f{i}", text=f"t{i}", masked_text=f"t{i}",
                account_id=account_id, account_name=name, arr=arr, extra={},
                received_at=NOW - timedelta(minutes=minutes), created_at=NOW,
                content_sha256=f"{i:064d}")  # fmt: skip


def _store(session: Session, feedback: list[dict], links: list[tuple[str, str]],
           requirement_ids: list[str]) -> None:  # fmt: skip
    reqs = [dict(id=rid, title=f"R {rid}", status="proposed", themes=[], suggested_title="R",
                 suggested_themes=[], created_at=NOW, updated_at=NOW) for rid in requirement_ids]  # fmt: skip
    # Each row its own span: a feedback may be evidence twice for one requirement (two spans).
    evidence = [dict(id=new_id(), requirement_id=rid, feedback_id=fid, statement="s", sentence="s",
                     start=n, end=n + 1, score=0.9, created_at=NOW)
                for n, (rid, fid) in enumerate(links)]  # fmt: skip
    session.execute(insert(Requirement), reqs)
    session.execute(insert(Feedback), feedback)
    session.execute(insert(RequirementEvidence), evidence)
    session.commit()


def test_edge_cases_match_the_old_computation(session: Session) -> None:
    r1, r2, r3 = new_id(), new_id(), new_id()
    fb = [
        _feedback(0, "acme", "Acme", 1000.0, minutes=30),  # older ARR of acme: replaced
        _feedback(1, "acme", "Acme Inc", 2500.5, minutes=10),  # acme's latest
        _feedback(2, None, "Globex", 300.0, minutes=5),  # known by name only
        _feedback(3, "", "Globex", 400.0, minutes=1),  # empty id: the name again, and later
        _feedback(4, None, None, 9999.0, minutes=2),  # no account: not counted
        _feedback(5, "init", None, 700.0, minutes=50),
        _feedback(6, "init", None, None, minutes=40),  # latest ARR unknown: counts as 0
    ]
    ids = [f["id"] for f in fb]
    links = [(r1, i) for i in ids] + [(r1, ids[1])]  # a feedback twice for one requirement
    links += [(r2, ids[0]), (r2, ids[5])]
    _store(session, fb, links, [r1, r2, r3])
    got = account_figures(session=session, requirement_ids=[r1, r2, r3])
    assert got == old_figures(session, [r1, r2, r3])
    for way in (figures_by_sql, figures_by_rows):  # each database uses one; both stay right
        assert way(session=session, requirement_ids=[r1, r2, r3]) == got
    assert got[r1] == Figures(3, 2900.5)  # acme 2500.5, Globex 400, init 0
    assert got[r2] == Figures(2, 1700.0)
    assert got[r3] == Figures(0, 0.0)
    assert account_figures(session=session, requirement_ids=[]) == {}


def test_random_evidence_matches_the_old_computation(session: Session) -> None:
    rng = random.Random(3)
    rids = [new_id() for _ in range(12)]
    fb = [
        _feedback(
            i,
            rng.choice([None, "", *(f"a{k}" for k in range(6))]),
            rng.choice([None, "", "N1", "N2"]),
            rng.choice([None, 0.0, 10.25, 5e5]),
            minutes=rng.randrange(1000),
        )
        for i in range(300)
    ]
    links = [(rng.choice(rids), f["id"]) for f in fb for _ in range(rng.randrange(1, 4))]
    _store(session, fb, links, rids)
    asked = rids[:10]  # two requirements not asked for: their rows must not leak in
    got = account_figures(session=session, requirement_ids=asked)
    assert set(got) == set(asked)
    assert got == old_figures(session, asked)
    assert figures_by_sql(session=session, requirement_ids=asked) == got
    assert figures_by_rows(session=session, requirement_ids=asked) == got
    assert any(f.distinct_accounts > 3 for f in got.values())
