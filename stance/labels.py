"""The label set: the one place in the code that names the four stances.

The definitions live in the codebook (``../shared/codebook.md``); the model card and the
API docs quote :data:`LABEL_DEFINITIONS`, which paraphrases it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

Label = Literal["conciliatory", "defensive", "bloc_rejecting", "neutral"]

#: The labels in the order models, score columns and confusion matrices use.
LABELS: Final[tuple[Label, ...]] = ("conciliatory", "defensive", "bloc_rejecting", "neutral")

#: One-line definitions for the model card, CLI help and OpenAPI docs.
LABEL_DEFINITIONS: Final[dict[Label, str]] = {
    "conciliatory": (
        "reaches out: cooperation, dialogue, negotiation, mutual respect, partnership, "
        "de-escalation, readiness to compromise, goodwill toward other states"
    ),
    "defensive": (
        "pushes back: defends its own or its partners' sovereignty, security, actions or "
        "record against pressure, criticism, sanctions or interference; rejects accusations; "
        "warns others"
    ),
    "bloc_rejecting": (
        "rejects the logic of blocs and alignment itself: military blocs, Cold War mentality, "
        "spheres of influence, forced choice of sides; says a partnership targets no third "
        "party; argues for non-alignment or multipolarity instead of blocs"
    ),
    "neutral": (
        "none of the three: facts, procedure, ceremony, domestic policy, development "
        "figures or appeals with no stance toward other states"
    ),
}

#: The codebook's tie-break order, most specific first.
TIE_BREAK_ORDER: Final[tuple[Label, ...]] = (
    "bloc_rejecting",
    "defensive",
    "conciliatory",
    "neutral",
)


#: Default for "about equally present": the runner-up frame wins the tie-break when its
#: probability is at least this share of the top frame's and it is more specific.
DEFAULT_TIE_RATIO: Final[float] = 0.6


def decide(proba: Sequence[float], classes: Sequence[str], tie_ratio: float = DEFAULT_TIE_RATIO) -> int:
    """Index of the label the codebook's rules give for class probabilities ``proba``.

    The most probable frame wins, unless the runner-up is about as probable (at least
    ``tie_ratio`` times the top probability) and more specific in
    :data:`TIE_BREAK_ORDER`, as the codebook's second rule says. ``tie_ratio`` = 1
    is plain argmax.
    """
    first, second = sorted(range(len(proba)), key=lambda i: proba[i], reverse=True)[:2]
    rank = TIE_BREAK_ORDER.index
    if proba[second] >= tie_ratio * proba[first] and rank(classes[second]) < rank(classes[first]):
        return second
    return first
