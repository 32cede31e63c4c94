"""Per-request bookkeeping: a request id, Prometheus metrics and one access-log line."""

from __future__ import annotations

import logging
import time
import uuid
from contextvars import ContextVar
from typing import Any

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics import ServiceMetrics

REQUEST_ID_HEADER = "x-request-id"
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
access_log = logging.getLogger("service.access")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record made while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _clean_request_id(raw: str | None) -> str:
    if raw and len(raw) <= 64 and raw.isascii() and raw.replace("-", "").isalnum():
        return raw
    return uuid.uuid4().hex


class RequestTelemetry(ASGIMiddleware):
    """Times each request, counts it by route template and status, tags it with an id."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = dict(scope.get("headers", []))
        request_id = _clean_request_id(headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1"))
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await next_app(scope, receive, send_wrapper)
        except HTTPException as exc:
            status = exc.status_code
            raise
        except Exception:
            status = 500
            raise
        finally:
            elapsed = time.perf_counter() - started
            route: Any = scope.get("path_template") or "unmatched"
            method = scope.get("method", "-")
            self.metrics.requests.labels(route=route, method=method, status=str(status)).inc()
            self.metrics.latency.labels(route=route, method=method, status=str(status)).observe(elapsed)
            access_log.info("%s %s %s %.2fms", method, scope.get("path", ""), status, elapsed * 1000)
            request_id_var.reset(token)
