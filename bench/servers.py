"""Starting, timing and stopping the HTTP servers under test, on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil


def tree_rss_mb(root: psutil.Process) -> float:
    """Resident memory of ``root`` and all its child processes, in MiB.

    Children that exit while being measured are skipped; ``root`` itself exiting raises
    ``psutil.NoSuchProcess``.
    """
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total / 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    cold_start_s: float

    def rss_mb(self) -> float:
        """Resident memory of the server and all its child processes."""
        return tree_rss_mb(psutil.Process(self.process.pid))


@contextlib.contextmanager
def running(
    name: str, command: list[str], *, port: int, ready_path: str, env: dict[str, str], log: Path, timeout: float = 120
) -> Iterator[Server]:
    """Start ``command``, wait until ``ready_path`` answers 200, stop it afterwards."""
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while True:
                if process.poll() is not None:
                    tail = log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
                try:
                    if httpx.get(base + ready_path, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"{name} not ready after {timeout}s; see {log}")
                time.sleep(0.02)
            yield Server(name, base, process, time.perf_counter() - started)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
