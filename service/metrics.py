"""Prometheus metrics, one registry per app instance (no process-global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from stance.labels import LABELS

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ServiceMetrics:
    """The service's counters, histograms and gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "stance_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "stance_http_request_duration_seconds",
            "HTTP request latency by route template, method and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "stance_predictions",
            "Passages scored, by predicted label.",
            ["label"],
            registry=self.registry,
        )
        for label in LABELS:
            self.predictions.labels(label=label)
        self.active_version = Gauge(
            "stance_active_model_version",
            "Version of the model now serving (0 = none).",
            registry=self.registry,
        )
        self.load_failures = Counter(
            "stance_model_load_failures",
            "Bundles that failed to load or verify.",
            registry=self.registry,
        )
        self.swaps = Counter("stance_model_swaps", "Successful model swaps.", ["reason"], registry=self.registry)
