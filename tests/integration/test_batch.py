"""`stance score` (local processes and Spark) and `stance report`, on real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stance import batch
from stance.batch import ADDED_COLUMNS, SCORE_COLUMNS, score_file
from stance.bundle import Bundle
from stance.config import TextLimits
from stance.errors import DataError
from stance.labels import LABELS
from stance.report import write_report
from stance.store import ModelStore
from tests.conftest import UNGDC_CORPUS, sample_corpus

LIMITS = TextLimits(max_chars=2_000)


@pytest.fixture(scope="module")
def bundle(trained_store: ModelStore) -> Bundle:
    return trained_store.load("champion")


@pytest.fixture(scope="module")
def passages_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Real text (UN General Debate paragraphs where present, else our corpus) plus bad rows."""
    if UNGDC_CORPUS.is_file():
        frame = pd.read_parquet(UNGDC_CORPUS).iloc[:1500][["id", "country", "year", "text"]]
    else:
        frame = sample_corpus(300, seed=1)[["id", "text"]].assign(country="XXX", year=2000)
    frame = frame.reset_index(drop=True).astype({"year": "int64"})
    frame.loc[3, "text"] = ""
    frame.loc[7, "text"] = "   \n"
    frame.loc[11, "text"] = None
    frame.loc[13, "text"] = "x " * 1_500
    return frame


def expected(bundle: Bundle, texts: list[object]) -> tuple[list[str], np.ndarray]:
    labels, scores, _ = batch.score_texts(bundle.scorer, texts, LIMITS)
    return labels, scores


@pytest.mark.parametrize(
    ("src", "dst", "workers"), [("parquet", "parquet", 2), ("csv", "jsonl", 1), ("jsonl", "csv", 2)]
)
def test_local_engine(
    bundle: Bundle, passages_table: pd.DataFrame, tmp_path: Path, src: str, dst: str, workers: int
) -> None:
    source = tmp_path / f"in.{src}"
    if src == "parquet":
        passages_table.to_parquet(source)
    elif src == "csv":
        passages_table.to_csv(source, index=False)
    else:
        passages_table.to_json(source, orient="records", lines=True)
    target = tmp_path / "out" / f"scored.{dst}"
    summary = score_file(source, target, bundle, batch_size=200, workers=workers, limits=LIMITS, id_column="id")
    out = (
        pd.read_parquet(target)
        if dst == "parquet"
        else (
            pd.read_csv(target, dtype={"id": str}, keep_default_na=False)
            if dst == "csv"
            else pd.read_json(target, lines=True, dtype={"id": str})
        )
    )
    assert list(out.columns) == [*passages_table.columns, *ADDED_COLUMNS]
    assert out["id"].astype(str).tolist() == passages_table["id"].astype(str).tolist()  # input order
    assert summary.rows == len(passages_table) == len(out)
    too_long = [i for i, t in enumerate(passages_table["text"]) if isinstance(t, str) and len(t) > 2000]
    assert 13 in too_long
    assert dict(summary.skipped) == {
        "empty or missing text": 3,
        "text longer than 2000 characters": len(too_long),
    }
    skipped = [3, 7, 11, *too_long]
    assert out.loc[skipped, "label"].fillna("").tolist() == [""] * len(skipped)
    assert out.loc[[3, 7, 11], "reason"].tolist() == ["empty or missing text"] * 3
    ok = [i for i in range(len(out)) if i not in skipped]
    labels, scores = expected(bundle, passages_table["text"].tolist())
    assert out.loc[ok, "label"].tolist() == [labels[i] for i in ok]
    got = out.loc[ok, list(SCORE_COLUMNS)].to_numpy(dtype=float)
    assert np.abs(got - scores[ok]).max() <= 1e-12
    assert (out["model_version"] == bundle.version).all()
    assert sum(summary.labels.values()) == summary.scored == len(ok)
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_interrupted_run_leaves_no_file(
    bundle: Bundle, passages_table: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.parquet"
    passages_table.to_parquet(source)
    calls = {"n": 0}
    real = batch.annotate

    def fail_on_third(*args: object, **kwargs: object) -> pd.DataFrame:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "annotate", fail_on_third)
    with pytest.raises(KeyboardInterrupt):
        score_file(source, tmp_path / "out.csv", bundle, batch_size=100, workers=1, limits=LIMITS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet"]


def test_bad_columns_are_named(bundle: Bundle, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"body": ["a"], "label": ["x"]}).to_csv(source, index=False)
    with pytest.raises(DataError, match=r"no column\(s\) text \(found: body, label\)"):
        score_file(source, tmp_path / "o.csv", bundle, workers=1)
    with pytest.raises(DataError, match=r"already has output column\(s\) label"):
        score_file(source, tmp_path / "o.csv", bundle, text_column="body", workers=1)
    with pytest.raises(DataError, match="would overwrite the input"):
        score_file(source, source, bundle, text_column="body", workers=1)
    assert not (tmp_path / "o.csv").exists()


def test_report(bundle: Bundle, passages_table: pd.DataFrame, tmp_path: Path) -> None:
    source, scored = tmp_path / "in.parquet", tmp_path / "scored.parquet"
    passages_table.to_parquet(source)
    score_file(source, scored, bundle, workers=1, limits=LIMITS)
    csv_path, png_path, profile = write_report(scored, ["country", "year"], tmp_path / "profile")
    assert csv_path.is_file() and png_path is not None and png_path.read_bytes()[:4] == b"\x89PNG"
    shares = profile[[f"share_{label}" for label in LABELS]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert profile["n"].sum() == (pd.read_parquet(scored)["reason"] == "").sum()
    with pytest.raises(DataError, match="no column"):
        write_report(scored, ["continent"], tmp_path / "p2")


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")
@pytest.mark.parametrize(("src", "dst"), [("parquet", "parquet"), ("csv", "csv")])
def test_spark_engine_matches_local(
    bundle: Bundle, passages_table: pd.DataFrame, tmp_path: Path, src: str, dst: str
) -> None:
    from stance.spark import score_with_spark

    source = tmp_path / f"in.{src}"
    if src == "parquet":
        passages_table.to_parquet(source)
    else:
        passages_table.to_csv(source, index=False)
    local, spark = tmp_path / f"local.{dst}", tmp_path / f"spark.{dst}"
    score_file(source, local, bundle, workers=1, limits=LIMITS)
    summary = score_with_spark(source, spark, bundle, master="local[2]", batch_size=300, limits=LIMITS)
    read = pd.read_parquet if dst == "parquet" else (lambda p: pd.read_csv(p, dtype=str, keep_default_na=False))
    a, b = read(local), read(spark)
    assert len(a) == len(b) == summary.rows
    assert a["id"].astype(str).tolist() == b["id"].astype(str).tolist()
    assert a["label"].fillna("").tolist() == b["label"].fillna("").tolist()
    assert a["reason"].fillna("").tolist() == b["reason"].fillna("").tolist()
    for column in SCORE_COLUMNS:
        x, y = pd.to_numeric(a[column]).to_numpy(float), pd.to_numeric(b[column]).to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y))
        assert np.array_equal(x[~np.isnan(x)], y[~np.isnan(y)])
    assert summary.skipped["empty or missing text"] == 3
