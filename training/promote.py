"""Evaluating stored versions on labelled files, and promoting one to champion."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stance.config import TextLimits, TrackingSettings
from stance.errors import PromotionRefused
from stance.store import ModelStore
from training import tracking
from training.data import load_labelled
from training.evaluate import classification_metrics

log = logging.getLogger(__name__)


def evaluate_version(
    store: ModelStore, ref: str | int, data_path: Path, *, limits: TextLimits | None = None
) -> dict[str, Any]:
    """Metrics of a stored version (or ``"champion"``) on a labelled file."""
    bundle = store.load(ref)
    data = load_labelled(data_path, limits=limits)
    predicted = bundle.scorer.predict(data.texts)
    metrics = classification_metrics(data.labels, predicted)
    metrics["model"] = {"name": bundle.name, "version": bundle.version}
    metrics["data"] = {"file": str(data_path), "sha256": data.fingerprint.sha256}
    return metrics


@dataclass(frozen=True, slots=True)
class PromotionResult:
    version: int
    previous: int | None
    registry_version: str | None
    candidate_f1: float | None = None
    champion_f1: float | None = None


def promote(
    store: ModelStore,
    ref: str | int,
    *,
    tracking_settings: TrackingSettings,
    data: Path | None = None,
    force: bool = False,
) -> PromotionResult:
    """Make ``ref`` the champion, in the store and as the MLflow registry alias.

    With ``data``, the candidate and the current champion are both scored on that file
    and the promotion is refused when the candidate's macro-F1 is lower, unless
    ``force``. The registry alias moves first, so a tracking failure leaves the pointer
    where it was; a bundle that this tracking store never saw (the one shipped in git,
    on a fresh clone) is promoted in the store only, with a warning.
    """
    version = store.resolve(ref)
    current = store.champion()
    candidate_f1 = champion_f1 = None
    if data is not None and current is not None and current != version:
        candidate_f1 = evaluate_version(store, version, data)["macro_f1"]
        champion_f1 = evaluate_version(store, current, data)["macro_f1"]
        if candidate_f1 < champion_f1 and not force:
            raise PromotionRefused(
                f"v{version} scores macro-F1 {candidate_f1:.4f} on {data}, below champion "
                f"v{current} at {champion_f1:.4f}; use --force to promote anyway"
            )
    manifest = store.manifest(version)
    store.load(version)  # never point the champion at a bundle that fails verification
    tracking.configure(tracking_settings)
    info = manifest.mlflow
    registry_version = tracking.move_champion_alias(
        store.name, info.run_id if info else None, info.registered_version if info else None
    )
    if registry_version is None:
        log.warning(
            "v%s is not registered in the MLflow store %s; moved the store's champion only",
            version,
            tracking_settings.tracking_uri,
        )
    previous = store.set_champion(version)
    return PromotionResult(version, previous, registry_version, candidate_f1, champion_f1)
