"""Match candidate statements to requirements: rare-term candidate search, TF-IDF cosine + fuzzy."""

from __future__ import annotations

import hashlib
import heapq
import math
from array import array
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from feedback_ai.errors import DataError
from feedback_ai.ml.grouping.normalize import Normalizer

STATE_VERSION = 1
# Postings (after the per-term cap) up to which the shortlist is built without numpy.
SMALL_SHORTLIST = 512


@dataclass(frozen=True, slots=True)
class GroupingConfig:
    """Knobs of the matcher; `threshold` is the combined score a candidate needs to join."""

    threshold: float = 0.62
    fuzzy_weight: float = 0.25  # share of the fuzzy ratio in the combined score
    sentence_weight: float = 0.3  # weight of source-sentence words next to the statement's
    bigram_weight: float = 0.5  # weight of adjacent-token pairs in the cosine
    max_probe_terms: int = 8  # rarest query terms whose postings are read
    max_postings: int = 2_000  # newest entries read per posting list: bounds cost per match
    max_candidates: int = 24  # candidates re-scored exactly
    profile_members: int = 25  # members whose words enrich a requirement's profile


@dataclass(frozen=True, slots=True)
class Match:
    """Result of matching one statement: the requirement it joined or opened."""

    key: str
    score: float
    created: bool


def _features(tokens: list[str], *, weight: float, bigram_weight: float) -> dict[str, float]:
    feats: dict[str, float] = {}
    for tok in tokens:
        feats[tok] = feats.get(tok, 0.0) + weight
    if bigram_weight > 0:
        for a, b in pairwise(tokens):
            if a != b:
                pair = f"{a} {b}" if a < b else f"{b} {a}"
                feats[pair] = feats.get(pair, 0.0) + weight * bigram_weight
    return feats


def _tf(weight: float) -> float:
    return 1.0 + math.log(weight) if weight >= 1 else weight


