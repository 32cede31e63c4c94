"""HTTP: the stance service against `mlflow models serve` with the same fitted pipeline."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import run_wrk
from bench.servers import Server, free_port, running
from stance.bundle import Bundle

SCENARIOS = [  # (name, passages per request, connections)
    ("single, c=1", 1, 1),
    ("single, c=16", 1, 16),
    ("batch of 32, c=8", 32, 8),
]


def _bodies(kind: str, passages: list[str], per_request: int, count: int = 400) -> list[str]:
    bodies = []
    for i in range(count):
        chunk = [passages[(i * per_request + j) % len(passages)] for j in range(per_request)]
        if kind == "stance":
            body: Any = {"text": chunk[0]} if per_request == 1 else {"texts": chunk}
        else:
            body = {"inputs": chunk}
        bodies.append(json.dumps(body))
    return bodies


def _warm(server: Server, path: str, body: str) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        for _ in range(200):
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            response.raise_for_status()


def _export_mlflow_model(bundle: Bundle, target: Path) -> Path:
    import mlflow.sklearn

    path = target / "mlflow-model"
    mlflow.sklearn.save_model(
        bundle.pipeline, str(path), serialization_format="cloudpickle", pyfunc_predict_fn="predict_proba"
    )
    return path


def measure(bundle: Bundle, passages: list[str], models_dir: Path, *, duration_s: int) -> dict[str, Any]:
    results: dict[str, Any] = {"scenarios": [], "servers": {}}
    with tempfile.TemporaryDirectory(prefix="stance-bench-http-") as tmp:
        root = Path(tmp)
        model_path = _export_mlflow_model(bundle, root)
        port_a, port_b = free_port(), free_port()
        stance_env = {**os.environ, "STANCE_MODELS_DIR": str(models_dir), "STANCE_MODEL_VERSION": str(bundle.version)}
        targets = {
            "stance": (
                [sys.executable, "-c", "from stance.cli import main; main()", "serve", "--port", str(port_a)],
                port_a,
                "/health/ready",
                stance_env,
                {1: "/v1/classify", 32: "/v1/classify/batch"},
            ),
            "mlflow": (
                [
                    sys.executable,
                    "-m",
                    "mlflow",
                    "models",
                    "serve",
                    "-m",
                    str(model_path),
                    "--env-manager",
                    "local",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port_b),
                    "-w",
                    "1",
                ],
                port_b,
                "/ping",
                {
                    **os.environ,
                    # mlflow starts `uvicorn` by name: it must find this environment's.
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                    "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
                },
                {1: "/invocations", 32: "/invocations"},
            ),
        }
        for name, (command, port, ready, env, paths) in targets.items():
            with running(name, command, port=port, ready_path=ready, env=env, log=root / f"{name}.log") as server:
                for per_request in (1, 32):
                    _warm(server, paths[per_request], _bodies(name, passages, per_request)[0])
                results["servers"][name] = {"cold_start_s": server.cold_start_s, "rss_mb_after_warmup": server.rss_mb()}
                for scenario, per_request, connections in SCENARIOS:
                    time.sleep(1)
                    run = run_wrk(
                        server.base_url + paths[per_request],
                        _bodies(name, passages, per_request),
                        connections=connections,
                        duration_s=duration_s,
                        passages_per_request=per_request,
                    )
                    run.update(server=name, scenario=scenario)
                    results["scenarios"].append(run)
                results["servers"][name]["rss_mb_after_load"] = server.rss_mb()
    return results
