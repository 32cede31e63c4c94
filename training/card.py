"""``MODEL_CARD.md``: what a bundle is for, what it was trained on and how well it does."""

from __future__ import annotations

from typing import Any

from stance.bundle import Manifest
from stance.labels import LABEL_DEFINITIONS, LABELS


def _metrics_table(metrics: dict[str, Any]) -> str:
    lines = [
        "| label | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for label in LABELS:
        s = metrics["per_label"][label]
        lines.append(f"| `{label}` | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    lines.append(
        f"| **all** | | | macro **{metrics['macro_f1']:.3f}** | {metrics['n']} (accuracy {metrics['accuracy']:.3f}) |"
    )
    return "\n".join(lines)


def _confusion(metrics: dict[str, Any]) -> str:
    head = "| true \\ predicted | " + " | ".join(f"`{lab}`" for lab in LABELS) + " |"
    rule = "|---|" + "---:|" * len(LABELS)
    rows = [
        f"| `{label}` | " + " | ".join(str(v) for v in row) + " |"
        for label, row in zip(LABELS, metrics["confusion_matrix"], strict=True)
    ]
    return "\n".join([head, rule, *rows])


def render_model_card(manifest: Manifest) -> str:
    """The model card text for ``manifest``."""
    m = manifest.metrics
    data = manifest.data
    counts = ", ".join(f"`{k}` {v}" for k, v in data.label_counts.items())
    params = "\n".join(f"- `{k}` = `{v}`" for k, v in manifest.params.items())
    definitions = "\n".join(f"- `{k}`: {v}." for k, v in LABEL_DEFINITIONS.items())
    external = ""
    for name, ext in m.get("external", {}).items():
        external += (
            f"\n### Transfer: `{name}` ({ext['n']} passages, reported only: this run neither "
            f"trained nor selected on them)\n\n{_metrics_table(ext)}\n\n{_confusion(ext)}\n"
        )
    mlflow = (
        f"MLflow run `{manifest.mlflow.run_id}`, registry version {manifest.mlflow.registered_version}"
        if manifest.mlflow
        else "not tracked"
    )
    return f"""# Model card: {manifest.name} v{manifest.version}

Created {manifest.created}. {mlflow}.

## Intended use

Scores a passage of diplomatic text (one to about six sentences from a speech,
statement, communiqué, spokesperson's answer or a news report of one) by the stance it
takes toward other states. Built for analysts of international relations who compare
how actors frame their relations across time, regions and genres, in aggregate. Not for
judging a single statement's intent without reading it, nor for text that is not
diplomatic (social media, domestic politics), nor for languages other than English.

## Labels

Defined by the project's codebook; in short:

{definitions}

When frames mix, the dominant one wins; when two are equally present the more specific
wins: `bloc_rejecting` over `defensive` over `conciliatory` over `neutral`. The model
applies that rule to its scores: the label is the most probable frame, unless the
runner-up is more specific and its probability is at least
{manifest.params.get("tie_ratio", 1.0)} of the top one's.

## Data

`{data.file}` (SHA-256 `{data.sha256}`): {data.rows_read} rows read,
{data.duplicates_dropped} identical duplicates dropped, {data.rows_used} used
({counts}). The passages were written for this project, following the codebook; see
`training/data/README.md` for how, and for known gaps.

## Model

TF-IDF word 1-2 grams and character 2-5 grams (within word boundaries), joined and fed
to a multinomial logistic regression with balanced class weights. The search grid was
scored by seeded, stratified {manifest.cv_folds}-fold cross-validation on macro-F1 (seed
{manifest.seed}; best mean CV macro-F1 {m.get("cv_macro_f1_mean", float("nan")):.3f}). The project holds the
regularisation C at a default chosen for transfer to real text rather than by in-corpus
scores (`training/pipeline.py`). The chosen model was scored on a
stratified held-out {manifest.test_size:.0%} of the data, then refit on all of it for this
bundle.

{params}

## Metrics

### Held-out split ({m["n"]} passages)

{_metrics_table(m)}

{_confusion(m)}
{external}
## Limitations

- Trained on passages written for this project in the style of diplomatic text, not on
  sampled real documents; real text (see the transfer figures) scores lower than the
  held-out split, which shares the training data's authors and habits.
- A bag of n-grams: it sees words and short phrases, not who is speaking to whom.
  Sarcasm, quotation of an opponent's words, and long passages that change frame
  midway are weak spots; very short passages carry little evidence.
- The project's defaults (C and the tie ratio) were chosen with the real-text
  development set `ungdc_dev.csv` in view, so transfer figures on that file are
  development figures and somewhat optimistic; only a set never looked at is unbiased.
- `bloc_rejecting` is the rarest frame in real text, so its precision there is lower
  than on the balanced training data.
- Scores are the model's probabilities; they are well ordered but not calibrated to
  real-world base rates.
- English only. Passages over 20,000 characters are refused by the service.

## Environment

Python {manifest.environment.python}, scikit-learn {manifest.environment.sklearn},
joblib {manifest.environment.joblib}, NumPy {manifest.environment.numpy}.
`model.joblib` SHA-256 `{manifest.model_sha256}`.
"""
