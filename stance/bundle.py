"""The model bundle: its on-disk format and the one safe way to load it.

A bundle is an immutable directory ``<store>/<name>/<version>/`` holding

- ``model.joblib``: the fitted scikit-learn pipeline;
- ``manifest.json``: a :class:`Manifest` (what was trained, on what, how well, and the
  SHA-256 of ``model.joblib``);
- ``MODEL_CARD.md`` and ``confusion_matrix.png`` for people.

:func:`load_bundle` is shared by training and the service. It reads the model file once,
checks its SHA-256 against the manifest *before* unpickling, refuses a bundle built with
another scikit-learn minor version, and checks that the classifier's classes are the
project's labels. The hash proves the file is the one the manifest describes; it is not
a signature, so only load bundles from a store you control.
"""

from __future__ import annotations

import hashlib
import io
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from stance.errors import BundleError, IncompatibleBundle, IntegrityError
from stance.labels import LABELS
from stance.scoring import LinearTfidfScorer

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
CONFUSION_FILE = "confusion_matrix.png"
FORMAT_VERSION = 1


class DataFingerprint(msgspec.Struct, frozen=True, kw_only=True):
    """What the model was trained on."""

    file: str
    sha256: str
    rows_read: int
    rows_used: int
    duplicates_dropped: int
    label_counts: dict[str, int]


class Environment(msgspec.Struct, frozen=True, kw_only=True):
    """The library versions the pickle was written with."""

    python: str
    sklearn: str
    joblib: str
    numpy: str


class TrackingInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Where MLflow recorded the run that produced this bundle."""

    run_id: str
    experiment_id: str | None = None
    registered_version: str | None = None


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """``manifest.json``: everything needed to trust, compare and reproduce a bundle."""

    format: int = FORMAT_VERSION
    name: str
    version: int
    created: str
    labels: list[str]
    seed: int
    test_size: float
    cv_folds: int
    params: dict[str, Any]
    metrics: dict[str, Any]
    data: DataFingerprint
    model_sha256: str
    environment: Environment
    mlflow: TrackingInfo | None = None

    @property
    def macro_f1(self) -> float | None:
        value = self.metrics.get("macro_f1")
        return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True, slots=True)
class Bundle:
    """A loaded, verified bundle: its manifest, the pipeline and the fast scorer."""

    path: Path
    manifest: Manifest
    pipeline: Any
    scorer: LinearTfidfScorer

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> int:
        return self.manifest.version


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks so large data files stay out of memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def current_environment() -> Environment:
    import joblib
    import numpy
    import sklearn

    return Environment(
        python=platform.python_version(),
        sklearn=sklearn.__version__,
        joblib=joblib.__version__,
        numpy=numpy.__version__,
    )


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def encode_manifest(manifest: Manifest) -> bytes:
    return msgspec.json.format(msgspec.json.encode(manifest), indent=2) + b"\n"


def read_manifest(bundle_dir: Path) -> Manifest:
    """Parse and type-check ``manifest.json``; a clear :class:`BundleError` otherwise."""
    path = bundle_dir / MANIFEST_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BundleError(f"bundle {bundle_dir}: no {MANIFEST_FILE}") from None
    except OSError as exc:
        raise BundleError(f"bundle {bundle_dir}: cannot read {MANIFEST_FILE}: {exc}") from None
    try:
        return msgspec.json.decode(raw, type=Manifest)
    except msgspec.DecodeError as exc:
        raise BundleError(f"bundle {bundle_dir}: invalid {MANIFEST_FILE}: {exc}") from None


def _where(manifest: Manifest, bundle_dir: Path) -> str:
    return f"bundle {manifest.name} v{manifest.version} ({bundle_dir})"


def _read_model(bundle_dir: Path, where: str) -> bytes:
    try:
        return (bundle_dir / MODEL_FILE).read_bytes()
    except OSError as exc:
        raise IntegrityError(f"{where}: cannot read {MODEL_FILE}: {exc.strerror}") from None


def _check(manifest: Manifest, actual_sha256: str, where: str) -> None:
    """The checks made before unpickling: hash, scikit-learn minor version, labels."""
    import sklearn

    if actual_sha256 != manifest.model_sha256:
        raise IntegrityError(
            f"{where}: {MODEL_FILE} SHA-256 is {actual_sha256[:12]}..., manifest says "
            f"{manifest.model_sha256[:12]}...; refusing to load a modified model"
        )
    built, installed = manifest.environment.sklearn, sklearn.__version__
    if _minor(built) != _minor(installed):
        raise IncompatibleBundle(
            f"{where}: built with scikit-learn {built}, this environment has {installed}; "
            "retrain it or install the matching scikit-learn minor version"
        )
    if tuple(manifest.labels) != LABELS:
        raise IncompatibleBundle(f"{where}: labels {manifest.labels} are not {list(LABELS)}")


def verify_bundle(bundle_dir: Path) -> Manifest:
    """Every check :func:`load_bundle` makes before unpickling, without unpickling."""
    manifest = read_manifest(bundle_dir)
    where = _where(manifest, bundle_dir)
    _check(manifest, sha256_bytes(_read_model(bundle_dir, where)), where)
    return manifest


def load_bundle(bundle_dir: Path) -> Bundle:
    """Verify and load one bundle directory.

    Raises
    ------
    IntegrityError
        ``model.joblib`` is missing or its SHA-256 differs from the manifest's.
    IncompatibleBundle
        Another scikit-learn minor version, other labels, or an unexpected pipeline.
    BundleError
        The manifest is missing or malformed, or the pickle cannot be read.
    """
    import joblib

    manifest = read_manifest(bundle_dir)
    where = _where(manifest, bundle_dir)
    payload = _read_model(bundle_dir, where)
    _check(manifest, sha256_bytes(payload), where)
    try:
        pipeline = joblib.load(io.BytesIO(payload))
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means an unusable bundle
        raise BundleError(f"{where}: cannot unpickle {MODEL_FILE}: {exc}") from None
    classes = sorted(str(c) for c in getattr(pipeline, "classes_", ()))
    if classes != sorted(LABELS):
        raise IncompatibleBundle(f"{where}: the model's classes {classes} are not {list(LABELS)}")
    try:
        scorer = LinearTfidfScorer(pipeline)
    except IncompatibleBundle as exc:
        raise IncompatibleBundle(f"{where}: {exc}") from None
    return Bundle(path=bundle_dir, manifest=manifest, pipeline=pipeline, scorer=scorer)
