"""One RequirementIndex per database, rebuilt from stored requirements and kept in sync by id."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback_ai.ml.grouping.matcher import GroupingConfig, RequirementIndex
from feedback_ai.requirements.models import Requirement, RequirementEvidence


@dataclass
class IndexState:
    """The index of one database, the lock that serialises matching, and the newest id loaded."""

    index: RequirementIndex
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_id: str = ""

    def sync(self, session: Session) -> None:
        """Load requirements created since the last sync (ids are time-ordered UUIDv7)."""
        rows = session.execute(
            select(Requirement.id, Requirement.title)
            .where(Requirement.id > self.last_id)  # merged ones too: matches follow merged_into
            .order_by(Requirement.id)
        ).all()
        if not rows:
            return
        members: dict[str, list[tuple[str, str]]] = defaultdict(list)
        cap = self.index.config.profile_members
        evidence = session.execute(
            select(
                RequirementEvidence.requirement_id,
                RequirementEvidence.statement,
                RequirementEvidence.sentence,
            )
            .where(RequirementEvidence.requirement_id >= rows[0].id)
            .order_by(RequirementEvidence.requirement_id, RequirementEvidence.created_at)
        )
        for req_id, statement, sentence in evidence:
            if len(members[req_id]) < cap:
                members[req_id].append((statement, sentence))
        for row in rows:
            if row.id not in self.index:
                self.index.add(row.title, key=row.id)
                found = members.get(row.id, [])
                rest = found[1:] if found and found[0][0] == row.title else found
                for statement, sentence in rest:
                    self.index.extend(row.id, statement, sentence=sentence)
        self.last_id = max(self.last_id, rows[-1].id)


_states: dict[str, IndexState] = {}
_states_lock = threading.Lock()


def index_for(session: Session, *, config: GroupingConfig | None = None) -> IndexState:
    """The index of this session's database, built on first use."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _states_lock:
        state = _states.get(url)
        if state is None or (config is not None and state.index.config != config):
            # The tables keep every member's texts: the index needs no copy of them.
            state = _states[url] = IndexState(
                index=RequirementIndex(config=config, keep_texts=False)
            )
    return state


def reset_index(session: Session) -> None:
    """Forget the index of this session's database; the next use rebuilds it from the tables."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _states_lock:
        _states.pop(url, None)
