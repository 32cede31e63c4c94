"""Scoring whole files: ``stance score`` with the local engine.

The input is streamed in chunks, scored by a pool of worker processes with the fast
scorer (each loads the bundle once), and written in input order to a temporary file
that is renamed into place at the end. Memory stays flat whatever the input size.
Rows whose text is missing, empty or too long are kept, with an empty label and a
``reason``, and counted; they never stop the run.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stance.bundle import Bundle, load_bundle
from stance.config import DEFAULT_SCORE_BATCH_SIZE, TextLimits
from stance.errors import DataError
from stance.labels import LABELS
from stance.scoring import LinearTfidfScorer
from stance.tables import atomic_table, read_chunks

SCORE_COLUMNS = tuple(f"score_{label}" for label in LABELS)
ADDED_COLUMNS = ("label", *SCORE_COLUMNS, "model_version", "reason")


@dataclass(slots=True)
class ScoreSummary:
    """What a scoring run did, for the CLI and the benchmarks."""

    input: Path
    output: Path
    engine: str
    model_version: int
    rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def scored(self) -> int:
        return self.rows - sum(self.skipped.values())

    def add(self, rows: int, labels: Iterable[str], reasons: Iterable[str]) -> None:
        """Count one chunk: its rows, its labels and its skip reasons (blanks ignored)."""
        self.rows += rows
        self.labels.update(label for label in labels if label)
        self.skipped.update(reason for reason in reasons if reason)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else math.nan


def skip_reason(text: object, limits: TextLimits) -> str:
    """Why a value cannot be scored, or "" when it can."""
    # One reason for null and blank: CSV readers disagree on which an empty field is.
    if not isinstance(text, str) or not text.strip():
        return "empty or missing text"
    if len(text) > limits.max_chars:
        return f"text longer than {limits.max_chars} characters"
    return ""


def score_texts(
    scorer: LinearTfidfScorer, texts: Sequence[object], limits: TextLimits
) -> tuple[list[str], np.ndarray[Any, np.dtype[np.float64]], list[str]]:
    """Labels, scores in :data:`LABELS` order, and skip reasons for one chunk."""
    order = [scorer.classes_.index(label) for label in LABELS]
    reasons = [skip_reason(t, limits) for t in texts]
    scores = np.full((len(texts), len(LABELS)), np.nan)
    labels = [""] * len(texts)
    ok = [i for i, r in enumerate(reasons) if not r]
    if ok:
        proba = scorer.predict_proba([texts[i] for i in ok])  # type: ignore[misc]
        scores[ok] = proba[:, order]
        for i, row in zip(ok, proba, strict=True):
            labels[i] = scorer.classes_[scorer.decide(row)]
    return labels, scores, reasons


def annotate(
    frame: pd.DataFrame,
    labels: list[str],
    scores: np.ndarray[Any, np.dtype[np.float64]],
    reasons: list[str],
    version: int,
) -> pd.DataFrame:
    """The input chunk plus the output columns, in order."""
    out = frame.copy()
    out["label"] = labels
    for j, column in enumerate(SCORE_COLUMNS):
        out[column] = pd.array(scores[:, j], dtype="Float64")  # skipped rows: null, not NaN
    out["model_version"] = version
    out["reason"] = reasons
    return out


def check_columns(columns: Sequence[str], path: Path, text_column: str, id_column: str | None) -> None:
    missing = [c for c in (text_column, id_column) if c and c not in columns]
    if missing:
        raise DataError(f"{path}: no column(s) {', '.join(missing)} (found: {', '.join(map(str, columns))})")
    clash = [c for c in ADDED_COLUMNS if c in columns]
    if clash:
        raise DataError(f"{path}: already has output column(s) {', '.join(clash)}; rename them first")


# -- worker processes ------------------------------------------------------------------

_worker_scorer: LinearTfidfScorer | None = None
_worker_limits = TextLimits()


def _init_worker(bundle_dir: str, limits: TextLimits) -> None:
    """Process-pool initializer: load and verify the bundle once per worker."""
    global _worker_scorer, _worker_limits
    _worker_scorer = load_bundle(Path(bundle_dir)).scorer
    _worker_limits = limits


def _score_in_worker(
    texts: list[object],
) -> tuple[list[str], np.ndarray[Any, np.dtype[np.float64]], list[str]]:
    assert _worker_scorer is not None, "worker not initialised"
    return score_texts(_worker_scorer, texts, _worker_limits)


Progress = Callable[[int], None]


def score_file(
    input_path: Path,
    output_path: Path,
    bundle: Bundle,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    batch_size: int = DEFAULT_SCORE_BATCH_SIZE,
    workers: int = 0,
    limits: TextLimits | None = None,
    progress: Progress | None = None,
) -> ScoreSummary:
    """Score every row of ``input_path`` into ``output_path`` (formats by extension).

    ``workers`` = 0 uses every core; 1 scores in this process.
    """
    limits = limits or TextLimits()
    workers = workers or os.cpu_count() or 1
    if batch_size < 1:
        raise DataError(f"batch size must be at least 1, got {batch_size}")
    if input_path.resolve() == output_path.resolve():
        raise DataError(f"{output_path}: output would overwrite the input")
    summary = ScoreSummary(input_path, output_path, "local", bundle.version)
    started = time.perf_counter()
    chunks: Iterator[pd.DataFrame] = read_chunks(input_path, batch_size)

    def record(frame: pd.DataFrame, result: tuple[list[str], Any, list[str]], writer: Any) -> None:
        labels, scores, reasons = result
        writer.write(annotate(frame, labels, scores, reasons, bundle.version))
        summary.add(len(frame), labels, reasons)
        if progress:
            progress(len(frame))

    head = next(chunks, None)
    if head is not None:
        check_columns(list(head.columns), input_path, text_column, id_column)
        chunks = itertools.chain([head], chunks)
    with atomic_table(output_path) as writer:
        if workers == 1:
            for frame in chunks:
                record(frame, score_texts(bundle.scorer, frame[text_column].tolist(), limits), writer)
        else:
            with ProcessPoolExecutor(
                max_workers=workers, initializer=_init_worker, initargs=(str(bundle.path), limits)
            ) as pool:
                pending: deque[tuple[pd.DataFrame, Future[Any]]] = deque()
                for frame in chunks:
                    pending.append((frame, pool.submit(_score_in_worker, frame[text_column].tolist())))
                    while len(pending) > 2 * workers:  # bounded look-ahead keeps memory flat
                        done_frame, future = pending.popleft()
                        record(done_frame, future.result(), writer)
                while pending:
                    done_frame, future = pending.popleft()
                    record(done_frame, future.result(), writer)
    summary.seconds = time.perf_counter() - started
    return summary
