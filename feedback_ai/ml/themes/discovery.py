"""Propose new themes from unassigned feedback: TF-IDF + NMF over stems, c-TF-IDF labels."""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_ai.ml.grouping.normalize import Normalizer

FINGERPRINT_TERMS = 5


@dataclass(frozen=True, slots=True)
class ThemeProposal:
    """A cluster of unassigned items offered to a PM as a new theme."""

    fingerprint: str  # hash of the sorted top stems: stable for the same data, used to dismiss
    name: str
    keywords: list[str]
    stems: list[str]
    members: list[int]  # indices into the input texts
    examples: list[int]  # most representative members, best first
    cohesion: float  # mean cosine of members to the cluster centroid


def fingerprint(stems: Sequence[str]) -> str:
    """Stable id of a proposal: sha1 of its top stems, sorted."""
    return hashlib.sha1("|".join(sorted(stems[:FINGERPRINT_TERMS])).encode()).hexdigest()[:16]


def keyword_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Jaccard overlap of two keyword (stem) lists."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def class_tfidf(counts: np.ndarray) -> np.ndarray:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): term frequency per class times log(1 + A / f_t)."""
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg_words = counts.sum() / max(len(counts), 1)
    idf = np.log1p(avg_words / np.maximum(counts.sum(axis=0), 1))
    return tf * idf


def discover_themes(
    texts: Sequence[str],
    *,
    n_themes: int | None = None,
    min_size: int = 5,
    n_keywords: int = 8,
    n_examples: int = 3,
    dismissed: Sequence[Sequence[str]] = (),
    known: Sequence[Sequence[str]] = (),
    overlap_limit: float = 0.5,
    random_state: int = 0,
    normalizer: Normalizer | None = None,
) -> list[ThemeProposal]:
    """Cluster texts into proposed themes; skip those overlapping dismissed or known themes."""
    normalizer = normalizer or Normalizer()
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    docs = []
    for text in texts:
        pairs = normalizer.surface_tokens(text)
        for stem, word in pairs:
            surface[stem][word] += 1
        docs.append([stem for stem, _ in pairs])
    if sum(1 for d in docs if d) < 2 * min_size:
        return []
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, min_df=2, max_df=0.5, sublinear_tf=True)
    try:
        x = vectorizer.fit_transform(docs)
    except ValueError:  # every term too rare or too common
        return []
    k = n_themes or max(2, min(20, round(math.sqrt(len(docs) / 4))))
    k = min(k, x.shape[1], x.shape[0] - 1)
    if k < 1:
        return []
    nmf = NMF(n_components=k, init="nndsvd", random_state=random_state, max_iter=400)
    weights = nmf.fit_transform(x)
    labels = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    terms = vectorizer.get_feature_names_out()
    counts = np.zeros((k, len(terms)))
    for topic in range(k):
        rows = np.flatnonzero(labels == topic)
        if len(rows):
            counts[topic] = (x[rows] > 0).sum(axis=0).A1
    scores = class_tfidf(counts)
    proposals = []
    for topic in range(k):
        members = np.flatnonzero(labels == topic).tolist()
        if len(members) < min_size:
            continue
        order = sorted(range(len(terms)), key=lambda j: (-scores[topic, j], terms[j]))
        stems = [str(terms[j]) for j in order[:n_keywords] if scores[topic, j] > 0]
        if not stems:
            continue
        if any(keyword_overlap(stems, other) >= overlap_limit for other in [*dismissed, *known]):
            continue
        keywords = [surface[s].most_common(1)[0][0] for s in stems]
        centroid = np.asarray(x[members].mean(axis=0)).ravel()
        centroid /= np.linalg.norm(centroid) or 1.0
        sims = x[members] @ centroid
        ranked = sorted(range(len(members)), key=lambda i: (-sims[i], members[i]))
        proposals.append(
            ThemeProposal(
                fingerprint=fingerprint(stems),
                name=suggest_name(keywords),
                keywords=keywords,
                stems=stems,
                members=members,
                examples=[members[i] for i in ranked[:n_examples]],
                cohesion=round(float(np.mean(sims)), 4),
            )
        )
    return sorted(proposals, key=lambda p: (-len(p.members), p.fingerprint))


def suggest_name(keywords: Sequence[str]) -> str:
    """A readable name from the top two keywords: "Invoice and VAT"."""
    top = [k for k in keywords[:2] if k]
    return " and ".join(top).capitalize() if top else "Unnamed theme"
