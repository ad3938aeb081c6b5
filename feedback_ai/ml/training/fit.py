"""Fit a FeedbackModel from labelled examples: every head the data has labels for."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypedDict

import numpy as np
import scipy.sparse as sp

from feedback_ai.errors import DataError
from feedback_ai.ml.features.featurizer import FeedbackFeaturizer
from feedback_ai.ml.features.sampled import fit_on_sample
from feedback_ai.ml.heads.classify import MultiLabelHead, SingleLabelHead
from feedback_ai.ml.heads.solvers import LARGE_CV
from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.requirements.detector import RequirementDetector
from feedback_ai.ml.text.nlp import sentence_spans
from feedback_ai.ml.text.pii import prepare
from feedback_ai.ml.themes.taxonomy import Taxonomy
from feedback_ai.ml.training.dataset import Example


@dataclass(frozen=True, slots=True)
class FitConfig:
    """Hyper-parameters; the defaults are what the benchmarks measured."""

    C: float = 0.5
    use_chars: bool = True
    use_embeddings: bool = True
    embedding_weight: float = 2.0
    # Ask/defect cue families as features (features/cues.py), and the value of a present cue.
    use_cues: bool = True
    cue_weight: float = 0.5
    # Share of the out-of-fold macro-F1 kind biases applied (0 turns them off).
    kind_bias_shrink: float = 0.5
    # Single-label themes: share of the out-of-scope examples (items with no theme) to leave out.
    scope_recall: float = 0.8
    # Kinds as if every kind were equally common (SingleLabelHead.uniform_prior). None: decided by
    # the data; train_model and retrain set it for the bundled seed, whose kind mix is written.
    uniform_kind_prior: bool | None = None
    random_state: int = 0
    # More training items than this take the large-data path (heads/solvers.py): capped, 2 folds,
    # both cores, vocabularies from a sample. At or below it, the exact path the figures measured.
    large_above: int = 20_000
    # Large-data path: texts (or sentences) the TF-IDF vocabularies and IDF weights are fitted on.
    vocabulary_sample: int = 20_000
    # Large-data path: threads for folds and labels.
    n_jobs: int = 2

    def is_large(self, n_examples: int) -> bool:
        """Whether `n_examples` training items take the large-data path."""
        return n_examples > self.large_above


def seed_config(config: FitConfig | None) -> FitConfig:
    """The config for data built on the bundled seed: a uniform kind prior unless set otherwise."""
    config = config or FitConfig()
    if config.uniform_kind_prior is None:
        config = replace(config, uniform_kind_prior=True)
    return config


def requirement_sentences(
    examples: list[Example],
) -> tuple[list[str], list[bool], list[str | None]]:
    """Split annotated items into sentences, each labelled with whether it states a requirement."""
    sentences, labels, statements, _ = annotated_sentences(examples)
    return sentences, labels, statements


def annotated_sentences(
    examples: list[Example],
) -> tuple[list[str], list[bool], list[str | None], np.ndarray]:
    """As `requirement_sentences`, plus the index (among annotated examples) of each one's item."""
    annotated = [ex for ex in examples if ex.requirements is not None]
    mapped = [prepare(ex.text) for ex in annotated]
    spans = sentence_spans([m.text for m in mapped])
    sentences: list[str] = []
    labels: list[bool] = []
    statements: list[str | None] = []
    items: list[int] = []
    for item, (ex, m, sents) in enumerate(zip(annotated, mapped, spans, strict=True)):
        targets = []
        for req in ex.requirements or ():
            at = ex.text.find(req.sentence)
            if at >= 0:
                targets.append((at, at + len(req.sentence), req.statement))
        for start, end in sents:
            o_start, o_end = m.to_original(start, end)
            hit = next(
                (
                    st
                    for a, b, st in targets
                    if min(b, o_end) - max(a, o_start) > 0.5 * min(b - a, o_end - o_start)
                ),
                None,
            )
            sentences.append(m.text[start:end])
            labels.append(hit is not None)
            statements.append(hit)
            items.append(item)
    return sentences, labels, statements, np.asarray(items, dtype=np.int64)


