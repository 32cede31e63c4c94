"""Scoring the whole UN General Debate corpus with `stance score`, both engines."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import psutil

from bench.passages import UNGDC
from bench.servers import tree_rss_mb


def _peak_rss_mb(process: subprocess.Popen[bytes], stop: threading.Event, out: dict[str, float]) -> None:
    """Sample the summed RSS of a process tree every 0.1 s; keep the peak."""
    root = psutil.Process(process.pid)
    peak = 0.0
    while not stop.is_set():
        try:
            peak = max(peak, tree_rss_mb(root))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.1)
    out["peak_rss_mb"] = peak


def score_corpus(engine: str, output_suffix: str = ".parquet") -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="stance-bench-score-") as tmp:
        output = Path(tmp) / f"scored{output_suffix}"
        command = [sys.executable, "-c", "from stance.cli import main; main()", "score", str(UNGDC), str(output)]
        if engine == "spark":
            command += ["--engine", "spark", "--master", "local[2]"]
        stats: dict[str, float] = {}
        stop = threading.Event()
        started = time.perf_counter()
        process = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        sampler = threading.Thread(target=_peak_rss_mb, args=(process, stop, stats))
        sampler.start()
        stdout, _ = process.communicate(timeout=1800)
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        if process.returncode != 0:
            raise RuntimeError(f"stance score --engine {engine} failed: {stdout.decode()[-2000:]}")
        rows = len(pd.read_parquet(output, columns=["label"]))
    return {
        "engine": engine,
        "rows": rows,
        "wall_s": seconds,
        "passages_per_s": rows / seconds,
        "peak_rss_mb": stats.get("peak_rss_mb", float("nan")),
        "summary": stdout.decode().strip(),
    }
