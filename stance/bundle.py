"""The model bundle: its on-disk format and the one safe way to load it.

A bundle is an immutable directory ``<store>/<name>/<version>/`` holding

- ``model.joblib``: the fitted scikit-learn pipeline (training, evaluation, MLflow);
- ``scorer.npz``: the same model as plain arrays for :class:`LinearTfidfScorer`, which
  the service and batch scoring use: no scikit-learn import and no unpickling;
- ``manifest.json``: a :class:`Manifest` (what was trained, on what, how well, and the
  SHA-256 of both model files);
- ``MODEL_CARD.md`` and ``confusion_matrix.png`` for people.

:func:`load_bundle` is shared by training and the service. It reads each file once and
checks its SHA-256 against the manifest *before* parsing it; with ``pipeline=True`` it
also refuses a bundle built with another scikit-learn minor version before unpickling.
The hash proves a file is the one the manifest describes; it is not a signature, so only
load bundles from a store you control (the service never unpickles, so a tampered
bundle there can at worst give wrong scores, not run code).
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
SCORER_FILE = "scorer.npz"
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
    scorer_sha256: str
    environment: Environment
    mlflow: TrackingInfo | None = None

    @property
    def macro_f1(self) -> float | None:
        value = self.metrics.get("macro_f1")
        return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True, slots=True)
class Bundle:
    """A loaded, verified bundle: its manifest, the fast scorer and maybe the pipeline."""

    path: Path
    manifest: Manifest
    scorer: LinearTfidfScorer
    pipeline: Any = None
    """The unpickled scikit-learn pipeline, only when loaded with ``pipeline=True``."""

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


def _read_verified(bundle_dir: Path, name: str, expected_sha256: str, where: str) -> bytes:
    """A bundle file's bytes, read once, after checking them against the manifest."""
    try:
        payload = (bundle_dir / name).read_bytes()
    except OSError as exc:
        raise IntegrityError(f"{where}: cannot read {name}: {exc.strerror}") from None
    actual = sha256_bytes(payload)
    if actual != expected_sha256:
        raise IntegrityError(
            f"{where}: {name} SHA-256 is {actual[:12]}..., manifest says "
            f"{expected_sha256[:12]}...; refusing to load a modified model"
        )
    return payload


def _check_manifest(manifest: Manifest, where: str) -> None:
    if manifest.format != FORMAT_VERSION:
        raise IncompatibleBundle(f"{where}: bundle format {manifest.format}, this code reads {FORMAT_VERSION}")
    if tuple(manifest.labels) != LABELS:
        raise IncompatibleBundle(f"{where}: labels {manifest.labels} are not {list(LABELS)}")


def _check_sklearn(manifest: Manifest, where: str) -> None:
    import sklearn

    built, installed = manifest.environment.sklearn, sklearn.__version__
    if _minor(built) != _minor(installed):
        raise IncompatibleBundle(
            f"{where}: built with scikit-learn {built}, this environment has {installed}; "
            "retrain it or install the matching scikit-learn minor version"
        )


def verify_bundle(bundle_dir: Path) -> Manifest:
    """The manifest and hash checks of :func:`load_bundle`, without building anything."""
    manifest = read_manifest(bundle_dir)
    where = _where(manifest, bundle_dir)
    _check_manifest(manifest, where)
    _read_verified(bundle_dir, SCORER_FILE, manifest.scorer_sha256, where)
    _read_verified(bundle_dir, MODEL_FILE, manifest.model_sha256, where)
    return manifest


def load_bundle(bundle_dir: Path, *, pipeline: bool = False) -> Bundle:
    """Verify and load one bundle directory.

    Parameters
    ----------
    pipeline
        Also unpickle ``model.joblib`` (needs scikit-learn of the bundle's minor version).
        The service and batch scoring leave it off and use only the scorer.

    Raises
    ------
    IntegrityError
        A model file is missing or its SHA-256 differs from the manifest's.
    IncompatibleBundle
        Another format, labels or scikit-learn minor version, or an unexpected pipeline.
    BundleError
        The manifest is missing or malformed, or the pickle cannot be read.
    """
    manifest = read_manifest(bundle_dir)
    where = _where(manifest, bundle_dir)
    _check_manifest(manifest, where)
    # The model file is hashed even when not unpickled: a bundle is trusted whole or not at all.
    model_payload = _read_verified(bundle_dir, MODEL_FILE, manifest.model_sha256, where)
    scorer_payload = _read_verified(bundle_dir, SCORER_FILE, manifest.scorer_sha256, where)
    try:
        scorer = LinearTfidfScorer.from_bytes(scorer_payload)
    except IncompatibleBundle as exc:
        raise IncompatibleBundle(f"{where}: {exc}") from None
    if sorted(scorer.classes_) != sorted(LABELS):
        raise IncompatibleBundle(f"{where}: the model's classes {list(scorer.classes_)} are not {list(LABELS)}")
    model = None
    if pipeline:
        _check_sklearn(manifest, where)
        import joblib

        try:
            model = joblib.load(io.BytesIO(model_payload))
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means an unusable bundle
            raise BundleError(f"{where}: cannot unpickle {MODEL_FILE}: {exc}") from None
    return Bundle(path=bundle_dir, manifest=manifest, scorer=scorer, pipeline=model)