def _kind_context(
    examples: list[Example], kind_rows: list[int], kind_head: SingleLabelHead | None
) -> tuple[np.ndarray | None, list[str]]:
    """Out-of-fold kind probabilities of each annotated example (zeros where it has no kind)."""
    oof = getattr(kind_head, "oof_proba_", None)
    if kind_head is None or oof is None:
        return None, []
    row_of = {i: r for r, i in enumerate(kind_rows)}
    annotated = [i for i, ex in enumerate(examples) if ex.requirements is not None]
    context = np.zeros((len(annotated), oof.shape[1]))
    for a, i in enumerate(annotated):
        if i in row_of:
            context[a] = oof[row_of[i]]
    return context, [str(c) for c in kind_head.classes_]


class _Solver(TypedDict):
    """How the heads fit their linear models (see heads/solvers.py)."""

    random_state: int
    solver: str
    cv: int
    n_jobs: int | None


def _rows(X: sp.csr_matrix, rows: list[int]) -> sp.csr_matrix:
    """X's `rows`, without a copy when they are all of them in order (a large X is ~1 GB)."""
    return X if len(rows) == X.shape[0] else X[rows]


def fit_model(
    examples: list[Example], *, taxonomy: Taxonomy, version: str, config: FitConfig | None = None
) -> FeedbackModel:
    """Fit the featurizer and each head whose labels the examples carry."""
    config = config or FitConfig()
    if not examples:
        raise DataError("No training examples.")
    texts = [prepare(ex.text).text for ex in examples]
    sources = [ex.source for ex in examples]
    featurizer = FeedbackFeaturizer(
        use_chars=config.use_chars,
        use_embeddings=config.use_embeddings,
        embedding_weight=config.embedding_weight,
        use_cues=config.use_cues,
        cue_weight=config.cue_weight,
    )
    large = config.is_large(len(examples))
    # The exact path's values are the heads' defaults: converged, 3 folds, one thread.
    how: _Solver = {"random_state": config.random_state, "solver": "exact", "cv": 3, "n_jobs": None}
    if large:
        how |= {"solver": "capped", "cv": LARGE_CV, "n_jobs": config.n_jobs}
    if large:
        X = fit_on_sample(
            featurizer,
            texts,
            sources,
            sample=config.vocabulary_sample,
            seed=config.random_state,
            n_jobs=config.n_jobs,
        )
    else:
        X = featurizer.fit_transform(texts, sources=sources)
    kind_rows = [i for i, ex in enumerate(examples) if ex.kind]
    kind_head = None
    if kind_rows:
        kind_head = SingleLabelHead(
            C=config.C,
            bias_shrink=config.kind_bias_shrink,
            uniform_prior=bool(config.uniform_kind_prior),
            **how,
        ).fit(_rows(X, kind_rows), [str(examples[i].kind) for i in kind_rows])
    theme_rows = [i for i, ex in enumerate(examples) if ex.themes is not None]
    theme_head = None
    if theme_rows:
        ids = taxonomy.ids
        unknown = sorted({t for i in theme_rows for t in examples[i].themes or () if t not in ids})
        if unknown:
            raise DataError(
                f"Themes {unknown[:10]} are not in the taxonomy; add them or fix the labels."
            )
        # int8 labels break OneVsRestClassifier beyond 127 classes (index overflow): use int64.
        Y = np.zeros((len(theme_rows), len(ids)), dtype=np.int64)
        index = {t: j for j, t in enumerate(ids)}
        for r, i in enumerate(theme_rows):
            for t in examples[i].themes or ():
                Y[r, index[t]] = 1
        # No item with two or more themes: the taxonomy is single-label (one theme, or none).
        theme_head = MultiLabelHead(
            C=config.C,
            scope_recall=config.scope_recall,
            **how,
        ).fit(_rows(X, theme_rows), Y, labels=ids, single_label=bool(Y.sum(axis=1).max() <= 1))
    detector = None
    sentences, labels, _, items = annotated_sentences(examples)
    if sentences and 0 < sum(labels) < len(labels):
        context, classes = _kind_context(examples, kind_rows, kind_head)
        detector = RequirementDetector(
            C=config.C,
            **how,
            vocabulary_sample=config.vocabulary_sample if large else None,
        ).fit(sentences, labels, items=items, item_context=context, context_classes=classes)
    if kind_head is None and theme_head is None:
        raise DataError("The data labels neither `kind` nor `themes`; nothing to train.")
    return FeedbackModel(
        version=version,
        taxonomy=taxonomy,
        featurizer=featurizer,
        kind_head=kind_head,
        theme_head=theme_head,
        requirement_detector=detector,
    )
