"""Streaming reads and atomic writes of CSV, Parquet and JSONL tables, chunk by chunk.

Used by batch scoring and reports; needs pandas and pyarrow (the ``train`` extra), so the
service never imports it. Writers put everything in a hidden temporary file beside the
target and rename it into place only when the whole table is written: an interrupted
run leaves no half file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stance.errors import DataError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def table_format(path: Path) -> str:
    """``csv``, ``parquet`` or ``jsonl`` by extension, or a :class:`DataError`."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return kind


def count_rows(path: Path) -> int | None:
    """Row count when it is cheap to know (Parquet metadata), else None."""
    if table_format(path) == "parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def read_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Yield the table ``chunk_rows`` rows at a time; text columns stay strings."""
    kind = table_format(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        if kind == "parquet":
            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas()
        elif kind == "csv":
            yield from pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_rows)
        else:
            with pd.read_json(path, lines=True, dtype=False, chunksize=chunk_rows) as reader:
                yield from reader
    except (ValueError, OSError, pa.ArrowException, pd.errors.ParserError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{path}: cannot read as {kind}: {first}") from None


class TableWriter:
    """Appends DataFrames to a CSV, Parquet or JSONL file, published on :meth:`commit`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = table_format(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self.kind == "parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.tmp, self._schema)
            else:
                table = table.cast(self._schema)
            self._parquet.write_table(table)
        elif self.kind == "csv":
            frame.to_csv(self.tmp, mode="a", header=self._rows == 0, index=False)
        else:
            with self.tmp.open("a", encoding="utf-8") as handle:
                frame.to_json(handle, orient="records", lines=True, force_ascii=False, double_precision=15)
        self._rows += len(frame)

    def commit(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self._parquet is not None:
            with contextlib.suppress(Exception):
                self._parquet.close()
        self.tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_table(path: Path) -> Iterator[TableWriter]:
    """A :class:`TableWriter` committed if the block finishes, removed if it raises."""
    writer = TableWriter(path)
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.commit()


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a whole (small) table atomically."""
    with atomic_table(path) as writer:
        writer.write(frame)
