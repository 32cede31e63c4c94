"""The labelled corpus's schema and the statistics its data card reports.

``python -m training.corpus [FILE]`` prints the tables in ``training/data/README.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from stance.labels import LABELS

CORPUS_PATH: Final = Path(__file__).parent / "data" / "passages.csv"
COLUMNS: Final = ("id", "text", "label", "genre", "region", "era", "actor", "hard_case")
GENRES: Final = (
    "unga_speech",
    "security_council",
    "press_conference",
    "joint_statement",
    "summit_declaration",
    "defence_ministry",
    "news_report",
)
REGIONS: Final = (
    "africa",
    "latin_america_caribbean",
    "europe",
    "middle_east",
    "south_asia",
    "central_asia",
    "east_asia",
    "southeast_asia",
    "pacific",
    "north_america",
    "multilateral",
)
ERAS: Final = tuple(f"{decade}s" for decade in range(1950, 2030, 10))
HARD_CASES: Final = ("", "mixed", "negation", "topic_mention", "boilerplate_goodwill")


def read_corpus(path: Path = CORPUS_PATH) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def nearest_pairs(texts: list[str], top: int = 5) -> list[tuple[float, int, int]]:
    """The most similar pairs by cosine of word 1-2 gram TF-IDF vectors."""
    matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    similarity = (matrix @ matrix.T).tocoo()
    upper = similarity.row < similarity.col
    rows, cols, values = similarity.row[upper], similarity.col[upper], similarity.data[upper]
    order = np.argsort(-values)[:top]
    return [(float(values[i]), int(rows[i]), int(cols[i])) for i in order]


def _markdown(frame: pd.DataFrame, index_name: str) -> str:
    head = f"| {index_name} | " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|---|" + "---:|" * len(frame.columns)
    rows = [
        f"| {i} | " + " | ".join(str(v) for v in row) + " |"
        for i, row in zip(frame.index, frame.to_numpy(), strict=True)
    ]
    return "\n".join([head, rule, *rows])


def _table(series: pd.Series, name: str) -> str:
    return _markdown(series.value_counts().to_frame("passages"), name)


def report(frame: pd.DataFrame) -> str:
    words = frame["text"].map(lambda text: len(text.split()))
    hard = frame[frame["hard_case"] != ""].groupby("label").size()
    by_label = pd.crosstab(frame["label"], frame["hard_case"].replace("", "(ordinary)"))
    best = nearest_pairs(frame["text"].tolist(), top=1)[0]
    parts = [
        f"{len(frame)} passages; words per passage: median {int(words.median())}, "
        f"5th-95th percentile {int(words.quantile(0.05))}-{int(words.quantile(0.95))}.",
        _table(frame["label"], "label"),
        "Hard cases per label: "
        + ", ".join(
            f"{label} {int(hard.get(label, 0))} ({hard.get(label, 0) / (frame['label'] == label).sum():.0%})"
            for label in LABELS
        ),
        _markdown(by_label, "label"),
        _table(frame["genre"], "genre"),
        _table(frame["region"], "region"),
        _markdown(frame["era"].value_counts().sort_index().to_frame("passages"), "era"),
        f"Highest TF-IDF cosine between two passages: {best[0]:.3f} "
        f"({frame['id'][best[1]]} and {frame['id'][best[2]]}).",
    ]
    return "\n\n".join(parts)


if __name__ == "__main__":
    print(report(read_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS_PATH)))
