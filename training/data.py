"""Reading and validating labelled passages.

Every problem is reported as a :class:`~stance.errors.DataError` naming the file and the
row, counted from 1 for the first data row (a CSV's header is not a row).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stance.bundle import DataFingerprint, sha256_file
from stance.config import TextLimits
from stance.errors import DataError
from stance.labels import LABELS
from stance.tables import table_format

REQUIRED_COLUMNS = ("text", "label")
OPTIONAL_COLUMNS = ("id", "source")
_MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class LabelledData:
    """Validated passages plus the fingerprint that goes into the manifest."""

    frame: pd.DataFrame
    fingerprint: DataFingerprint

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()

    @property
    def labels(self) -> list[str]:
        return self.frame["label"].tolist()


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV, Parquet or JSONL file as strings, converting reader errors."""
    kind = table_format(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        if kind == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_json(path, lines=True, dtype=False)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: cannot read as {kind}: {first}") from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises its own tree
        raise DataError(f"{path}: cannot read as {kind}: {type(exc).__name__}: {exc}") from None


def _rows(index: pd.Index) -> str:
    numbers = [str(int(i) + 1) for i in index[:_MAX_LISTED]]
    more = f" and {len(index) - _MAX_LISTED} more" if len(index) > _MAX_LISTED else ""
    return ", ".join(numbers) + more


def _as_text(column: pd.Series) -> pd.Series:
    """Strings stay; missing values become None so they are caught as empty."""
    return column.map(lambda v: v if isinstance(v, str) else (None if pd.isna(v) else str(v)))


def load_labelled(
    path: Path,
    *,
    min_per_label: int = 1,
    limits: TextLimits | None = None,
) -> LabelledData:
    """Read, validate and de-duplicate a labelled file.

    Checks, each naming the rows: the ``text`` and ``label`` columns exist; no text is
    empty or whitespace only, or longer than the text limit; every label is one of the
    four; no text carries two different labels. Identical (text, label) rows are dropped
    and counted. Each label needs at least ``min_per_label`` passages.
    """
    limits = limits or TextLimits()
    frame = read_table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (found: {found})")
    if frame.empty:
        raise DataError(f"{path}: no rows")
    keep = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in frame.columns]
    frame = frame[keep].reset_index(drop=True)
    frame["text"] = _as_text(frame["text"])
    frame["label"] = _as_text(frame["label"]).map(lambda v: v.strip() if isinstance(v, str) else "")

    empty = frame.index[frame["text"].map(lambda t: not isinstance(t, str) or not t.strip())]
    if len(empty):
        raise DataError(f"{path}: empty or whitespace-only text in row(s) {_rows(empty)}")
    too_long = frame.index[frame["text"].str.len() > limits.max_chars]
    if len(too_long):
        raise DataError(f"{path}: text longer than {limits.max_chars} characters in row(s) {_rows(too_long)}")
    bad = frame.index[~frame["label"].isin(LABELS)]
    if len(bad):
        first = frame.at[bad[0], "label"]
        raise DataError(
            f"{path}: label {first!r} in row {int(bad[0]) + 1} is not one of "
            f"{', '.join(LABELS)} ({len(bad)} bad row(s): {_rows(bad)})"
        )

    rows_read = len(frame)
    duplicated = frame.duplicated(subset=["text", "label"], keep="first")
    frame = frame[~duplicated]
    conflicts = frame[frame.duplicated(subset=["text"], keep=False)]
    if not conflicts.empty:
        text = conflicts["text"].iloc[0]
        same = conflicts.index[conflicts["text"] == text]
        labels = ", ".join(f"{frame.at[i, 'label']!r} (row {int(i) + 1})" for i in same)
        raise DataError(
            f"{path}: the same text has different labels: {labels}; "
            f"{conflicts['text'].nunique()} text(s) conflict in all"
        )

    counts = frame["label"].value_counts()
    label_counts: dict[str, int] = {label: int(counts.get(label, 0)) for label in LABELS}
    short = {k: v for k, v in label_counts.items() if v < min_per_label}
    if short:
        listed = ", ".join(f"{k}: {v}" for k, v in short.items())
        raise DataError(
            f"{path}: too few examples to cross-validate ({listed}); each label needs at least {min_per_label}"
        )
    frame = frame.reset_index(drop=True)
    fingerprint = DataFingerprint(
        file=path.name,
        sha256=sha256_file(path),
        rows_read=rows_read,
        rows_used=len(frame),
        duplicates_dropped=int(duplicated.sum()),
        label_counts=label_counts,
    )
    return LabelledData(frame=frame, fingerprint=fingerprint)
