"""Shared fixtures: a small real sample of the project's corpus, a real MLflow store on
disk, and a store with two versions trained on that sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from stance.config import StoreSettings, TrackingSettings
from stance.labels import LABELS
from stance.store import ModelStore

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "training" / "data" / "passages.csv"
SHIPPED_MODELS = REPO / "models"
SHARED = REPO.parent / "shared"
DEV_SET = SHARED / "eval" / "ungdc_dev.csv"
UNGDC_CORPUS = SHARED / "corpora" / "ungdc_paragraphs.parquet"
MODEL_NAME = "stance-framing"
PER_LABEL = 45


def sample_corpus(per_label: int, seed: int) -> pd.DataFrame:
    """A stratified sample of the shipped corpus: real project data, small enough to fit fast."""
    frame = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
    parts = [frame[frame["label"] == label].sample(per_label, random_state=seed) for label in LABELS]
    return pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "small.csv"
    sample_corpus(PER_LABEL, seed=3)[["id", "text", "label"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def tracking_settings(tmp_path_factory: pytest.TempPathFactory) -> TrackingSettings:
    root = tmp_path_factory.mktemp("mlflow")
    return TrackingSettings(
        tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
        artifact_root=root / "artifacts",
        experiment="stance-tests",
    )


@pytest.fixture(scope="session")
def trained_store(
    tmp_path_factory: pytest.TempPathFactory,
    small_corpus: Path,
    tracking_settings: TrackingSettings,
) -> ModelStore:
    """Versions 1 (champion) and 2 of a real model, trained and tracked for real."""
    from training.train import TrainOptions, train

    store = ModelStore(tmp_path_factory.mktemp("models"), MODEL_NAME)
    options = TrainOptions(seed=7, cv_folds=3, param_grid={"clf__C": [3.0, 10.0]})
    train(
        small_corpus,
        store=store,
        tracking_settings=tracking_settings,
        options=options,
        promote=True,
    )
    train(
        small_corpus,
        store=store,
        tracking_settings=tracking_settings,
        options=TrainOptions(seed=8, cv_folds=3),
    )
    return store


@pytest.fixture
def store_copy(trained_store: ModelStore, tmp_path: Path) -> ModelStore:
    """A private copy of the trained store that a test may change."""
    root = tmp_path / "models"
    shutil.copytree(trained_store.root, root)
    return ModelStore(root, MODEL_NAME)


@pytest.fixture
def store_settings(store_copy: ModelStore) -> StoreSettings:
    return StoreSettings(models_dir=store_copy.root, model_name=MODEL_NAME)


@pytest.fixture(scope="session")
def passages() -> list[str]:
    """Real project passages plus awkward inputs, for equivalence checks."""
    texts = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)["text"].tolist()
    odd = [
        "!!!",
        "...",
        "x",
        "a b",
        "Ünïcödé façade — «quoted» “curly” text",
        "中国与俄罗斯的合作不针对第三方",
        "مرحبا بالتعاون",
        "\t\ttabs\tand\nnew\nlines  ",
        "emoji 🕊️🤝 peace",
        "ALL CAPS BLOCS",
        "a" * 5000,
        "word " * 3000,
        "x\u00a0y\u2003z",
        "\x00\x01 control \x1f chars",
        "12 345 67.8 %",
        "e\u0301 combining",
    ]
    return texts + odd
