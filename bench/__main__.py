"""``python -m bench``: every benchmark in one run, written to bench/results/ and docs/.

Measures ratios against a peer in the same run (scikit-learn in process, MLflow's
scoring server over HTTP), since absolute numbers on a shared 2-core machine drift.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import corpus_scoring, http_compare, inprocess, training_time
from bench.passages import REPO, UNGDC, load_passages
from bench.report import render_chart, render_markdown, update_docs
from stance.store import ModelStore

RESULTS = REPO / "bench" / "results"


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per HTTP load run (default 10)")
    parser.add_argument("--sizes", default="1000,4000,16000,64000", help="training-set sizes to time")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: inprocess,http,training,scoring")
    parser.add_argument("--models-dir", type=Path, default=REPO / "models")
    parser.add_argument("--render", type=Path, help="only re-render the tables and docs from a results JSON")
    args = parser.parse_args()
    if args.render:
        rendered = json.loads(args.render.read_text())
        markdown = render_markdown(rendered)
        args.render.with_suffix(".md").write_text(markdown)
        update_docs(rendered, markdown, args.render.with_suffix(".png"))
        print(markdown)
        return
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    store = ModelStore(args.models_dir, "stance-framing")
    bundle = store.load("champion", pipeline=True)
    passages, source = load_passages(5_000, seed=1)
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "model": {"name": bundle.name, "version": bundle.version},
        "passages": source,
    }
    if "inprocess" not in skip:
        print("in-process throughput…", flush=True)
        results["inprocess"] = inprocess.measure(bundle, passages)
    if "http" not in skip:
        print("HTTP: stance vs mlflow models serve…", flush=True)
        results["http"] = http_compare.measure(bundle, passages, args.models_dir, duration_s=args.duration)
    if "training" not in skip:
        print("training time against corpus size…", flush=True)
        results["training"] = training_time.measure(bundle, [int(s) for s in args.sizes.split(",")])
    if "scoring" not in skip and UNGDC.is_file():
        print("scoring the whole corpus, both engines…", flush=True)
        results["corpus_scoring"] = [corpus_scoring.score_corpus("local")]
        if shutil.which("java"):
            results["corpus_scoring"].append(corpus_scoring.score_corpus("spark"))
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")
    json_path = RESULTS / f"{stamp}.json"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown = render_markdown(results)
    (RESULTS / f"{stamp}.md").write_text(markdown)
    chart = RESULTS / f"{stamp}.png"
    render_chart(results, chart)
    update_docs(results, markdown, chart)
    print(markdown)
    print(f"wrote {json_path}, {chart} and docs/benchmarks.md")


if __name__ == "__main__":
    main()
