"""The ``stance`` command line: train, evaluate, list, promote, classify, serve, score.

Each command imports what it needs when it runs, so ``stance serve`` and ``stance
classify`` never load pandas, MLflow or the training package. :func:`main` is the one
place errors become messages and exit codes: a :class:`~stance.errors.StanceError` prints
``Error: <message>`` and exits with its ``exit_code`` (2 for bad input), never a
traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from stance.config import DEFAULT_SCORE_BATCH_SIZE, StoreSettings, TextLimits, TrackingSettings
from stance.errors import ConfigError, StanceError
from stance.labels import DEFAULT_TIE_RATIO, LABELS
from stance.store import ModelStore

app = typer.Typer(
    name="stance",
    help="Score diplomatic passages by stance: conciliatory, defensive, bloc_rejecting, neutral.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Model name (default: $STANCE_MODEL_NAME or stance-framing)."),
]


def _store(name: str | None = None) -> ModelStore:
    settings = StoreSettings.from_env()
    return ModelStore(settings.models_dir, name or settings.model_name)


class _StepPrinter:
    """Prints each finished step under a spinner while the next one runs."""

    def __init__(self, status: Any) -> None:
        self.status = status

    def __call__(self, step: str) -> None:
        out.print(f"[green]✓[/] {step}")
        self.status.update(f"{step}; working…")


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="Labelled CSV, Parquet or JSONL file (text, label).")],
    name: NameOption = None,
    seed: Annotated[int, typer.Option(help="Seed for the split, folds and solver.")] = 13,
    test_size: Annotated[float, typer.Option(help="Held-out share, stratified.")] = 0.2,
    cv_folds: Annotated[int, typer.Option(help="Stratified cross-validation folds.")] = 5,
    jobs: Annotated[int, typer.Option("--jobs", help="Parallel cross-validation fits.")] = 2,
    tie_ratio: Annotated[
        float, typer.Option(help="Codebook tie-break: a more specific runner-up wins at this share of the top score.")
    ] = DEFAULT_TIE_RATIO,
    report_on: Annotated[
        list[Path] | None,
        typer.Option("--report-on", help="Extra labelled file to report metrics on (never fitted)."),
    ] = None,
    promote: Annotated[bool, typer.Option("--promote", help="Make the new version the champion.")] = False,
) -> None:
    """Train, evaluate, track in MLflow and publish a new model version."""
    from training.train import TrainOptions
    from training.train import train as run_training

    store = _store(name)
    with out.status("training…") as status:
        result = run_training(
            data,
            store=store,
            tracking_settings=TrackingSettings.from_env(),
            options=TrainOptions(seed=seed, test_size=test_size, cv_folds=cv_folds, n_jobs=jobs, tie_ratio=tie_ratio),
            report_on=report_on or [],
            promote=promote,
            limits=TextLimits.from_env(),
            progress=_StepPrinter(status),
        )
    m = result.manifest.metrics
    out.print(
        f"{store.name} v{result.version}: held-out macro-F1 {m['macro_f1']:.3f}, "
        f"accuracy {m['accuracy']:.3f} → {result.bundle_dir}" + (" (champion)" if result.promoted else "")
    )


@app.command()
def evaluate(
    version: Annotated[str, typer.Argument(help="Version number, 'champion' or 'latest'.")],
    data: Annotated[Path, typer.Option("--data", help="Labelled file to score.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the metrics here.")] = None,
    name: NameOption = None,
) -> None:
    """Score a stored version on a labelled file."""
    from training.promote import evaluate_version

    with out.status(f"evaluating {version}…"):
        metrics = evaluate_version(_store(name), version, data, limits=TextLimits.from_env())
    table = Table(title=f"{metrics['model']['name']} v{metrics['model']['version']} on {data.name}")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label in LABELS:
        s = metrics["per_label"][label]
        table.add_row(
            label,
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['f1']:.3f}",
            str(s["support"]),
        )
    out.print(table)
    out.print(f"macro-F1 {metrics['macro_f1']:.4f}, accuracy {metrics['accuracy']:.4f}, n={metrics['n']}")
    if json_out is not None:
        json_out.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        out.print(f"wrote {json_out}")


@app.command()
def models(name: NameOption = None) -> None:
    """List stored versions with their held-out macro-F1; the champion is marked."""
    store = _store(name)
    champion = store.champion()
    versions = store.versions()
    if not versions:
        out.print(f"no versions of {store.name!r} in {store.root}")
        return
    table = Table(title=f"{store.name} in {store.root}")
    for column in ("version", "created", "macro-F1", "data", "champion"):
        table.add_column(column)
    for v in versions:
        m = store.manifest(v)
        f1 = f"{m.macro_f1:.3f}" if m.macro_f1 is not None else "-"
        table.add_row(
            str(v),
            m.created,
            f1,
            f"{m.data.file} ({m.data.rows_used})",
            "★" if v == champion else "",
        )
    out.print(table)


@app.command()
def promote(
    version: Annotated[str, typer.Argument(help="Version number or 'latest'.")],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Refuse if the candidate scores lower than the champion here."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Promote even if it scores lower.")] = False,
    name: NameOption = None,
) -> None:
    """Make a version the champion (store pointer and MLflow registry alias)."""
    from training.promote import promote as promote_version

    result = promote_version(
        _store(name), version, tracking_settings=TrackingSettings.from_env(), data=data, force=force
    )
    if result.candidate_f1 is not None:
        out.print(f"macro-F1 on {data}: candidate {result.candidate_f1:.4f}, champion {result.champion_f1:.4f}")
    alias = f"registry version {result.registry_version}" if result.registry_version else "store only"
    out.print(f"champion: v{result.previous} → v{result.version} ({alias})")


@app.command()
def classify(
    text: Annotated[str, typer.Argument(help="The passage to score.")],
    version: Annotated[str, typer.Option(help="Version number, 'champion' or 'latest'.")] = "champion",
    explain: Annotated[bool, typer.Option(help="Show the n-grams that drove the label.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    name: NameOption = None,
) -> None:
    """Label one passage with the champion (or another version)."""
    from stance.predict import Predictor

    predictor = Predictor(_store(name).load(version), TextLimits.from_env())
    result = predictor.classify(text, explain=10 if explain else 0)
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    out.print(f"[bold]{result.label}[/]  ({predictor.name} v{predictor.version})")
    for label, score in result.scores.items():
        out.print(f"  {label:<15} {score:.3f}")
    for c in result.explanation:
        out.print(f"  {c.weight:+.3f}  {c.kind:<4} {c.term!r}")


@app.command()
def score(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="CSV, Parquet or JSONL to score.")],
    output_path: Annotated[Path, typer.Argument(metavar="OUTPUT", help="CSV, Parquet or JSONL to write.")],
    text_column: Annotated[str, typer.Option(help="Column holding the passages.")] = "text",
    id_column: Annotated[str | None, typer.Option(help="Column that identifies rows (checked).")] = None,
    version: Annotated[str, typer.Option(help="Version number, 'champion' or 'latest'.")] = "champion",
    engine: Annotated[str, typer.Option(help="'local' (processes) or 'spark'.")] = "local",
    batch_size: Annotated[
        int, typer.Option(help="Rows per chunk (local) or Arrow batch (spark).")
    ] = DEFAULT_SCORE_BATCH_SIZE,
    workers: Annotated[int, typer.Option(help="Local worker processes; 0 = every core.")] = 0,
    master: Annotated[str, typer.Option(help="Spark master URL.")] = "local[*]",
    name: NameOption = None,
) -> None:
    """Score every row of a file; output keeps the input columns and adds label and scores."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from stance.batch import score_file
    from stance.tables import count_rows

    if engine not in ("local", "spark"):
        raise ConfigError(f"--engine must be 'local' or 'spark', not {engine!r}")
    bundle = _store(name).load(version)
    common: dict[str, Any] = {
        "text_column": text_column,
        "id_column": id_column,
        "batch_size": batch_size,
        "limits": TextLimits.from_env(),
    }
    if engine == "spark":
        from stance.spark import score_with_spark

        with out.status(f"scoring on Spark ({master})…"):
            summary = score_with_spark(input_path, output_path, bundle, master=master, **common)
    else:
        columns = [
            TextColumn("scoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>8.0f} rows/s"),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=err, transient=False) as bar:
            task = bar.add_task("score", total=count_rows(input_path), rate=0.0)

            def advance(rows: int) -> None:
                bar.advance(task, rows)
                elapsed = bar.tasks[task].elapsed or 0.0
                bar.update(task, rate=bar.tasks[task].completed / elapsed if elapsed else 0.0)

            summary = score_file(input_path, output_path, bundle, workers=workers, progress=advance, **common)
    skipped = sum(summary.skipped.values())
    out.print(
        f"{summary.rows} rows in {summary.seconds:.1f}s ({summary.rate:.0f}/s, {engine}) with "
        f"{bundle.name} v{bundle.version} → {output_path}"
    )
    out.print("  " + ", ".join(f"{label} {summary.labels[label]}" for label in LABELS))
    if skipped:
        reasons = ", ".join(f"{reason}: {n}" for reason, n in summary.skipped.most_common())
        out.print(f"  skipped {skipped} ({reasons})")


