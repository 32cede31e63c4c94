"""In-process throughput: scikit-learn's predict_proba against the fast scorer."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from stance.bundle import Bundle


def _rate(fn: Any, items: int, *, min_seconds: float = 2.0) -> float:
    """Items per second of ``fn``, repeated until ``min_seconds`` have passed."""
    fn()  # warm-up: caches, lazy imports
    runs, started = 0, time.perf_counter()
    while True:
        fn()
        runs += 1
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return runs * items / elapsed


def measure(bundle: Bundle, passages: list[str]) -> dict[str, Any]:
    pipeline, scorer = bundle.pipeline, bundle.scorer
    singles = passages[:300]
    batch = passages[:1000]
    results = {
        "sklearn_single_per_s": _rate(lambda: [pipeline.predict_proba([t]) for t in singles], len(singles)),
        "fast_single_per_s": _rate(lambda: [scorer.predict_proba([t]) for t in singles], len(singles)),
        "sklearn_batch1000_per_s": _rate(lambda: pipeline.predict_proba(batch), len(batch)),
        "fast_batch1000_per_s": _rate(lambda: scorer.predict_proba(batch), len(batch)),
    }
    diff = float(np.abs(pipeline.predict_proba(batch) - scorer.predict_proba(batch)).max())
    results["max_abs_diff"] = diff
    results["single_speedup"] = results["fast_single_per_s"] / results["sklearn_single_per_s"]
    results["batch_speedup"] = results["fast_batch1000_per_s"] / results["sklearn_batch1000_per_s"]
    return results
