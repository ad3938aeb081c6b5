"""The fitted model: featurizer, kind head, theme head and requirement detector."""

from __future__ import annotations

from dataclasses import dataclass

from feedback_ai.ml.features.featurizer import FeedbackFeaturizer
from feedback_ai.ml.heads.classify import MultiLabelHead, SingleLabelHead
from feedback_ai.ml.requirements.detector import RequirementDetector
from feedback_ai.ml.themes.taxonomy import Taxonomy


@dataclass
class FeedbackModel:
    """Everything fitted: featurizer, kind head, theme head and requirement detector."""

    version: str
    taxonomy: Taxonomy
    featurizer: FeedbackFeaturizer
    kind_head: SingleLabelHead | None
    theme_head: MultiLabelHead | None
    requirement_detector: RequirementDetector | None

    @property
    def kinds(self) -> list[str]:
        """Kind labels this model predicts (empty when it was trained without kinds)."""
        return [str(k) for k in self.kind_head.classes_] if self.kind_head is not None else []

    @property
    def theme_mode(self) -> str | None:
        """ "single" (one theme or none per item), "multi", or None without a theme head."""
        return self.theme_head.mode if self.theme_head is not None else None

    @property
    def theme_thresholds(self) -> dict[str, float]:
        """Each theme's decision threshold on its probability (the scope threshold when single)."""
        head = self.theme_head
        if head is None:
            return {}
        if head.mode == "single":
            scope = float(head.scope_threshold_ or 0.0)
            return {str(label): scope for label in head.labels_}
        return {
            str(label): float(t) for label, t in zip(head.labels_, head.thresholds_, strict=True)
        }
