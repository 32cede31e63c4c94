"""Configuration: every environment variable the project reads, with its default.

One frozen dataclass per concern, built from the environment by ``from_env`` when a
command or the app starts. Tests and embedders build them directly instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from stance.errors import ConfigError

DEFAULT_MODEL_NAME = "stance-framing"
DEFAULT_MAX_CHARS = 20_000
DEFAULT_MAX_BATCH = 256
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_RELOAD_INTERVAL = 5.0
DEFAULT_TRACKING_URI = "sqlite:///.mlflow/mlflow.db"
#: Rows per chunk (local engine) or Arrow batch (Spark) for `stance score`.
DEFAULT_SCORE_BATCH_SIZE = 2_000


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class TextLimits:
    """The limits on one passage, shared by training validation, scoring and the API."""

    max_chars: int = DEFAULT_MAX_CHARS
    """``STANCE_MAX_CHARS``: longest passage accepted, in characters (default 20,000)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TextLimits:
        return cls(max_chars=_int(env, "STANCE_MAX_CHARS", DEFAULT_MAX_CHARS, minimum=1))


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where versioned model bundles live."""

    models_dir: Path = Path("models")
    """``STANCE_MODELS_DIR``: root of the model store (default ``models`` in the working
    directory, which is the repository's own store when run from a clone)."""

    model_name: str = DEFAULT_MODEL_NAME
    """``STANCE_MODEL_NAME``: the model family to train, serve and promote."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> StoreSettings:
        name = env.get("STANCE_MODEL_NAME", "").strip() or DEFAULT_MODEL_NAME
        return cls(
            models_dir=Path(env.get("STANCE_MODELS_DIR", "").strip() or "models"),
            model_name=name,
        )


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    """Where MLflow records runs and registered versions."""

    tracking_uri: str = DEFAULT_TRACKING_URI
    """``MLFLOW_TRACKING_URI``: default is an embedded SQLite store in the git-ignored
    ``.mlflow/`` folder of the working directory; point it at a team's server to share."""

    artifact_root: Path = Path(".mlflow/artifacts")
    """``STANCE_MLFLOW_ARTIFACTS``: artifact folder for experiments this project creates
    on a local store (default ``.mlflow/artifacts``)."""

    experiment: str = "stance"
    """``MLFLOW_EXPERIMENT_NAME``: experiment that training runs are logged to."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> TrackingSettings:
        return cls(
            tracking_uri=env.get("MLFLOW_TRACKING_URI", "").strip() or DEFAULT_TRACKING_URI,
            artifact_root=Path(env.get("STANCE_MLFLOW_ARTIFACTS", "").strip() or ".mlflow/artifacts"),
            experiment=env.get("MLFLOW_EXPERIMENT_NAME", "").strip() or "stance",
        )


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """The HTTP service's knobs."""

    store: StoreSettings = field(default_factory=StoreSettings)
    limits: TextLimits = field(default_factory=TextLimits)

    model_version: int | None = None
    """``STANCE_MODEL_VERSION``: serve this version instead of the champion (default: the
    champion)."""

    max_batch: int = DEFAULT_MAX_BATCH
    """``STANCE_MAX_BATCH``: most passages in one batch request (default 256)."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """``STANCE_MAX_BODY_BYTES``: largest request body accepted (default 2 MiB)."""

    admin_token: str | None = None
    """``STANCE_ADMIN_TOKEN``: bearer token for admin endpoints; unset disables them."""

    reload_interval: float = DEFAULT_RELOAD_INTERVAL
    """``STANCE_RELOAD_INTERVAL``: seconds between checks of the champion pointer
    (default 5; 0 turns following the champion off)."""

    log_level: str = "INFO"
    """``STANCE_LOG_LEVEL``: Python logging level name (default INFO)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ServiceSettings:
        raw_version = env.get("STANCE_MODEL_VERSION", "").strip()
        version = None
        if raw_version and raw_version != "champion":
            version = _int(env, "STANCE_MODEL_VERSION", 0, minimum=1)
        token = env.get("STANCE_ADMIN_TOKEN") or None
        return cls(
            store=StoreSettings.from_env(env),
            limits=TextLimits.from_env(env),
            model_version=version,
            max_batch=_int(env, "STANCE_MAX_BATCH", DEFAULT_MAX_BATCH, minimum=1),
            max_body_bytes=_int(env, "STANCE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, minimum=1024),
            admin_token=token,
            reload_interval=_float(env, "STANCE_RELOAD_INTERVAL", DEFAULT_RELOAD_INTERVAL),
            log_level=(env.get("STANCE_LOG_LEVEL", "").strip() or "INFO").upper(),
        )
