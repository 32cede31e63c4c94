"""Safe loading: hash checked before unpickling, scikit-learn minor version enforced."""

from __future__ import annotations

import json
import os

import pytest

from stance.bundle import MANIFEST_FILE, MODEL_FILE, SCORER_FILE, load_bundle, verify_bundle
from stance.errors import BundleError, IncompatibleBundle, IntegrityError
from stance.store import ModelStore


def _edit_manifest(store: ModelStore, version: int, **changes: object) -> None:
    path = store.path(version) / MANIFEST_FILE
    data = json.loads(path.read_text())
    for dotted, value in changes.items():
        target = data
        *parents, leaf = dotted.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    os.chmod(path, 0o644)
    path.write_text(json.dumps(data))


def test_loads_and_verifies(store_copy: ModelStore) -> None:
    bundle = store_copy.load("champion")
    assert bundle.version == 1
    assert verify_bundle(store_copy.path(1)).model_sha256 == bundle.manifest.model_sha256


@pytest.mark.parametrize("name", [MODEL_FILE, SCORER_FILE])
@pytest.mark.parametrize("with_pipeline", [False, True])
def test_modified_model_files_are_refused(store_copy: ModelStore, name: str, with_pipeline: bool) -> None:
    target = store_copy.path(1) / name
    os.chmod(target, 0o644)
    with target.open("ab") as handle:
        handle.write(b"\x00tampered")
    with pytest.raises(IntegrityError, match=rf"bundle stance-framing v1 .*{name} SHA-256 is .* manifest says"):
        load_bundle(store_copy.path(1), pipeline=with_pipeline)
    with pytest.raises(IntegrityError):
        verify_bundle(store_copy.path(1))


def test_missing_model_file_is_refused(store_copy: ModelStore) -> None:
    os.remove(store_copy.path(1) / MODEL_FILE)
    with pytest.raises(IntegrityError, match=r"cannot read model\.joblib"):
        store_copy.load(1)


def test_other_sklearn_minor_version_is_refused_before_unpickling(store_copy: ModelStore) -> None:
    _edit_manifest(store_copy, 1, environment__sklearn="1.4.2")
    with pytest.raises(IncompatibleBundle, match=r"v1 .*built with scikit-learn 1\.4\.2, this environment has"):
        load_bundle(store_copy.path(1), pipeline=True)


def test_other_bundle_format_is_refused(store_copy: ModelStore) -> None:
    _edit_manifest(store_copy, 1, format=99)
    with pytest.raises(IncompatibleBundle, match=r"bundle format 99"):
        load_bundle(store_copy.path(1))


def test_other_labels_are_refused(store_copy: ModelStore) -> None:
    _edit_manifest(store_copy, 1, labels=["a", "b", "c", "d"])
    with pytest.raises(IncompatibleBundle, match="labels"):
        load_bundle(store_copy.path(1))


def test_malformed_manifest_is_refused(store_copy: ModelStore) -> None:
    path = store_copy.path(1) / MANIFEST_FILE
    os.chmod(path, 0o644)
    path.write_text('{"name": 3}')
    with pytest.raises(BundleError, match=r"invalid manifest\.json"):
        load_bundle(store_copy.path(1))


def test_unpicklable_payload_with_matching_hash_is_refused(store_copy: ModelStore) -> None:
    import hashlib

    model = store_copy.path(1) / MODEL_FILE
    os.chmod(model, 0o644)
    model.write_bytes(b"this is not a pickle")
    _edit_manifest(store_copy, 1, model_sha256=hashlib.sha256(b"this is not a pickle").hexdigest())
    assert load_bundle(store_copy.path(1)).pipeline is None  # the scorer never unpickles
    with pytest.raises(BundleError, match="cannot unpickle"):
        load_bundle(store_copy.path(1), pipeline=True)
