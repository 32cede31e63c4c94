"""HTTP handlers: thin wrappers that validate, call the predictor, and shape the answer."""

from __future__ import annotations

import hmac
from collections import Counter
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.errors import ProblemError
from service.metrics import ServiceMetrics
from service.model_state import ModelManager
from service.schemas import (
    ActivateRequest,
    BatchRequest,
    BatchResponse,
    ClassifyRequest,
    ClassifyResponse,
    ExplanationTerm,
    Liveness,
    ModelRef,
    ModelsResponse,
    Readiness,
    ScoredPassage,
    VersionInfo,
)
from stance.config import ServiceSettings
from stance.errors import InvalidText
from stance.predict import Prediction, Predictor

EXPLAIN_TERMS = 10


async def require_json(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: bodies must be JSON (415 otherwise)."""
    media_type = request.content_type[0]
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ProblemError(
            415,
            f"send the body as application/json, not {media_type or 'no content type'}",
            slug="unsupported-media-type",
        )


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard: a bearer token equal to STANCE_ADMIN_TOKEN, compared in constant time."""
    settings: ServiceSettings = connection.app.state.settings
    if not settings.admin_token:
        raise ProblemError(
            403,
            "admin endpoints are disabled: set STANCE_ADMIN_TOKEN on the server to enable them",
            slug="admin-disabled",
        )
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    expected = settings.admin_token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise ProblemError(
            401,
            "a valid 'Authorization: Bearer <token>' header is required",
            slug="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="stance-admin"'},
        )


def _active(models: ModelManager) -> Predictor:
    predictor = models.active
    if predictor is None:
        raise ProblemError(503, "no model is loaded yet; see /health/ready", slug="not-ready")
    return predictor


def _terms(prediction: Prediction, explain: bool) -> list[ExplanationTerm] | None:
    if not explain:
        return None
    return [ExplanationTerm(term=c.term, kind=c.kind, weight=c.weight) for c in prediction.explanation]


def _models_response(models: ModelManager) -> ModelsResponse:
    store = models.store
    versions = []
    for v in store.versions():
        manifest = store.manifest(v)
        scalars = {k: float(x) for k, x in manifest.metrics.items() if isinstance(x, int | float)}
        versions.append(VersionInfo(version=v, created=manifest.created, metrics=scalars))
    active = models.active
    return ModelsResponse(
        name=store.name,
        champion=store.champion(),
        active=active.version if active else None,
        pinned=models.pinned,
        versions=versions,
    )


class ClassifyController(Controller):
    path = "/v1/classify"
    tags = ["classify"]

    @post("/", operation_id="classify", status_code=200, sync_to_thread=False, before_request=require_json)
    def classify(self, data: ClassifyRequest, models: ModelManager) -> ClassifyResponse:
        """Label one passage; with ``explain`` also the n-grams that drove the label."""
        predictor = _active(models)
        result = predictor.classify(data.text, explain=EXPLAIN_TERMS if data.explain else 0)
        models.metrics.predictions.labels(label=result.label).inc()
        return ClassifyResponse(
            label=result.label,
            scores=result.scores,
            model=ModelRef(name=predictor.name, version=predictor.version),
            explanation=_terms(result, data.explain),
        )

    @post(
        "/batch",
        operation_id="classifyBatch",
        status_code=200,
        sync_to_thread=True,
        before_request=require_json,
    )
    def classify_batch(
        self,
        data: BatchRequest,
        models: ModelManager,
    ) -> BatchResponse:
        """Label up to STANCE_MAX_BATCH passages, answered in input order."""
        limit = models.settings.max_batch
        if len(data.texts) > limit:
            raise InvalidText(f"batch has {len(data.texts)} texts; the limit is {limit} (STANCE_MAX_BATCH)")
        predictor = _active(models)
        results = predictor.classify_many(data.texts, explain=EXPLAIN_TERMS if data.explain else 0)
        for label, count in Counter(r.label for r in results).items():
            models.metrics.predictions.labels(label=label).inc(count)
        return BatchResponse(
            results=[
                ScoredPassage(label=r.label, scores=r.scores, explanation=_terms(r, data.explain)) for r in results
            ],
            model=ModelRef(name=predictor.name, version=predictor.version),
        )


class ModelsController(Controller):
    path = "/v1/models"
    tags = ["models"]

    @get("/", operation_id="listModels", sync_to_thread=True)
    def list_models(self, models: ModelManager) -> ModelsResponse:
        """Stored versions with their held-out metrics, the champion and the active one."""
        return _models_response(models)

    @put("/active", operation_id="activateModel", guards=[require_admin], before_request=require_json)
    async def activate(self, data: ActivateRequest, models: ModelManager) -> ModelsResponse:
        """Admin: verify a version and swap it in atomically; pinned until the champion changes."""
        await models.pin(data.version)
        return _models_response(models)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="live", sync_to_thread=False)
    def live(self) -> Liveness:
        """200 while the process runs."""
        return Liveness(status="ok")

    @get("/ready", operation_id="ready", sync_to_thread=False)
    def ready(self, models: ModelManager) -> Response[Readiness]:
        """200 with the active model once one is loaded, 503 before."""
        predictor = models.active
        if predictor is None:
            return Response(Readiness(status="loading"), status_code=503)
        return Response(Readiness(status="ready", model=ModelRef(name=predictor.name, version=predictor.version)))


@get(
    "/metrics",
    operation_id="metrics",
    tags=["health"],
    sync_to_thread=False,
    include_in_schema=True,
)
def metrics_endpoint(metrics: ServiceMetrics) -> Response[bytes]:
    """Prometheus text exposition."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
