"""Training end to end against a real MLflow store on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from stance.bundle import (
    CARD_FILE,
    CONFUSION_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    SCORER_FILE,
    sha256_file,
)
from stance.config import TrackingSettings
from stance.errors import DataError, PromotionRefused, TrackingError
from stance.labels import LABELS
from stance.store import ModelStore
from tests.conftest import MODEL_NAME, sample_corpus
from training.promote import evaluate_version, promote
from training.train import TrainOptions, train

FAST = TrainOptions(seed=5, cv_folds=3, param_grid={"clf__C": [10.0]})


def test_bundle_has_every_file_and_a_complete_manifest(trained_store: ModelStore, small_corpus: Path) -> None:
    bundle_dir = trained_store.path(1)
    assert {p.name for p in bundle_dir.iterdir()} == {
        MODEL_FILE,
        SCORER_FILE,
        MANIFEST_FILE,
        CARD_FILE,
        CONFUSION_FILE,
    }
    manifest = json.loads((bundle_dir / MANIFEST_FILE).read_text())
    assert manifest["name"] == MODEL_NAME and manifest["version"] == 1
    assert manifest["labels"] == list(LABELS)
    assert manifest["model_sha256"] == sha256_file(bundle_dir / MODEL_FILE)
    assert manifest["scorer_sha256"] == sha256_file(bundle_dir / SCORER_FILE)
    assert manifest["data"]["sha256"] == sha256_file(small_corpus)
    assert manifest["data"]["rows_used"] == 180
    assert set(manifest["environment"]) == {"python", "sklearn", "joblib", "numpy"}
    assert manifest["params"]["clf__C"] in (3.0, 10.0)
    metrics = manifest["metrics"]
    assert 0.0 <= metrics["macro_f1"] <= 1.0
    assert set(metrics["per_label"]) == set(LABELS)
    assert sum(map(sum, metrics["confusion_matrix"])) == metrics["n"] == 36
    assert manifest["mlflow"]["run_id"]
    card = (bundle_dir / CARD_FILE).read_text()
    assert "## Intended use" in card and "## Limitations" in card and "bloc_rejecting" in card
    assert (bundle_dir / CONFUSION_FILE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_runs_are_tracked_and_registered(trained_store: ModelStore, tracking_settings: TrackingSettings) -> None:
    client = MlflowClient(tracking_uri=tracking_settings.tracking_uri, registry_uri=tracking_settings.tracking_uri)
    for version in (1, 2):
        manifest = trained_store.manifest(version)
        assert manifest.mlflow is not None
        run = client.get_run(manifest.mlflow.run_id)
        assert run.info.status == "FINISHED"
        assert run.data.params["seed"] == str(manifest.seed)
        assert run.data.metrics["holdout.macro_f1"] == pytest.approx(manifest.metrics["macro_f1"])
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "bundle")}
        assert {"bundle/manifest.json", "bundle/model.joblib", "bundle/MODEL_CARD.md"} <= artifacts
        assert manifest.mlflow.registered_version is not None
        registered = client.get_model_version(MODEL_NAME, manifest.mlflow.registered_version)
        assert registered.run_id == run.info.run_id
        assert registered.tags["stance_version"] == str(version)


def test_same_data_and_seed_give_same_metrics_and_predictions(
    tmp_path: Path, small_corpus: Path, tracking_settings: TrackingSettings
) -> None:
    store = ModelStore(tmp_path, MODEL_NAME)
    a = train(small_corpus, store=store, tracking_settings=tracking_settings, options=FAST)
    b = train(small_corpus, store=store, tracking_settings=tracking_settings, options=FAST)
    assert (a.version, b.version) == (1, 2)
    assert a.manifest.metrics == b.manifest.metrics
    texts = sample_corpus(10, seed=99)["text"].tolist()
    pa = store.load(1, pipeline=True).pipeline.predict_proba(texts)
    pb = store.load(2, pipeline=True).pipeline.predict_proba(texts)
    assert (pa == pb).all()


def test_bad_data_leaves_no_version(tmp_path: Path, tracking_settings: TrackingSettings) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,neutral\n,defensive\n")
    store = ModelStore(tmp_path / "models", MODEL_NAME)
    with pytest.raises(DataError, match=r"bad\.csv: empty or whitespace-only text in row\(s\) 2"):
        train(bad, store=store, tracking_settings=tracking_settings, options=FAST)
    assert store.versions() == []


def test_failure_late_in_the_run_leaves_no_version(
    tmp_path: Path,
    small_corpus: Path,
    tracking_settings: TrackingSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from training import tracking

    def broken_upload(bundle_dir: Path) -> None:
        raise TrackingError("artifact store unreachable")

    monkeypatch.setattr(tracking, "log_bundle", broken_upload)
    store = ModelStore(tmp_path, MODEL_NAME)
    with pytest.raises(TrackingError, match="unreachable"):
        train(small_corpus, store=store, tracking_settings=tracking_settings, options=FAST)
    assert store.versions() == []
    assert [p.name for p in store.family_dir.iterdir() if p.name != ".lock"] == []


def test_unusable_tracking_store_is_a_clear_error(tmp_path: Path, small_corpus: Path) -> None:
    settings = TrackingSettings(tracking_uri="bogus-scheme://nowhere", artifact_root=tmp_path / "a")
    store = ModelStore(tmp_path, MODEL_NAME)
    with pytest.raises(TrackingError, match="cannot use MLflow tracking store bogus-scheme://nowhere"):
        train(small_corpus, store=store, tracking_settings=settings, options=FAST)
    assert store.versions() == []


def test_promotion_with_data_refuses_a_weaker_candidate(
    tmp_path: Path, small_corpus: Path, tracking_settings: TrackingSettings
) -> None:
    store = ModelStore(tmp_path, MODEL_NAME)
    train(small_corpus, store=store, tracking_settings=tracking_settings, options=FAST, promote=True)
    weak = TrainOptions(seed=5, cv_folds=3, param_grid={"clf__C": [0.001]})
    train(small_corpus, store=store, tracking_settings=tracking_settings, options=weak)
    holdout = tmp_path / "eval.csv"
    sample_corpus(30, seed=123)[["text", "label"]].to_csv(holdout, index=False)
    f1 = {v: evaluate_version(store, v, holdout)["macro_f1"] for v in (1, 2)}
    assert f1[1] != f1[2]
    weaker, stronger = sorted((1, 2), key=f1.__getitem__)
    store.set_champion(stronger)
    with pytest.raises(PromotionRefused, match=rf"v{weaker} scores macro-F1 .* below champion v{stronger}"):
        promote(store, weaker, tracking_settings=tracking_settings, data=holdout)
    assert store.champion() == stronger
    result = promote(store, weaker, tracking_settings=tracking_settings, data=holdout, force=True)
    assert (result.previous, result.version, store.champion()) == (stronger, weaker, weaker)
    client = MlflowClient(tracking_uri=tracking_settings.tracking_uri, registry_uri=tracking_settings.tracking_uri)
    alias = client.get_model_version_by_alias(MODEL_NAME, "champion")
    assert alias.run_id == store.manifest(weaker).mlflow.run_id  # type: ignore[union-attr]
