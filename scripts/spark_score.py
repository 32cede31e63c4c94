"""Entry point for ``spark-submit``: score a file on a Spark cluster with a stored model.

    spark-submit --master spark://head:7077 scripts/spark_score.py IN OUT [--version champion]

The master comes from spark-submit; see README.md ("Scoring whole corpora").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stance.config import DEFAULT_SCORE_BATCH_SIZE, StoreSettings, TextLimits
from stance.spark import score_with_spark
from stance.store import ModelStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--version", default="champion")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_SCORE_BATCH_SIZE)
    args = parser.parse_args()
    settings = StoreSettings.from_env()
    bundle = ModelStore(settings.models_dir, settings.model_name).load(args.version)
    summary = score_with_spark(
        args.input,
        args.output,
        bundle,
        text_column=args.text_column,
        batch_size=args.batch_size,
        master=None,
        limits=TextLimits.from_env(),
    )
    print(f"{summary.rows} rows in {summary.seconds:.1f}s with {bundle.name} v{bundle.version} -> {args.output}")


if __name__ == "__main__":
    main()
