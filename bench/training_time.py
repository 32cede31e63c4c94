"""Training wall time against corpus size.

Up to the size of the project's corpus the labelled passages are the corpus's own;
larger sets add UN General Debate paragraphs labelled by the champion, since only the
time matters here.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench.passages import CORPUS, UNGDC
from stance.bundle import Bundle
from stance.config import TrackingSettings
from stance.store import ModelStore
from training.train import TrainOptions, train


def _dataset(size: int, bundle: Bundle, seed: int) -> pd.DataFrame:
    corpus = pd.read_csv(CORPUS, usecols=["text", "label"], dtype=str, keep_default_na=False)
    if size <= len(corpus):
        return corpus.sample(n=size, random_state=seed)
    if not UNGDC.is_file():
        raise FileNotFoundError(f"{UNGDC} is needed for sets larger than the corpus ({len(corpus)})")
    real = pd.read_parquet(UNGDC, columns=["text"])
    real = real[real["text"].str.strip().str.len().between(40, 5_000)].drop_duplicates("text")
    extra = real.sample(n=size - len(corpus), random_state=seed)
    extra = extra.assign(label=bundle.scorer.predict(extra["text"].tolist()))
    return pd.concat([corpus, extra], ignore_index=True)


def measure(bundle: Bundle, sizes: list[int], *, seed: int = 13) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="stance-bench-train-") as tmp:
        root = Path(tmp)
        tracking = TrackingSettings(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", artifact_root=root / "artifacts")
        for size in sizes:
            data = root / f"train_{size}.csv"
            _dataset(size, bundle, seed).to_csv(data, index=False)
            store = ModelStore(root / "models", f"bench-{size}")
            started = time.perf_counter()
            result = train(data, store=store, tracking_settings=tracking, options=TrainOptions(seed=seed, n_jobs=2))
            rows.append(
                {
                    "passages": size,
                    "seconds": time.perf_counter() - started,
                    "holdout_macro_f1": result.manifest.metrics["macro_f1"],
                }
            )
    return rows
