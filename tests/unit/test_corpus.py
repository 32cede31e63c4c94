"""The shipped corpus file keeps the promises of its data card."""

from __future__ import annotations

import pandas as pd
import pytest

from stance.labels import LABELS
from tests.conftest import CORPUS
from training.corpus import COLUMNS, ERAS, GENRES, HARD_CASES, REGIONS, nearest_pairs, read_corpus
from training.data import load_labelled


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    return read_corpus()


def test_schema(corpus: pd.DataFrame) -> None:
    assert tuple(corpus.columns) == COLUMNS
    assert corpus["id"].is_unique
    assert corpus["id"].str.fullmatch(r"sp\d{5}").all()
    assert set(corpus["label"]) == set(LABELS)
    assert set(corpus["genre"]) <= set(GENRES)
    assert set(corpus["region"]) <= set(REGIONS)
    assert set(corpus["era"]) <= set(ERAS)
    assert set(corpus["hard_case"]) <= set(HARD_CASES)
    assert (corpus["text"].str.strip() == corpus["text"]).all()
    assert (corpus["text"].str.len() > 0).all()


def test_size_and_balance(corpus: pd.DataFrame) -> None:
    assert len(corpus) >= 4000
    counts = corpus["label"].value_counts()
    assert counts.min() >= 800, counts.to_dict()


def test_hard_cases_per_label(corpus: pd.DataFrame) -> None:
    share = (corpus["hard_case"] != "").groupby(corpus["label"]).mean()
    assert share.min() >= 0.15, share.to_dict()


def test_variety(corpus: pd.DataFrame) -> None:
    assert set(corpus["genre"]) == set(GENRES)
    assert set(corpus["region"]) == set(REGIONS)
    assert set(corpus["era"]) == set(ERAS)
    sentences = corpus["text"].str.count(r"[.!?](?:\s|$)")
    assert (sentences <= 1).mean() > 0.05
    assert (sentences >= 5).mean() > 0.02


def test_no_exact_or_near_duplicates(corpus: pd.DataFrame) -> None:
    assert corpus["text"].str.lower().is_unique
    similarity, a, b = nearest_pairs(corpus["text"].tolist(), top=1)[0]
    assert similarity <= 0.8, (corpus["id"][a], corpus["id"][b])


def test_it_passes_training_validation() -> None:
    data = load_labelled(CORPUS)
    assert data.fingerprint.duplicates_dropped == 0
    assert data.fingerprint.rows_used == data.fingerprint.rows_read