class RequirementIndex:
    """In-memory index of requirement profiles; the caller (the database) owns the keys."""

    def __init__(
        self, *, config: GroupingConfig | None = None, normalizer: Normalizer | None = None,
        keep_texts: bool = True,
    ):  # fmt: skip
        """`keep_texts=False` when the member texts are kept elsewhere (a database): the index
        then holds no copy of them and cannot `to_state()`."""
        self.config = config or GroupingConfig()
        self.keep_texts = keep_texts
        self.normalizer = normalizer or Normalizer()
        self._keys: list[str] = []
        self._slot: dict[str, int] = {}
        self._profiles: list[dict[str, float]] = []
        self._fuzzy_text: list[str] = []
        self._members: list[int] = []
        self._texts: list[list[tuple[str, str | None]]] = []
        self._postings: dict[str, array] = {}  # term -> slots, int32, in insertion order
        self._dead: set[int] = set()
        self._norms: list[tuple[int, float]] = []  # (statements seen when computed, profile norm)
        self._df: dict[str, int] = {}  # statements (not requirements) containing each term
        self._terms: dict[str, str] = {}  # each term's one stored copy
        self._seen = 0

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    def _analyse(self, statement: str, sentence: str | None) -> tuple[list[str], dict[str, float]]:
        cfg = self.config
        tokens = self.normalizer.tokens(statement)
        feats = _features(tokens, weight=1.0, bigram_weight=cfg.bigram_weight)
        if sentence and cfg.sentence_weight > 0:
            extra = self.normalizer.tokens(sentence)
            for term, w in _features(extra, weight=cfg.sentence_weight, bigram_weight=0).items():
                feats[term] = feats.get(term, 0.0) + w
        return tokens, feats

    def _idf(self, term: str) -> float:
        return math.log((self._seen + 1) / (self._df.get(term, 0) + 1)) + 1.0

    def _count(self, feats: dict[str, float]) -> dict[str, float]:
        """Count the statement's terms; returns `feats` keyed by the index's own copy of each
        term, so that profiles share one string per term instead of one per statement."""
        self._seen += 1
        df, terms, shared = self._df, self._terms, {}
        for term, w in feats.items():
            term = terms.setdefault(term, term)
            df[term] = df.get(term, 0) + 1
            shared[term] = w
        return shared

    def _norm(self, slot: int) -> float:
        """Profile norm, recomputed when the profile changed or 5% more statements were seen."""
        size, norm = self._norms[slot]
        if size < 0 or self._seen > size * 1.05 + 1:
            profile, df, log, seen = self._profiles[slot], self._df, math.log, self._seen + 1
            # _tf(w) * _idf(t), written out: the two calls per term were most of a match's time.
            norm = math.sqrt(sum(
                ((1.0 + log(w) if w >= 1 else w) * (log(seen / (df.get(t, 0) + 1)) + 1.0)) ** 2
                for t, w in profile.items()
            )) or 1.0  # fmt: skip
            self._norms[slot] = (self._seen, norm)
        return norm

    def _index_terms(self, slot: int, terms: Iterable[str]) -> None:
        profile = self._profiles[slot]
        for term in terms:
            if " " not in term and term not in profile:
                self._postings.setdefault(term, array("i")).append(slot)

    def observe(self, texts: Iterable[str]) -> None:
        """Count term statistics of texts (e.g. stored feedback) without adding requirements."""
        for text in texts:
            self._count(self._analyse(text, None)[1])

    def add(self, statement: str, *, key: str | None = None, sentence: str | None = None) -> str:
        """Open a new requirement from a statement and return its key."""
        key = key or self.new_key(statement)
        return self._add(statement, key, sentence, self._analyse(statement, sentence))

    def _add(
        self, statement: str, key: str, sentence: str | None,
        analysed: tuple[list[str], dict[str, float]],
    ) -> str:  # fmt: skip
        if key in self._slot:
            raise DataError(
                f"requirement key {key!r} is already indexed; use extend() to add members"
            )
        tokens, feats = analysed
        feats = self._count(feats)
        slot = len(self._keys)
        self._keys.append(key)
        self._slot[key] = slot
        self._profiles.append({})
        self._index_terms(slot, feats)
        self._profiles[slot] = feats
        self._fuzzy_text.append(" ".join(tokens))
        self._members.append(1)
        self._norms.append((-1, 0.0))
        self._texts.append([(statement, sentence)] if self.keep_texts else [])
        return key

    def extend(self, key: str, statement: str, *, sentence: str | None = None) -> None:
        """Record a member; its words enrich the profile up to `profile_members` members."""
        slot = self._slot.get(key)
        if slot is None:
            raise DataError(f"unknown requirement key {key!r}; add() it first")
        self._extend(slot, statement, sentence, self._analyse(statement, sentence)[1])

    def _extend(
        self, slot: int, statement: str, sentence: str | None, feats: dict[str, float]
    ) -> None:
        self._members[slot] += 1
        feats = self._count(feats)
        if self._members[slot] > self.config.profile_members:
            return
        self._index_terms(slot, feats)
        profile = self._profiles[slot]
        for term, w in feats.items():
            profile[term] = profile.get(term, 0.0) + w
        self._norms[slot] = (-1, 0.0)
        if self.keep_texts:
            self._texts[slot].append((statement, sentence))

    def remove(self, key: str) -> None:
        """Forget a requirement (merged or rejected); its postings are skipped lazily."""
        slot = self._slot.pop(key, None)
        if slot is not None:
            self._dead.add(slot)

    def search(
        self, statement: str, *, sentence: str | None = None, k: int = 5
    ) -> list[tuple[str, float]]:
        """The k best requirements for a statement, as (key, combined score), best first."""
        return self._search(self._analyse(statement, sentence), k)

    def _search(
        self, analysed: tuple[list[str], dict[str, float]], k: int
    ) -> list[tuple[str, float]]:
        cfg = self.config
        tokens, feats = analysed
        probe = sorted(
            (t for t in feats if " " not in t and t in self._postings),
            key=lambda t: (len(self._postings[t]), t),
        )[: cfg.max_probe_terms]
        shortlist = self._shortlist(probe)
        if not shortlist:
            return []
        idf = {t: self._idf(t) for t in feats}
        qtf = {t: _tf(w) * idf[t] * idf[t] for t, w in feats.items()}
        qnorm = math.sqrt(sum((_tf(w) * idf[t]) ** 2 for t, w in feats.items())) or 1.0
        qtext = " ".join(tokens)
        scored, log = [], math.log
        for slot in shortlist:
            profile = self._profiles[slot]
            dot = sum(
                w * (1.0 + log(p) if p >= 1 else p)  # w * _tf(p), written out (hot loop)
                for t, w in qtf.items()
                if (p := profile.get(t)) is not None
            )
            cosine = dot / (qnorm * self._norm(slot))
            ratio = fuzz.token_sort_ratio(qtext, self._fuzzy_text[slot]) / 100.0
            score = (1 - cfg.fuzzy_weight) * cosine + cfg.fuzzy_weight * ratio
            scored.append((round(score, 6), slot))
        best = heapq.nsmallest(k, scored, key=lambda ss: (-ss[0], ss[1]))
        return [(self._keys[slot], score) for score, slot in best]

    def _shortlist(self, probe: list[str]) -> list[int]:
        """Slots sharing the most idf weight with the probe terms; reads at most a fixed number."""
        cfg = self.config
        if not probe:
            return []
        cap = cfg.max_postings
        if sum(min(len(self._postings[t]), cap) for t in probe) <= SMALL_SHORTLIST:
            return self._shortlist_small(probe)
        parts = [np.frombuffer(self._postings[t], dtype=np.int32)[-cap:] for t in probe]
        weights = [np.full(len(p), self._idf(t)) for p, t in zip(parts, probe, strict=True)]
        slots, inverse = np.unique(np.concatenate(parts), return_inverse=True)
        votes = np.bincount(inverse, weights=np.concatenate(weights))
        del parts
        if self._dead:
            votes[np.isin(slots, list(self._dead))] = 0.0
        k = min(cfg.max_candidates, int(np.count_nonzero(votes)))
        if k == 0:
            return []
        kth = np.partition(votes, len(votes) - k)[len(votes) - k]
        keep = np.flatnonzero(votes >= kth)
        order = sorted(zip((-votes[keep]).tolist(), slots[keep].tolist(), strict=True))
        return [slot for _, slot in order[:k]]

    def _shortlist_small(self, probe: list[str]) -> list[int]:
        """`_shortlist` in plain Python, for few postings: numpy's fixed cost per call was most
        of it. Same votes (summed in the same order), same ranking by (-votes, slot)."""
        cap, dead = self.config.max_postings, self._dead
        votes: dict[int, float] = {}
        for term in probe:
            idf = self._idf(term)
            for slot in self._postings[term][-cap:]:
                votes[slot] = votes.get(slot, 0.0) + idf
        ranked = sorted((-v, slot) for slot, v in votes.items() if slot not in dead)
        return [slot for _, slot in ranked[: self.config.max_candidates]]

    def match(
        self, statement: str, *, sentence: str | None = None, new_key: str | None = None,
        key_factory: Callable[[], str] | None = None,
    ) -> Match:  # fmt: skip
        """Join the best requirement above threshold or open a new one: (key, score, created).

        The key of a new requirement is `new_key`, else `key_factory()` (called only then),
        else derived from the statement.
        """
        # Analysed once for the search and the add or extend that follows (a third of a match).
        analysed = self._analyse(statement, sentence)
        hits = self._search(analysed, 1)
        if hits and hits[0][1] >= self.config.threshold:
            key, score = hits[0]
            self._extend(self._slot[key], statement, sentence, analysed[1])
            return Match(key=key, score=score, created=False)
        key = new_key or (key_factory() if key_factory is not None else self.new_key(statement))
        self._add(statement, key, sentence, analysed)
        return Match(key=key, score=hits[0][1] if hits else 0.0, created=True)

    def consolidate(self, statements: Iterable[str]) -> list[Match]:
        """Match statements one after another, in order."""
        return [self.match(s) for s in statements]

    def new_key(self, statement: str) -> str:
        """A deterministic key for a new requirement: hash of its normalised words."""
        base = hashlib.sha1(" ".join(self.normalizer.tokens(statement)).encode()).hexdigest()[:12]
        key, n = f"req_{base}", 1
        while key in self._slot:
            n += 1
            key = f"req_{base}_{n}"
        return key

    def to_state(self) -> dict[str, Any]:
        """JSON-ready state: config plus each live requirement's key and member texts."""
        if not self.keep_texts:
            raise DataError("this index keeps no member texts (keep_texts=False); rebuild it")
        live = sorted(self._slot.values())
        reqs = [{"key": self._keys[s], "texts": [list(t) for t in self._texts[s]]} for s in live]
        return {"version": STATE_VERSION, "config": asdict(self.config), "requirements": reqs}

    @classmethod
    def from_state(
        cls, state: dict[str, Any], *, normalizer: Normalizer | None = None
    ) -> RequirementIndex:
        """Rebuild from `to_state()` output, or from titles and statements kept in a database."""
        if state.get("version") != STATE_VERSION:
            raise DataError(
                f"grouping state version {state.get('version')!r} != {STATE_VERSION}; rebuild it"
            )
        index = cls(config=GroupingConfig(**state.get("config", {})), normalizer=normalizer)
        for req in state["requirements"]:
            (first, first_sentence), *rest = req["texts"]
            index.add(first, key=req["key"], sentence=first_sentence)
            for statement, sentence in rest:
                index.extend(req["key"], statement, sentence=sentence)
        return index
