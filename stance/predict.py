"""The one predictor object the CLI, the service and batch scoring call.

It checks each passage against the text limits and scores it with the bundle's fast
scorer, so every surface labels a passage the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stance.bundle import Bundle
from stance.config import TextLimits
from stance.errors import InvalidText
from stance.labels import LABELS
from stance.scoring import Contribution, FloatArray


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    scores: dict[str, float]
    explanation: list[Contribution] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "scores": self.scores}
        if self.explanation:
            body["explanation"] = [{"term": c.term, "kind": c.kind, "weight": c.weight} for c in self.explanation]
        return body


def check_text(text: object, limits: TextLimits) -> str:
    """Return ``text`` if it can be scored, else raise :class:`InvalidText` saying why."""
    if not isinstance(text, str):
        raise InvalidText(f"text must be a string, not {type(text).__name__}")
    if not text.strip():
        raise InvalidText("text is empty or whitespace only")
    if len(text) > limits.max_chars:
        raise InvalidText(f"text has {len(text)} characters; the limit is {limits.max_chars} (STANCE_MAX_CHARS)")
    return text


class Predictor:
    """Scores passages with one loaded bundle."""

    def __init__(self, bundle: Bundle, limits: TextLimits) -> None:
        self.bundle = bundle
        self.limits = limits
        self.labels: tuple[str, ...] = bundle.scorer.classes_
        # Scores are reported in the codebook's label order, whatever the model's order.
        self._order = [self.labels.index(label) for label in LABELS]

    @property
    def name(self) -> str:
        return self.bundle.name

    @property
    def version(self) -> int:
        return self.bundle.version

    def _prediction(self, proba: FloatArray, contributions: list[Contribution]) -> Prediction:
        scores = dict(zip(LABELS, proba[self._order].tolist(), strict=True))
        label = self.labels[self.bundle.scorer.decide(proba)]
        return Prediction(label=label, scores=scores, explanation=contributions)

    def classify(self, text: str, *, explain: int = 0) -> Prediction:
        """Label, the four scores (summing to 1) and up to ``explain`` top n-grams."""
        proba, contributions = self.bundle.scorer.score(check_text(text, self.limits), explain=explain)
        return self._prediction(proba, contributions)

    def classify_many(self, texts: Sequence[str], *, explain: int = 0) -> list[Prediction]:
        """:meth:`classify` for each text, in order; any invalid text raises first."""
        for i, text in enumerate(texts):
            try:
                check_text(text, self.limits)
            except InvalidText as exc:
                raise InvalidText(f"texts[{i}]: {exc}") from None
        if explain > 0:
            return [self.classify(t, explain=explain) for t in texts]
        return [self._prediction(row, []) for row in self.bundle.scorer.predict_proba(texts)]
