"""The ``stance`` console command, run as a user runs it: a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stance.config import TrackingSettings
from stance.labels import LABELS
from stance.store import ModelStore
from tests.conftest import MODEL_NAME, sample_corpus

STANCE = [sys.executable, "-c", "from stance.cli import main; main()"]


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*STANCE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli_env(store_copy: ModelStore, tracking_settings: TrackingSettings, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        STANCE_MODELS_DIR=str(store_copy.root),
        MLFLOW_TRACKING_URI=tracking_settings.tracking_uri,
        STANCE_MLFLOW_ARTIFACTS=str(tracking_settings.artifact_root),
        MLFLOW_EXPERIMENT_NAME=tracking_settings.experiment,
        COLUMNS="200",
    )
    return env


def assert_user_error(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Error:" in result.stderr
    assert pattern in " ".join(result.stderr.split())


def test_classify_json(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run(
        ["classify", "--json", "--explain", "We reject the logic of military blocs."],
        cli_env,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["label"] in LABELS
    assert set(body["scores"]) == set(LABELS)
    assert sum(body["scores"].values()) == pytest.approx(1.0)
    assert body["explanation"]


def test_classify_refuses_empty_text(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert_user_error(run(["classify", "   "], cli_env, tmp_path), "text is empty or whitespace only")


def test_models_marks_the_champion(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run(["models"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "small.csv" in line]
    assert len(rows) == 2
    assert "★" in rows[0] and "★" not in rows[1]


def test_evaluate_writes_json(cli_env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "eval.jsonl"
    sample_corpus(8, seed=42)[["text", "label"]].to_json(data, orient="records", lines=True)
    out = tmp_path / "metrics.json"
    result = run(["evaluate", "champion", "--data", str(data), "--json", str(out)], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())
    assert metrics["model"] == {"name": MODEL_NAME, "version": 1}
    assert metrics["n"] == 32
    assert f"macro-F1 {metrics['macro_f1']:.4f}" in result.stdout


def test_train_publishes_and_promotes(cli_env: dict[str, str], tmp_path: Path, small_corpus: Path) -> None:
    result = run(["train", "--data", str(small_corpus), "--cv-folds", "3", "--promote"], cli_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stance-framing v3" in result.stdout and "(champion)" in result.stdout
    store = ModelStore(Path(cli_env["STANCE_MODELS_DIR"]), MODEL_NAME)
    assert store.champion() == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,stance\na,neutral\n", "missing column(s) label"),
        ("text,label\nhello,neutral\n  ,defensive\n", "empty or whitespace-only text in row(s) 2"),
        ("text,label\nhello,friendly\n", "label 'friendly' in row 1 is not one of"),
        ("text,label\nhello,neutral\nhello,defensive\n", "the same text has different labels"),
        ("text,label\nhello,neutral\nbye,defensive\n", "too few examples to cross-validate"),
    ],
)
def test_train_rejects_bad_data_with_exit_2(
    cli_env: dict[str, str], tmp_path: Path, content: str, message: str
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(content)
    assert_user_error(run(["train", "--data", str(data)], cli_env, tmp_path), message)
    assert ModelStore(Path(cli_env["STANCE_MODELS_DIR"]), MODEL_NAME).versions() == [1, 2]


def test_unknown_version_and_bad_options(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert_user_error(run(["classify", "--version", "9", "hello"], cli_env, tmp_path), "has no version 9")
    result = run(["train", "--data", "x.csv", "--test-size", "0.9"], cli_env, tmp_path)
    assert_user_error(result, "test size must be between 0.05 and 0.5")
    usage = run(["train"], cli_env, tmp_path)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr and "--data" in usage.stderr


def test_promote_refusal_exit_code(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run(["promote", "7"], cli_env, tmp_path)
    assert_user_error(result, "has no version 7")


def test_installed_console_script_runs() -> None:
    script = shutil.which("stance", path=str(Path(sys.executable).parent))
    assert script is not None, "the 'stance' console script is not installed in this environment"
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("train", "evaluate", "models", "promote", "classify", "serve"):
        assert command in result.stdout
