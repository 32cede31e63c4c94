"""One training run, from a labelled file to a published, tracked bundle.

The steps: validate the data; split off a stratified held-out set; choose
hyper-parameters by seeded stratified k-fold cross-validation on macro-F1; score the
chosen model on the held-out set (and on any extra labelled files given for reporting
only); refit on all data; log everything to MLflow and register the model; publish the
bundle atomically in the store. The same data and seed give the same metrics and the
same predictions.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import joblib
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from stance.bundle import (
    CARD_FILE,
    CONFUSION_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    SCORER_FILE,
    Manifest,
    TrackingInfo,
    current_environment,
    encode_manifest,
    sha256_file,
)
from stance.config import TextLimits, TrackingSettings
from stance.errors import ConfigError, StanceError
from stance.labels import DEFAULT_TIE_RATIO, LABELS
from stance.scoring import LinearTfidfScorer
from stance.store import ModelStore, utc_now
from training import tracking
from training.card import render_model_card
from training.data import LabelledData, load_labelled
from training.evaluate import (
    classification_metrics,
    flat_metrics,
    plot_confusion,
    predict_labels,
    tie_break_scorer,
)
from training.pipeline import PARAM_GRID, build_pipeline, jsonable_params, tunable_params


class Progress(Protocol):
    """Receives one call per finished step; the CLI draws it with rich."""

    def __call__(self, step: str) -> None: ...


def _silent(step: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class TrainOptions:
    seed: int = 13
    test_size: float = 0.2
    cv_folds: int = 5
    n_jobs: int = 1
    param_grid: dict[str, list[Any]] | None = None
    tie_ratio: float = DEFAULT_TIE_RATIO

    def check(self) -> None:
        if not 0.05 <= self.test_size <= 0.5:
            raise ConfigError(f"test size must be between 0.05 and 0.5, got {self.test_size}")
        if not 2 <= self.cv_folds <= 20:
            raise ConfigError(f"cross-validation folds must be 2 to 20, got {self.cv_folds}")
        if not 0.0 < self.tie_ratio <= 1.0:
            raise ConfigError(f"tie ratio must be in (0, 1], got {self.tie_ratio}")

    @property
    def min_per_label(self) -> int:
        """Fewest passages per label that leave every CV fold and the test split one."""
        return math.ceil(self.cv_folds / (1.0 - self.test_size)) + 1


@dataclass(frozen=True, slots=True)
class TrainResult:
    version: int
    manifest: Manifest
    bundle_dir: Path
    promoted: bool


def _external_metrics(pipeline: Any, files: Sequence[Path], limits: TextLimits, tie_ratio: float) -> dict[str, Any]:
    """Metrics on extra labelled files, reported but never used to fit or choose."""
    results: dict[str, Any] = {}
    for path in files:
        data = load_labelled(path, limits=limits)
        results[path.name] = classification_metrics(data.labels, predict_labels(pipeline, data.texts, tie_ratio))
    return results


def train(
    data_path: Path,
    *,
    store: ModelStore,
    tracking_settings: TrackingSettings,
    options: TrainOptions | None = None,
    report_on: Sequence[Path] = (),
    promote: bool = False,
    limits: TextLimits | None = None,
    progress: Progress = _silent,
) -> TrainResult:
    """Train, evaluate, track and publish one new version of ``store.name``."""
    options = options or TrainOptions()
    options.check()
    limits = limits or TextLimits()
    data: LabelledData = load_labelled(data_path, min_per_label=options.min_per_label, limits=limits)
    for extra in report_on:  # fail on a bad report file before the long work starts
        load_labelled(extra, limits=limits)
    progress(f"read {data.fingerprint.rows_used} passages")

    experiment_id = tracking.configure(tracking_settings)
    run_tags = {"stance.data_sha256": data.fingerprint.sha256, "stance.model_name": store.name}
    with tracking.tracked_run(f"train-{store.name}", run_tags) as run:
        pipeline, metrics = _fit_and_evaluate(data, options, report_on, limits, progress)
        params = {**jsonable_params(tunable_params(pipeline)), "tie_ratio": options.tie_ratio}
        tracking.log_params_and_metrics(
            {
                **params,
                "seed": options.seed,
                "test_size": options.test_size,
                "cv_folds": options.cv_folds,
            },
            {
                **flat_metrics(metrics, "holdout."),
                "cv_macro_f1_mean": metrics["cv_macro_f1_mean"],
                **{
                    k: v
                    for name, ext in metrics.get("external", {}).items()
                    for k, v in flat_metrics(ext, f"{name}.").items()
                },
            },
        )
        registered = tracking.log_and_register_model(pipeline, store.name)
        progress(f"registered in MLflow as {store.name} version {registered}")
        try:
            version, manifest, bundle_dir = _publish(
                store,
                pipeline,
                data,
                options,
                params,
                metrics,
                TrackingInfo(
                    run_id=run.info.run_id,
                    experiment_id=experiment_id,
                    registered_version=registered,
                ),
            )
        except BaseException:
            tracking.discard_version(store.name, registered)
            raise
        tracking.tag_version(store.name, registered, version)
    progress(f"published {store.name} v{version}")
    if promote:
        from training.promote import promote as promote_version

        promote_version(store, version, tracking_settings=tracking_settings)
        progress(f"promoted v{version} to champion")
    return TrainResult(version=version, manifest=manifest, bundle_dir=bundle_dir, promoted=promote)


def _fit_and_evaluate(
    data: LabelledData,
    options: TrainOptions,
    report_on: Sequence[Path],
    limits: TextLimits,
    progress: Progress,
) -> tuple[Any, dict[str, Any]]:
    texts, labels = data.texts, data.labels
    x_train, x_test, y_train, y_test = train_test_split(
        texts, labels, test_size=options.test_size, stratify=labels, random_state=options.seed
    )
    with tempfile.TemporaryDirectory(prefix="stance-cv-") as cache:
        # The feature step is fitted once per fold and reused for every classifier setting.
        search = GridSearchCV(
            build_pipeline(memory=joblib.Memory(cache, verbose=0)),
            options.param_grid or PARAM_GRID,
            scoring=tie_break_scorer(options.tie_ratio),
            cv=StratifiedKFold(n_splits=options.cv_folds, shuffle=True, random_state=options.seed),
            n_jobs=options.n_jobs,
            refit=True,
        )
        search.fit(x_train, y_train)
    best = search.best_params_
    progress(f"cross-validated {len(search.cv_results_['params'])} settings: best {best}")
    metrics = classification_metrics(y_test, predict_labels(search.best_estimator_, x_test, options.tie_ratio))
    metrics["cv_macro_f1_mean"] = round(float(search.best_score_), 6)
    metrics["cv_macro_f1_std"] = round(float(search.cv_results_["std_test_score"][search.best_index_]), 6)
    progress(f"held-out macro-F1 {metrics['macro_f1']:.3f} on {len(y_test)} passages")
    final = build_pipeline(**best).fit(texts, labels)
    if sorted(map(str, final.classes_)) != sorted(LABELS):
        raise StanceError(f"fitted classes {list(final.classes_)} are not {list(LABELS)}")
    if report_on:
        metrics["external"] = _external_metrics(final, report_on, limits, options.tie_ratio)
        for name, ext in metrics["external"].items():
            progress(f"transfer macro-F1 {ext['macro_f1']:.3f} on {name}")
    progress("refit on all passages")
    return final, metrics


def _publish(
    store: ModelStore,
    pipeline: Any,
    data: LabelledData,
    options: TrainOptions,
    params: dict[str, Any],
    metrics: dict[str, Any],
    tracked: TrackingInfo,
) -> tuple[int, Manifest, Path]:
    holder: dict[str, Manifest] = {}

    def finalize(version: int, staged: Path) -> None:
        manifest = Manifest(
            name=store.name,
            version=version,
            created=utc_now(),
            labels=list(LABELS),
            seed=options.seed,
            test_size=options.test_size,
            cv_folds=options.cv_folds,
            params=params,
            metrics=metrics,
            data=data.fingerprint,
            model_sha256=sha256_file(staged / MODEL_FILE),
            scorer_sha256=sha256_file(staged / SCORER_FILE),
            environment=current_environment(),
            mlflow=tracked,
        )
        (staged / MANIFEST_FILE).write_bytes(encode_manifest(manifest))
        (staged / CARD_FILE).write_text(render_model_card(manifest), encoding="utf-8")
        tracking.log_bundle(staged)
        holder["manifest"] = manifest

    with store.staging() as staged:
        joblib.dump(pipeline, staged / MODEL_FILE, compress=3)
        LinearTfidfScorer.from_pipeline(pipeline, tie_ratio=float(params["tie_ratio"])).save(staged / SCORER_FILE)
        plot_confusion(
            metrics["confusion_matrix"],
            staged / CONFUSION_FILE,
            title=f"{store.name}: held-out split, {metrics['n']} passages",
        )
        version = store.commit(staged, finalize)
    return version, holder["manifest"], store.path(version)
