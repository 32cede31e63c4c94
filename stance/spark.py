"""``stance score --engine spark``: the same scoring on Apache Spark.

The verified ``scorer.npz`` bytes are broadcast to the executors, each Python worker
rebuilds the scorer once, and ``mapInPandas`` applies :func:`stance.batch.score_texts`
to Arrow batches, so labels and scores are identical to the local engine's. A row id
taken before scoring puts the output back in input order; the result is written as one
file and renamed into place. Needs the ``spark`` extra and a Java runtime.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from stance.batch import SCORE_COLUMNS, ScoreSummary, annotate, check_columns, score_texts
from stance.bundle import SCORER_FILE, Bundle, sha256_bytes
from stance.config import DEFAULT_SCORE_BATCH_SIZE, TextLimits
from stance.errors import ConfigError, DataError, IntegrityError
from stance.scoring import LinearTfidfScorer
from stance.tables import read_chunks, table_format

ROW_ID = "__stance_row"
_scorers: dict[str, LinearTfidfScorer] = {}


def _scorer_for(key: str, payload: bytes) -> LinearTfidfScorer:
    """One scorer per Python worker process, rebuilt from the broadcast bytes."""
    scorer = _scorers.get(key)
    if scorer is None:
        scorer = _scorers[key] = LinearTfidfScorer.from_bytes(payload)
    return scorer


def _session(master: str | None, batch_size: int) -> Any:
    # Executors on this machine run this interpreter; on a cluster, set PYSPARK_PYTHON
    # to the executors' environment (it needs numpy, pandas, pyarrow and this package).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("the spark engine needs the 'spark' extra: uv sync --extra spark") from None
    builder = SparkSession.builder if master is None else SparkSession.builder.master(master)
    return (
        builder.appName("stance-score")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_size))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def _read(spark: Any, path: Path, kind: str) -> Any:
    uri = str(path.resolve())
    if kind == "parquet":
        return spark.read.parquet(uri)
    if kind == "csv":
        return spark.read.options(header=True, multiLine=True, escape='"', inferSchema=False).csv(uri)
    return spark.read.json(uri)


def score_with_spark(
    input_path: Path,
    output_path: Path,
    bundle: Bundle,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    batch_size: int = DEFAULT_SCORE_BATCH_SIZE,
    master: str | None = "local[*]",
    limits: TextLimits | None = None,
) -> ScoreSummary:
    """Score ``input_path`` on Spark into ``output_path`` with the same columns as local.

    ``master=None`` keeps the master that ``spark-submit`` configured. Paths are local
    file paths: on a cluster both must be on storage every node mounts at the same path.
    """
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
    from pyspark.sql import types as T  # noqa: N812

    limits = limits or TextLimits()
    kind, out_kind = table_format(input_path), table_format(output_path)
    if not input_path.is_file():
        raise DataError(f"{input_path}: no such file")
    started = time.perf_counter()
    spark = _session(master, batch_size)
    frame = _read(spark, input_path, kind)
    check_columns(frame.columns, input_path, text_column, id_column)
    payload = (bundle.path / SCORER_FILE).read_bytes()
    if sha256_bytes(payload) != bundle.manifest.scorer_sha256:
        raise IntegrityError(f"{bundle.path / SCORER_FILE} changed after it was verified")
    shipped = spark.sparkContext.broadcast(payload)
    key, version = bundle.manifest.scorer_sha256, bundle.version

    def score_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        scorer = _scorer_for(key, shipped.value)
        for chunk in batches:
            yield annotate(chunk, *score_texts(scorer, chunk[text_column].tolist(), limits), version)

    numbered = frame.withColumn(ROW_ID, F.monotonically_increasing_id())
    schema = T.StructType(
        [
            *numbered.schema.fields,
            T.StructField("label", T.StringType()),
            *[T.StructField(c, T.DoubleType()) for c in SCORE_COLUMNS],
            T.StructField("model_version", T.LongType()),
            T.StructField("reason", T.StringType()),
        ]
    )
    scored = numbered.mapInPandas(score_batches, schema)
    ordered = scored.repartition(1).sortWithinPartitions(ROW_ID).drop(ROW_ID)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_path.name}.", dir=output_path.parent.resolve()))
    try:
        writer = ordered.write.mode("overwrite")
        if out_kind == "csv":
            writer.option("header", True).option("escape", '"').csv(str(staging / "out"))
        elif out_kind == "parquet":
            writer.parquet(str(staging / "out"))
        else:
            writer.json(str(staging / "out"))
        parts = sorted(p for p in (staging / "out").iterdir() if p.name.startswith("part-"))
        if len(parts) != 1:
            raise DataError(f"expected one output part from Spark, found {len(parts)}")
        os.replace(parts[0], output_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary = ScoreSummary(input_path, output_path, "spark", version)
    for chunk in read_chunks(output_path, 100_000):  # count from what was written, not a rerun
        summary.add(len(chunk), chunk["label"].fillna(""), chunk["reason"].fillna(""))
    summary.seconds = time.perf_counter() - started
    return summary
