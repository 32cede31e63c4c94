"""Request and response bodies: one msgspec Struct per shape, documented in OpenAPI."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Text = Annotated[str, Meta(description="A passage of diplomatic text, 1 to about 6 sentences.")]


class ClassifyRequest(msgspec.Struct, forbid_unknown_fields=True):
    """One passage to score."""

    text: Text
    explain: bool = False


class BatchRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Passages to score together, answered in input order."""

    texts: list[Text]
    explain: bool = False


class ExplanationTerm(msgspec.Struct):
    """An n-gram and how far it moved the passage toward the predicted label (logit units)."""

    term: str
    kind: Annotated[str, Meta(description="'word' for word n-grams, 'char' for character n-grams")]
    weight: float


class ModelRef(msgspec.Struct):
    name: str
    version: int


class ScoredPassage(msgspec.Struct, omit_defaults=True):
    label: Annotated[str, Meta(description="conciliatory, defensive, bloc_rejecting or neutral")]
    scores: Annotated[dict[str, float], Meta(description="probability of each label; sums to 1")]
    explanation: list[ExplanationTerm] | None = None


class ClassifyResponse(msgspec.Struct, omit_defaults=True):
    label: str
    scores: dict[str, float]
    model: ModelRef
    explanation: list[ExplanationTerm] | None = None


class BatchResponse(msgspec.Struct):
    results: list[ScoredPassage]
    model: ModelRef


class VersionInfo(msgspec.Struct):
    version: int
    created: str
    metrics: dict[str, float]


class ModelsResponse(msgspec.Struct):
    name: str
    champion: int | None
    active: int | None
    pinned: bool
    versions: list[VersionInfo]


class ActivateRequest(msgspec.Struct, forbid_unknown_fields=True):
    version: Annotated[int, Meta(ge=1)]


class Liveness(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    model: ModelRef | None = None
