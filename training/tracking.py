"""MLflow tracking and Model Registry, through MLflow's own APIs.

Every training run is an MLflow run (parameters, metrics, the bundle files as
artifacts, the fitted pipeline as an ``mlflow.sklearn`` model) registered as a new
version of the model name. Promotion moves the registry alias ``champion``. MLflow
failures surface as :class:`~stance.errors.TrackingError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stance.config import TrackingSettings
from stance.errors import TrackingError

CHAMPION_ALIAS = "champion"
log = logging.getLogger(__name__)


def _mlflow() -> Any:
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    import mlflow

    return mlflow


def configure(settings: TrackingSettings) -> str:
    """Point MLflow at the tracking store and make sure the experiment exists.

    Returns the experiment id. A local SQLite store gets its folder and an artifact
    root inside the same git-ignored folder.
    """
    mlflow = _mlflow()
    uri = settings.tracking_uri
    try:
        if uri.startswith("sqlite:///"):
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        mlflow.set_tracking_uri(uri)
        experiment = mlflow.get_experiment_by_name(settings.experiment)
        if experiment is not None:
            experiment_id = str(experiment.experiment_id)
        else:
            location = None
            if uri.startswith(("sqlite:", "file:")) or "://" not in uri:
                settings.artifact_root.mkdir(parents=True, exist_ok=True)
                location = settings.artifact_root.resolve().as_uri()
            experiment_id = str(mlflow.create_experiment(settings.experiment, artifact_location=location))
        mlflow.set_experiment(experiment_id=experiment_id)
    except Exception as exc:  # noqa: BLE001 - MLflow raises many unrelated types
        raise TrackingError(f"cannot use MLflow tracking store {uri}: {exc}") from None
    return experiment_id


@contextlib.contextmanager
def tracked_run(run_name: str, tags: dict[str, str]) -> Iterator[Any]:
    """An MLflow run that is marked FAILED if the block raises."""
    mlflow = _mlflow()
    try:
        run = mlflow.start_run(run_name=run_name, tags=tags)
    except Exception as exc:  # noqa: BLE001
        raise TrackingError(f"cannot start an MLflow run: {exc}") from None
    try:
        yield run
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    else:
        mlflow.end_run(status="FINISHED")


def log_params_and_metrics(params: dict[str, Any], metrics: dict[str, float]) -> None:
    mlflow = _mlflow()
    try:
        mlflow.log_params({k: str(v) for k, v in params.items()})
        mlflow.log_metrics(metrics)
    except Exception as exc:  # noqa: BLE001
        raise TrackingError(f"cannot log to MLflow: {exc}") from None


def log_and_register_model(pipeline: Any, name: str) -> str:
    """Log the fitted pipeline as an MLflow scikit-learn model and register it.

    Returns the new registered version number (as MLflow's string).
    """
    mlflow = _mlflow()
    import joblib
    import sklearn

    try:
        info = mlflow.sklearn.log_model(
            pipeline,
            name="model",
            registered_model_name=name,
            pip_requirements=[
                f"scikit-learn=={sklearn.__version__}",
                f"joblib=={joblib.__version__}",
            ],
            pyfunc_predict_fn="predict_proba",
            serialization_format="cloudpickle",
        )
    except Exception as exc:  # noqa: BLE001
        raise TrackingError(f"cannot log or register the model in MLflow: {exc}") from None
    return str(info.registered_model_version)


def log_bundle(bundle_dir: Path) -> None:
    try:
        _mlflow().log_artifacts(str(bundle_dir), artifact_path="bundle")
    except Exception as exc:  # noqa: BLE001
        raise TrackingError(f"cannot upload the bundle to MLflow: {exc}") from None


def tag_version(name: str, registered_version: str, store_version: int) -> None:
    """Record which store version a registry version became (best effort)."""
    from mlflow import MlflowClient

    try:
        MlflowClient().set_model_version_tag(name, registered_version, "stance_version", str(store_version))
    except Exception as exc:  # noqa: BLE001 - the bundle is already published
        log.warning("could not tag MLflow model version %s: %s", registered_version, exc)


def discard_version(name: str, registered_version: str) -> None:
    """Remove a registry version whose bundle was never published (best effort)."""
    from mlflow import MlflowClient

    with contextlib.suppress(Exception):
        MlflowClient().delete_model_version(name, registered_version)


def move_champion_alias(name: str, run_id: str | None, registered_version: str | None) -> str | None:
    """Point the registry alias ``champion`` at the version logged by ``run_id``.

    Returns the registry version aliased, or None when this tracking store does not
    know the run (a bundle trained elsewhere, such as the one shipped in git).
    """
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    try:
        version = None
        if registered_version is not None and run_id is not None:
            try:
                found = client.get_model_version(name, registered_version)
            except MlflowException:
                found = None
            if found is not None and found.run_id == run_id:
                version = registered_version
        if version is None:
            return None
        client.set_registered_model_alias(name, CHAMPION_ALIAS, version)
    except MlflowException as exc:
        raise TrackingError(f"cannot move the MLflow alias {CHAMPION_ALIAS!r}: {exc}") from None
    return str(version)
