"""Metrics and the confusion-matrix chart, computed the same way for every report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from stance.labels import LABELS, decide


def predict_labels(pipeline: Any, texts: Sequence[str], tie_ratio: float) -> list[str]:
    """Labels from a fitted pipeline under the codebook's tie-break (as the scorer decides)."""
    classes = [str(c) for c in pipeline.classes_]
    return [classes[decide(row.tolist(), classes, tie_ratio)] for row in pipeline.predict_proba(texts)]


def tie_break_scorer(tie_ratio: float) -> Any:
    """A scikit-learn scorer: macro-F1 of the labels :func:`predict_labels` gives."""

    def score(estimator: Any, texts: Sequence[str], labels: Sequence[str]) -> float:
        predicted = predict_labels(estimator, texts, tie_ratio)
        return float(f1_score(labels, predicted, labels=list(LABELS), average="macro", zero_division=0))

    return score


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-label precision/recall/F1/support and the confusion matrix.

    Rows of ``confusion_matrix`` are true labels and columns predictions, both in
    :data:`~stance.labels.LABELS` order.
    """
    labels = list(LABELS)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 6),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 6),
        "per_label": {
            label: {
                "precision": round(float(precision[i]), 6),
                "recall": round(float(recall[i]), 6),
                "f1": round(float(f1[i]), 6),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def flat_metrics(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Scalar metrics with dotted names (``f1.defensive``) for MLflow."""
    flat = {f"{prefix}accuracy": metrics["accuracy"], f"{prefix}macro_f1": metrics["macro_f1"]}
    for label, scores in metrics["per_label"].items():
        for key in ("precision", "recall", "f1"):
            flat[f"{prefix}{key}.{label}"] = scores[key]
    return flat


def plot_confusion(matrix: list[list[int]], path: Path, *, title: str) -> None:
    """Write the confusion matrix as a labelled PNG heat map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 4.8), dpi=110)
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=30, ha="right")
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            colour = "white" if value > peak / 2 else "black"
            ax.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
