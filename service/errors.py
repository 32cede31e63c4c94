"""The one mapping from exceptions to RFC 9457 ``application/problem+json`` responses.

Malformed JSON is 400, a body of the wrong content type 415, a schema or text problem 422,
a body over the size limit 413; project errors map by type; anything unexpected is
logged with its traceback and answered as a bare 500 problem, never a traceback.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from stance.errors import BundleError, InvalidText, StanceError, VersionNotFound

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://stance.invalid/problems/"
log = logging.getLogger("service")


class ProblemError(HTTPException):
    """An HTTP error raised by this service with a problem type slug."""

    def __init__(self, status: int, detail: str, *, slug: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.slug = slug


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    slug: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_STANCE_STATUS: list[tuple[type[StanceError], int, str]] = [
    (InvalidText, 422, "invalid-text"),
    (VersionNotFound, 404, "version-not-found"),
    (BundleError, 409, "bundle-rejected"),
]


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    return [
        {
            "field": str(e.get("key", "")),
            "message": str(e.get("message", "")),
            "source": str(e.get("source", "")),
        }
        for e in extra
        if isinstance(e, dict)
    ]


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Map any exception to a problem response (registered for ``Exception``)."""
    if isinstance(exc, ProblemError):
        return problem(request, exc.status_code, exc.detail, slug=exc.slug, headers=exc.headers)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or exc.detail
        return problem(request, 422, detail, slug="validation", errors=errors)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status == 400:
            return problem(request, 400, f"request body is not valid JSON: {exc.detail}", slug="malformed-json")
        if status == 413:
            return problem(request, 413, "request body exceeds STANCE_MAX_BODY_BYTES", slug="body-too-large")
        slug = HTTPStatus(status).phrase.lower().replace(" ", "-")
        return problem(request, status, str(exc.detail), slug=slug, headers=exc.headers)
    if isinstance(exc, RecursionError):  # msgspec's answer to absurdly nested JSON
        return problem(request, 400, "request body is nested too deeply to decode", slug="malformed-json")
    if isinstance(exc, StanceError):
        for kind, status, slug in _STANCE_STATUS:
            if isinstance(exc, kind):
                return problem(request, status, str(exc), slug=slug)
        log.error("unhandled project error: %s", exc)
        return problem(request, 500, "internal error", slug="internal")
    log.exception("unexpected error", exc_info=exc)
    return problem(request, 500, "internal error; see the server log", slug="internal")
