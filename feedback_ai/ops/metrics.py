"""Prometheus metrics, one registry per app so several apps can live in one process."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request latency, predictions by kind, ingest outcomes and the model version."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "feedback_ai_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "feedback_ai_predictions_total",
            "Predictions made, by kind and endpoint",
            ["kind", "endpoint"],
            registry=self.registry,
        )
        self.items = Counter(
            "feedback_ai_feedback_items_total",
            "Feedback items submitted, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.model_info = Gauge(
            "feedback_ai_model_info",
            "The loaded model version (value is always 1)",
            ["version"],
            registry=self.registry,
        )

    def count_predictions(self, kinds: Iterable[str | None], *, endpoint: str) -> None:
        """Count new predictions by kind ("none" for a model trained without kinds)."""
        for kind in kinds:
            self.predictions.labels(kind=kind or "none", endpoint=endpoint).inc()

    def set_model(self, version: str | None) -> None:
        """Record which model version is loaded."""
        self.model_info.clear()
        if version:
            self.model_info.labels(version=version).set(1)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
