"""The short markdown model card written beside every artifact."""

from __future__ import annotations

from feedback_ai.ml.artifacts import library_versions
from feedback_ai.ml.model import FeedbackModel


def _line(name: str, block: dict | None) -> list[str]:
    if not block:
        return []
    out = [f"### {name} (n={block.get('n')})"]
    if "kind" in block:
        out.append(
            f"- kind: accuracy {block['kind']['accuracy']}, macro-F1 {block['kind']['macro_f1']}"
        )
    if "themes" in block:
        t = block["themes"]
        if "accuracy" in t:
            out.append(f"- themes: accuracy {t['accuracy']} (one theme, or none when out of scope)")
        out.append(
            f"- themes: micro-F1 {t['micro_f1']} (P {t['micro_precision']}, R {t['micro_recall']}), "
            f"macro-F1 {t['macro_f1']}, unassigned {t['unassigned_rate']}"
        )
    if "requirements" in block:
        r = block["requirements"]
        out.append(
            f"- requirement sentences: F1 {r['sentence_f1']} (P {r['sentence_precision']}, "
            f"R {r['sentence_recall']}); statement token-F1 {r['statement_token_f1']}"
        )
    return out


_THEME_MODES = {
    "single": " (single-label: one theme per item, or none when out of scope)",
    "multi": " (multi-label: every theme that clears its threshold)",
}


def _holdout_note(block: dict | None, data: dict) -> list[str]:
    """Say that held-out figures describe a model fitted without the held-out part."""
    if not block:
        return []
    return [
        f"Held-out figures come from a model fitted on the other {block.get('n_fit', '?')} "
        f"examples and scored on {block.get('n')} it never saw; the saved model was then refit "
        f"on all {data['n_examples']}, so it has seen those items too.",
        "",
    ]


def render_card(model: FeedbackModel, *, metrics: dict, data: dict) -> str:
    """Markdown: what the model is, what it was trained on, how it scored."""
    lines = [
        f"# feedback-ai model {model.version}",
        "",
        "Linear heads (LinearSVC, calibrated on out-of-fold scores) over word and character TF-IDF"
        + (" plus static MiniLM embeddings" if model.featurizer.use_embeddings else "")
        + "; requirement sentences from a sentence classifier, statements from spaCy's parse.",
        "",
        f"- data: {data['source']}, {data['n_examples']} examples, sha256 `{data['sha256'][:16]}`"
        + (f"; {data['n_skipped_rows']} rows skipped" if data.get("n_skipped_rows") else ""),
        f"- kinds: {', '.join(model.kinds) or 'not trained'}",
        f"- themes: {len(model.taxonomy.ids)}" + _THEME_MODES.get(model.theme_mode or "", ""),
        f"- libraries: {', '.join(f'{k} {v}' for k, v in library_versions().items())}",
        "",
        "## Metrics",
        *_holdout_note(metrics.get("holdout"), data),
        *_line("held-out split", metrics.get("holdout")),
        *_line("golden set (never trained on)", metrics.get("golden")),
        "",
        "Per-label figures are in `metrics.json`.",
        "",
    ]
    return "\n".join(lines)
