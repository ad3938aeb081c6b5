"""The model card's section on the promotion gate: champion against challenger, and the verdict."""

from __future__ import annotations

from feedback_ai.ml.card import render_card
from feedback_ai.ml.model import FeedbackModel

_NAMES = {
    "kind_macro_f1": "kind macro-F1",
    "theme_micro_f1": "theme micro-F1",
    "requirement_sentence_f1": "requirement-sentence F1",
}
_VERDICTS = {
    "promote": "passed the gate: promote",
    "refuse": "refused: kept and listed, not served",
    "forced": "failed the gate, promoted anyway with --force",
}


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def render_comparison(comparison: dict) -> str:
    """Markdown: the verdict, the gated figures side by side, and each held-out set alone."""
    sets = comparison.get("by_set", {})
    lines = [
        "## Promotion gate",
        "",
        f"- verdict: **{_VERDICTS[comparison['decision']]}**",
        f"- champion: {comparison.get('champion') or 'none'}; tolerance {comparison['tolerance']}",
        "- held-out data: "
        + ", ".join(f"{name} ({s['n']} items)" for name, s in sets.items())
        + "; neither model trained on it",
    ]
    if comparison.get("note"):
        lines.append(f"- {comparison['note']}")
    lines += [f"- {reason}" for reason in comparison.get("reasons", [])]
    lines += ["", "| figure | champion | challenger | delta | ok |", "|---|---|---|---|---|"]
    for name, m in comparison["metrics"].items():
        delta = "n/a" if m["delta"] is None else f"{m['delta']:+.4f}"
        lines.append(
            f"| {_NAMES[name]} | {_cell(m['champion'])} | {_cell(m['challenger'])} | {delta} "
            f"| {'yes' if m['ok'] else 'no'} |"
        )
    for name, s in sets.items():
        lines += [
            "",
            f"{name} alone (n={s['n']}): "
            + "; ".join(
                f"{_NAMES[k]} {_cell(s.get('champion', {}).get(k))} -> {_cell(v)}"
                for k, v in s["challenger"].items()
            ),
        ]
    return "\n".join(lines) + "\n"


def card_with_comparison(
    model: FeedbackModel, *, metrics: dict, data: dict, comparison: dict
) -> str:
    """The usual model card, plus the dataset snapshot it names and the gate's comparison."""
    card = render_card(model, metrics=metrics, data=data)
    if data.get("snapshot_sha256"):
        card += (
            f"\n## Dataset snapshot\n\n- sha256 `{data['snapshot_sha256']}` (`snapshot.jsonl`): "
            f"{data.get('n_train', '?')} trained on, {data.get('n_held_out', 0)} reviewed items "
            f"held out, from {data.get('n_decisions', 0)} human decisions"
            + (
                f" ({data['n_skipped_decisions']} skipped)"
                if data.get("n_skipped_decisions")
                else ""
            )
            + "\n"
        )
    return card + "\n" + render_comparison(comparison)
