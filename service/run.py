"""``stance serve``: check that a model can be served, then run uvicorn."""

from __future__ import annotations

import logging.config
from typing import Any

from stance.bundle import verify_bundle
from stance.config import ServiceSettings
from stance.store import ModelStore

GRACEFUL_SHUTDOWN_SECONDS = 30


def logging_config(level: str) -> dict[str, Any]:
    """Plain-text logs on stderr; every line made during a request carries its id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "service.middleware.RequestIdFilter"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            "service": {"level": level, "handlers": ["stderr"], "propagate": False},
            "uvicorn": {"level": level, "handlers": ["stderr"], "propagate": False},
            "uvicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    }


def run_server(*, host: str, port: int, workers: int) -> None:
    """Serve the champion (or ``STANCE_MODEL_VERSION``) until SIGINT/SIGTERM.

    Fails at once, before binding the port, when there is no model to serve or its
    bundle does not verify. Shutdown stops accepting connections and lets requests in
    flight finish (up to 30 s).
    """
    import uvicorn

    settings = ServiceSettings.from_env()
    store = ModelStore(settings.store.models_dir, settings.store.model_name)
    version = store.resolve(settings.model_version or "champion")
    manifest = verify_bundle(store.path(version))
    config = logging_config(settings.log_level)
    logging.config.dictConfig(config)
    logging.getLogger("service").info(
        "starting on http://%s:%s with %s v%s (%s workers)",
        host,
        port,
        manifest.name,
        version,
        workers,
    )
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=config,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
