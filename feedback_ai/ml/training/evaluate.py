"""Metrics for a fitted model on labelled examples, computed through the shared predict function."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from feedback_ai.ml.model import FeedbackModel
from feedback_ai.ml.predict import predict
from feedback_ai.ml.text.pii import prepare
from feedback_ai.ml.themes.taxonomy import slugify
from feedback_ai.ml.training.dataset import Example
from feedback_ai.ml.training.fit import annotated_sentences
from feedback_ai.ml.types import FeedbackInput, Prediction


def token_f1(a: str, b: str) -> float:
    """Bag-of-words F1 between two statements, case-insensitive."""
    ta, tb = a.lower().split(), b.lower().split()
    if not ta or not tb:
        return 0.0
    common = sum(min(ta.count(w), tb.count(w)) for w in set(ta))
    if common == 0:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def _round(d: dict) -> dict:
    return {
        k: round(float(v), 4) if isinstance(v, float | np.floating) else v for k, v in d.items()
    }


def evaluate(
    model: FeedbackModel, examples: list[Example], *, preds: list[Prediction] | None = None
) -> dict:
    """Kind, theme and requirement metrics on `examples` (scored by `model` unless `preds`)."""
    if preds is None:
        preds = predict(model, [FeedbackInput(ex.text, ex.source) for ex in examples])
    metrics: dict = {"n": len(examples)}
    kind_rows = [i for i, ex in enumerate(examples) if ex.kind and model.kind_head is not None]
    if kind_rows:
        truth = [str(examples[i].kind) for i in kind_rows]
        guess = [preds[i].kind or "" for i in kind_rows]
        labels = sorted(set(truth))
        p, r, f, s = precision_recall_fscore_support(truth, guess, labels=labels, zero_division=0)
        metrics["kind"] = _round(
            {
                "accuracy": accuracy_score(truth, guess),
                "macro_f1": f1_score(truth, guess, average="macro", zero_division=0),
            }
        ) | {
            "per_class": {
                lab: _round({"precision": p[j], "recall": r[j], "f1": f[j], "support": int(s[j])})
                for j, lab in enumerate(labels)
            }
        }
    theme_rows = [
        i for i, ex in enumerate(examples) if ex.themes is not None and model.theme_head is not None
    ]
    if theme_rows:
        # A user's file names themes by label ("Card arrival"); trained taxonomies keep the slug.
        examples = [_as_ids(ex, model.taxonomy.ids) for ex in examples]
        ids = model.taxonomy.ids
        index = {t: j for j, t in enumerate(ids)}
        Y = np.zeros((len(theme_rows), len(ids)), dtype=int)
        P = np.zeros_like(Y)
        for r_, i in enumerate(theme_rows):
            for t in examples[i].themes or ():
                if t in index:
                    Y[r_, index[t]] = 1
            for scored in preds[i].themes:
                P[r_, index[scored.label]] = 1
        p, r, f, s = precision_recall_fscore_support(Y, P, zero_division=0)
        micro = precision_recall_fscore_support(Y, P, average="micro", zero_division=0)
        metrics["themes"] = _round(
            {
                "micro_precision": micro[0],
                "micro_recall": micro[1],
                "micro_f1": micro[2],
                "macro_f1": float(np.mean(f[s > 0])) if (s > 0).any() else 0.0,
                "unassigned_rate": float(np.mean([preds[i].unassigned for i in theme_rows])),
            }
            | _single_label_accuracy(model, examples, preds, theme_rows)
        ) | {
            "per_theme": {
                t: _round({"precision": p[j], "recall": r[j], "f1": f[j], "support": int(s[j])})
                for j, t in enumerate(ids)
                if s[j] > 0
            }
        }
    if model.requirement_detector is not None and any(
        ex.requirements is not None for ex in examples
    ):
        metrics["requirements"] = _requirement_metrics(model, examples)
    return metrics


def _as_ids(ex: Example, ids: list[str]) -> Example:
    if not ex.themes or all(t in ids for t in ex.themes):
        return ex
    return replace(ex, themes=tuple(t if t in ids else slugify(t) for t in ex.themes))


def _single_label_accuracy(
    model: FeedbackModel, examples: list[Example], preds: list, rows: list[int]
) -> dict:
    """Single-label themes: the share whose one theme (or none, for out of scope) is right."""
    if model.theme_mode != "single":
        return {}
    right = [[t.label for t in preds[i].themes] == list(examples[i].themes or ())[:1] for i in rows]
    return {"accuracy": float(np.mean(right))}


def requirement_scores(
    model: FeedbackModel, examples: list[Example]
) -> tuple[list[str], list[bool], list[str | None], np.ndarray]:
    """The annotated sentences, their labels and statements, and the detector's scores in context."""
    sentences, labels, statements, items = annotated_sentences(examples)
    detector = model.requirement_detector
    assert detector is not None
    context = None
    if model.kind_head is not None and getattr(detector, "context_classes_", None):
        annotated = [ex for ex in examples if ex.requirements is not None]
        X = model.featurizer.transform(
            [prepare(ex.text).text for ex in annotated], sources=[ex.source for ex in annotated]
        )
        context = model.kind_head.predict_proba(X)
    scores = detector.scores(sentences, items=items, item_context=context)
    return sentences, labels, statements, scores


def _requirement_metrics(model: FeedbackModel, examples: list[Example]) -> dict:
    sentences, labels, statements, scores = requirement_scores(model, examples)
    detector = model.requirement_detector
    assert detector is not None
    guess = scores >= detector.threshold_
    truth = np.asarray(labels, dtype=bool)
    p, r, f, _ = precision_recall_fscore_support(truth, guess, average="binary", zero_division=0)
    hits = [k for k in range(len(sentences)) if truth[k] and guess[k]]
    made = detector.statements([sentences[k] for k in hits])
    overlap = [
        token_f1(m[0] if m else "", statements[k] or "") for k, m in zip(hits, made, strict=True)
    ]
    return _round(
        {
            "sentence_precision": p,
            "sentence_recall": r,
            "sentence_f1": f,
            "statement_token_f1": float(np.mean(overlap)) if overlap else 0.0,
            "statement_exact": float(np.mean([o == 1.0 for o in overlap])) if overlap else 0.0,
            "n_sentences": len(sentences),
            "n_requirement_sentences": int(truth.sum()),
        }
    )
