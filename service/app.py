"""The Litestar app factory: wiring, lifespan and OpenAPI in one place."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from service.controllers import (
    ClassifyController,
    HealthController,
    ModelsController,
    metrics_endpoint,
)
from service.errors import handle_exception
from service.metrics import ServiceMetrics
from service.middleware import RequestTelemetry
from service.model_state import ModelManager
from stance.config import ServiceSettings
from stance.labels import LABEL_DEFINITIONS

log = logging.getLogger("service")

API_DESCRIPTION = (
    "Scores passages of diplomatic text by the stance they take toward other states.\n\n"
    + "\n".join(f"- `{label}`: {text}." for label, text in LABEL_DEFINITIONS.items())
    + "\n\nErrors are `application/problem+json` (RFC 9457)."
)


@contextlib.asynccontextmanager
async def model_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Load the model before serving; follow the champion pointer while running."""
    models: ModelManager = app.state.models
    await models.start()
    watcher = None
    if models.settings.reload_interval > 0:
        watcher = asyncio.create_task(models.follow_champion(), name="follow-champion")
    try:
        yield
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    """Build the service for ``settings`` (default: read from the environment)."""
    settings = settings or ServiceSettings.from_env()
    metrics = ServiceMetrics()
    models = ModelManager(settings, metrics)
    state = State({"settings": settings, "metrics": metrics, "models": models})

    def _provide(key: str) -> Provide:
        def dependency(state: State) -> Any:
            return state[key]

        return Provide(dependency, sync_to_thread=False)

    return Litestar(
        route_handlers=[ClassifyController, ModelsController, HealthController, metrics_endpoint],
        state=state,
        # Handlers ask for one dependency where they can: Litestar resolves several at
        # once in a task group, which costs more than scoring a short passage.
        dependencies={
            "settings": _provide("settings"),
            "metrics": _provide("metrics"),
            "models": _provide("models"),
        },
        lifespan=[model_lifespan],
        middleware=[RequestTelemetry(metrics)],
        exception_handlers={Exception: handle_exception},
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="stance",
            version="1",
            description=API_DESCRIPTION,
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        on_app_init=[_quiet_litestar_logging],
        debug=False,
    )


def _quiet_litestar_logging(config: AppConfig) -> AppConfig:
    """Our own handler logs unexpected errors once; Litestar need not log them again."""
    config.logging_config = None
    return config
