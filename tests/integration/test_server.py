"""A real server process on 127.0.0.1: the contract, live swaps under load, the import set."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.servers import free_port, running
from stance.store import ModelStore

TOKEN = "server-test-token"


@pytest.fixture
def server(store_copy: ModelStore, tmp_path: Path) -> Iterator[tuple[str, ModelStore]]:
    port = free_port()
    env = {
        **os.environ,
        "STANCE_MODELS_DIR": str(store_copy.root),
        "STANCE_ADMIN_TOKEN": TOKEN,
        "STANCE_RELOAD_INTERVAL": "0.2",
    }
    log = tmp_path / "server.log"
    command = [sys.executable, "-c", "from stance.cli import main; main()", "serve", "--port", str(port)]
    with running("stance", command, port=port, ready_path="/health/ready", env=env, log=log, timeout=60) as live:
        yield live.base_url, store_copy
    # uvicorn drains, shuts the app down, then re-raises SIGTERM: -15 is a clean stop.
    output = log.read_text()
    assert live.process.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output and "Traceback" not in output


def test_real_server_end_to_end(server: tuple[str, ModelStore]) -> None:
    base, store = server
    with httpx.Client(base_url=base, timeout=10) as c:
        r = c.post(
            "/v1/classify",
            json={"text": "We will not yield to threats or sanctions.", "explain": True},
        )
        assert r.status_code == 200 and r.json()["model"]["version"] == 1 and r.json()["explanation"]
        assert r.headers["x-request-id"]
        batch = c.post("/v1/classify/batch", json={"texts": ["One.", "Two passages here."]})
        assert batch.status_code == 200 and len(batch.json()["results"]) == 2
        assert c.get("/health/live").status_code == 200
        bad = c.post("/v1/classify", content=b"{", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
        swap = c.put("/v1/models/active", json={"version": 2}, headers={"authorization": f"Bearer {TOKEN}"})
        assert swap.status_code == 200 and swap.json()["active"] == 2
        assert c.post("/v1/classify", json={"text": "hello"}).json()["model"]["version"] == 2
        metrics = c.get("/metrics").text
        assert 'route="/v1/classify",status="200"' in metrics
        assert "stance_active_model_version 2.0" in metrics
        # `stance promote` beside a live server: the pointer moves, the server follows.
        store.set_champion(2)
        store.set_champion(1)
        deadline = time.monotonic() + 10
        while c.get("/health/ready").json()["model"]["version"] != 1:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_swaps_under_concurrent_load(server: tuple[str, ModelStore]) -> None:
    base, _ = server
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    failures: list[str] = []

    def hammer(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.is_set():
                try:
                    if i % 2:
                        r = c.post("/v1/classify", json={"text": f"Passage {i} on cooperation and talks."})
                    else:
                        r = c.post("/v1/classify/batch", json={"texts": ["We reject blocs."] * 16})
                except httpx.TransportError as exc:
                    failures.append(repr(exc))
                    continue
                seen.append((r.status_code, r.json()["model"]["version"] if r.status_code == 200 else -1))

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    active: set[int] = {1}
    with httpx.Client(base_url=base, timeout=30, headers={"authorization": f"Bearer {TOKEN}"}) as admin:
        for version in [2, 1] * 4:
            r = admin.put("/v1/models/active", json={"version": version})
            assert r.status_code == 200
            active.add(version)
            time.sleep(0.15)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not failures
    assert len(seen) > 50
    assert all(status == 200 for status, _ in seen), {s for s, _ in seen}
    assert {v for _, v in seen} <= active
    assert {v for _, v in seen} == {1, 2}


def test_serve_exits_at_once_without_a_model(tmp_path: Path) -> None:
    env = {**os.environ, "STANCE_MODELS_DIR": str(tmp_path)}
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from stance.cli import main; main()",
            "serve",
            "--port",
            str(free_port()),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "has no champion" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


IMPORT_PROBE = """
import sys
from litestar.testing import TestClient
import stance.cli
from service.app import create_app
with TestClient(create_app()) as c:
    assert c.post("/v1/classify", json={"text": "We welcome the talks."}).status_code == 200
    assert c.post("/v1/classify/batch", json={"texts": ["x"], "explain": True}).status_code == 200
    c.get("/v1/models"); c.get("/metrics")
forbidden = {"pandas", "mlflow", "training", "pyarrow", "matplotlib", "pyspark", "sklearn", "scipy", "joblib"}
heavy = sorted({m.split(".")[0] for m in sys.modules} & forbidden)
print(",".join(heavy) or "none")
"""


def test_service_never_imports_the_training_stack(store_copy: ModelStore) -> None:
    env = {**os.environ, "STANCE_MODELS_DIR": str(store_copy.root), "STANCE_RELOAD_INTERVAL": "0"}
    result = subprocess.run([sys.executable, "-c", IMPORT_PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "none"