@app.command()
def report(
    scored: Annotated[Path, typer.Argument(help="Output of `stance score`.")],
    by: Annotated[str, typer.Option(help="Comma-separated columns to group by, e.g. country,year.")],
    out_prefix: Annotated[
        Path | None, typer.Option("--out", help="Prefix for the .csv and .png (default: beside SCORED).")
    ] = None,
    groups: Annotated[str, typer.Option(help="Comma-separated groups to chart (default: the largest 4).")] = "",
    time_column: Annotated[str | None, typer.Option(help="Time axis column (default: year/date/session).")] = None,
) -> None:
    """Frame profile: the share of each label per group, as CSV, and a chart over time."""
    from stance.report import write_report

    columns = [c.strip() for c in by.split(",") if c.strip()]
    prefix = out_prefix or scored.with_name(scored.stem + ".profile")
    wanted = [g.strip() for g in groups.split(",") if g.strip()]
    csv_path, png_path, profile = write_report(scored, columns, prefix, groups=wanted, time_column=time_column)
    out.print(f"{len(profile)} groups → {csv_path}" + (f" and {png_path}" if png_path else ""))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the champion over HTTP (uvicorn)."""
    from service.run import run_server

    run_server(host=host, port=port, workers=workers)


def main() -> None:
    """Console entry point: runs the app and turns project errors into exit codes.

    Usage errors are click's own (exit 2 with the usage line); project errors print
    one line and exit with their code; nothing prints a traceback on purpose.
    """
    try:
        app()
    except StanceError as exc:
        err.print(f"[red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
