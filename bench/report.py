"""Turning a results dict into the markdown table, the PNG chart and docs/benchmarks.md."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.passages import REPO

DOCS = REPO / "docs"


def _f(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['started']} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
        f"Python {m['python']}; model {results['model']['name']} v{results['model']['version']}; "
        f"passages: {results['passages']}.",
        "",
    ]
    if "inprocess" in results:
        r = results["inprocess"]
        lines += [
            "### In process (passages/s)",
            "",
            "| path | one at a time | batches of 1,000 |",
            "|---|---:|---:|",
            f"| scikit-learn `predict_proba` | {_f(r['sklearn_single_per_s'])} | {_f(r['sklearn_batch1000_per_s'])} |",
            f"| fast scorer | {_f(r['fast_single_per_s'])} | {_f(r['fast_batch1000_per_s'])} |",
            f"| **speed-up** | **{r['single_speedup']:.1f}x** | **{r['batch_speedup']:.1f}x** |",
            "",
            f"Largest probability difference between the two: {r['max_abs_diff']:.1e}.",
            "",
        ]
    if "http" in results:
        h = results["http"]
        lines += [
            "### HTTP, one worker each (wrk on the same machine)",
            "",
            "| scenario | server | requests/s | passages/s | p50 ms | p99 ms | errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for s in h["scenarios"]:
            lines.append(
                f"| {s['scenario']} | {s['server']} | {_f(s['requests_per_s'])} | {_f(s['passages_per_s'])} | "
                f"{_f(s['p50_ms'], 2)} | {_f(s['p99_ms'], 2)} | {s['errors']} |"
            )
        by = {(s["server"], s["scenario"]): s for s in h["scenarios"]}
        ratio_lines = []
        for scenario in dict.fromkeys(s["scenario"] for s in h["scenarios"]):
            a, b = by.get(("stance", scenario)), by.get(("mlflow", scenario))
            if a and b and b["requests_per_s"]:
                ratio_lines.append(f"| {scenario} | {a['requests_per_s'] / b['requests_per_s']:.1f}x |")
        lines += ["", "| scenario | stance ÷ mlflow throughput |", "|---|---:|", *ratio_lines, ""]
        lines += [
            "| server | cold start to ready (s) | RSS after warm-up (MB) | RSS after load (MB) |",
            "|---|---:|---:|---:|",
        ]
        for name, srv in h["servers"].items():
            warm, loaded = srv["rss_mb_after_warmup"], srv["rss_mb_after_load"]
            lines.append(f"| {name} | {srv['cold_start_s']:.2f} | {warm:.0f} | {loaded:.0f} |")
        lines.append("")
        if "inprocess" in results:
            batch = by.get(("stance", "batch of 32, c=8"))
            if batch:
                r = results["inprocess"]
                sk = batch["passages_per_s"] / r["sklearn_batch1000_per_s"]
                fast = batch["passages_per_s"] / r["fast_batch1000_per_s"]
                lines += [
                    f"Batch endpoint passages/s ÷ in-process batch throughput: {sk:.0%} of scikit-learn's, "
                    f"{fast:.0%} of the fast scorer's.",
                    "",
                ]
    if "training" in results:
        lines += [
            "### Training wall time (`train`, 5-fold CV, 2 jobs)",
            "",
            "| passages | seconds | held-out macro-F1 |",
            "|---:|---:|---:|",
        ]
        for t in results["training"]:
            lines.append(f"| {t['passages']:,} | {t['seconds']:.1f} | {t['holdout_macro_f1']:.3f} |")
        lines.append("")
    if "corpus_scoring" in results:
        lines += [
            "### Scoring the whole UN General Debate corpus (`stance score`)",
            "",
            "| engine | rows | wall s | passages/s | peak memory (MB, all processes) |",
            "|---|---:|---:|---:|---:|",
        ]
        for c in results["corpus_scoring"]:
            rate, peak = _f(c["passages_per_s"]), c["peak_rss_mb"]
            lines.append(f"| {c['engine']} | {c['rows']:,} | {c['wall_s']:.1f} | {rate} | {peak:.0f} |")
        lines.append("")
    return "\n".join(lines)


def render_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=100)
    if "http" in results:
        runs = results["http"]["scenarios"]
        scenarios = list(dict.fromkeys(s["scenario"] for s in runs))
        by = {(s["server"], s["scenario"]): s for s in runs}
        for offset, server in enumerate(("stance", "mlflow")):
            found = [by.get((server, sc), {}) for sc in scenarios]
            x = [i + offset * 0.4 for i in range(len(scenarios))]
            axes[0].bar(x, [s.get("passages_per_s", 0) for s in found], width=0.4, label=server)
            axes[1].bar(x, [s.get("p99_ms") or 0 for s in found], width=0.4, label=server)
        for ax, title in ((axes[0], "HTTP passages/s"), (axes[1], "HTTP p99 latency (ms, log)")):
            ax.set_xticks([i + 0.2 for i in range(len(scenarios))], scenarios, fontsize=8)
            ax.set_title(title)
            ax.legend()
        axes[1].set_yscale("log")
    if "training" in results:
        sizes = [t["passages"] for t in results["training"]]
        axes[2].plot(sizes, [t["seconds"] for t in results["training"]], marker="o")
        axes[2].set_xscale("log")
        axes[2].set_xlabel("passages")
        axes[2].set_title("training wall time (s)")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def update_docs(results: dict[str, Any], markdown: str, chart: Path) -> None:
    """Replace the generated section of docs/benchmarks.md with this run's table and chart."""
    DOCS.mkdir(exist_ok=True)
    shutil.copyfile(chart, DOCS / "benchmarks.png")
    doc = DOCS / "benchmarks.md"
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    text = doc.read_text() if doc.exists() else f"# Benchmarks\n\n{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    body = f"{begin}\n{markdown}\n![benchmark chart](benchmarks.png)\n{end}"
    doc.write_text(head + body + tail)
