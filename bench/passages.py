"""The passages every benchmark uses: real UN General Debate paragraphs when ../shared is
beside the project, else the project's own corpus."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
UNGDC = REPO.parent / "shared" / "corpora" / "ungdc_paragraphs.parquet"
CORPUS = REPO / "training" / "data" / "passages.csv"


def load_passages(n: int, *, seed: int = 0, max_chars: int = 20_000) -> tuple[list[str], str]:
    """``n`` non-empty passages (sampled with ``seed``) and where they came from."""
    if UNGDC.is_file():
        frame = pd.read_parquet(UNGDC, columns=["text"])
        source = "UN General Debate paragraphs (../shared/corpora)"
    else:
        frame = pd.read_csv(CORPUS, usecols=["text"], dtype=str, keep_default_na=False)
        source = "the project's corpus (../shared absent)"
    texts = frame["text"]
    texts = texts[texts.str.strip().str.len().gt(0) & texts.str.len().le(max_chars)]
    sample = texts.sample(n=min(n, len(texts)), random_state=seed, replace=n > len(texts))
    return sample.tolist(), source
