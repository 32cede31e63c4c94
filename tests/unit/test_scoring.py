"""The fast scorer equals scikit-learn's predict_proba, and explanations add up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stance.errors import IncompatibleBundle
from stance.scoring import LinearTfidfScorer
from stance.store import ModelStore
from training.pipeline import build_pipeline


def test_matches_predict_proba_over_thousands_of_passages(trained_store: ModelStore, passages: list[str]) -> None:
    bundle = trained_store.load("champion", pipeline=True)
    expected = bundle.pipeline.predict_proba(passages)
    actual = bundle.scorer.predict_proba(passages)
    assert len(passages) > 1000
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() <= 1e-9
    assert bundle.scorer.classes_ == tuple(bundle.pipeline.classes_)


def test_one_at_a_time_matches_too(trained_store: ModelStore, passages: list[str]) -> None:
    bundle = trained_store.load("champion", pipeline=True)
    for text in passages[:50] + passages[-16:]:
        single = bundle.scorer.predict_proba([text])
        assert np.abs(single - bundle.pipeline.predict_proba([text])).max() <= 1e-9


def test_word_cache_does_not_change_results(trained_store: ModelStore, passages: list[str]) -> None:
    scorer = trained_store.load("champion").scorer
    first = scorer.predict_proba(passages[:200])
    second = scorer.predict_proba(passages[:200])
    assert np.array_equal(first, second)


def test_explanation_sums_to_logit_margin(trained_store: ModelStore, passages: list[str]) -> None:
    bundle = trained_store.load("champion", pipeline=True)
    clf = bundle.pipeline.named_steps["clf"]
    features = bundle.pipeline.named_steps["features"].transform(passages[:20])
    for row, text in enumerate(passages[:20]):
        proba, terms = bundle.scorer.score(text, explain=10_000_000)
        c = bundle.scorer.decide(proba)  # the explained label, tie-break included
        x = features[row].toarray().ravel()
        contrib = x * (clf.coef_[c] - np.delete(clf.coef_, c, axis=0).mean(axis=0))
        positive = np.sort(contrib[contrib > 0])[::-1]
        assert [t.weight for t in terms] == pytest.approx(positive.tolist(), abs=1e-12)


def test_top_terms_are_sorted_and_bounded(trained_store: ModelStore) -> None:
    scorer = trained_store.load("champion").scorer
    _, terms = scorer.score("We reject bloc politics and the Cold War mentality of camps.", explain=10)
    assert 0 < len(terms) <= 10
    weights = [t.weight for t in terms]
    assert weights == sorted(weights, reverse=True)
    assert all(t.kind in ("word", "char") and t.term for t in terms)


def test_saved_scorer_round_trips(trained_store: ModelStore, passages: list[str], tmp_path: Path) -> None:
    bundle = trained_store.load("champion", pipeline=True)
    rebuilt = LinearTfidfScorer.from_pipeline(bundle.pipeline)
    rebuilt.save(tmp_path / "scorer.npz")
    loaded = LinearTfidfScorer.from_bytes((tmp_path / "scorer.npz").read_bytes())
    assert np.array_equal(loaded.predict_proba(passages[:300]), bundle.scorer.predict_proba(passages[:300]))


def test_unreadable_archive_is_refused() -> None:
    with pytest.raises(IncompatibleBundle, match="unreadable scorer archive"):
        LinearTfidfScorer.from_bytes(b"PK\x03\x04 not really a zip")


def test_refuses_unsupported_pipelines() -> None:
    texts = ["talks and trust", "we reject threats", "no blocs or camps", "the session ended"] * 3
    labels = ["conciliatory", "defensive", "bloc_rejecting", "neutral"] * 3
    pipeline = build_pipeline(features__char__analyzer="char", features__word__min_df=1, features__char__min_df=1).fit(
        texts, labels
    )
    with pytest.raises(IncompatibleBundle, match=r"analyzer in \('word', 'char_wb'\), not 'char'"):
        LinearTfidfScorer.from_pipeline(pipeline)


def test_tie_break_prefers_the_more_specific_close_runner_up() -> None:
    from stance.labels import decide

    classes = ("bloc_rejecting", "conciliatory", "defensive", "neutral")
    assert decide([0.35, 0.55, 0.05, 0.05], classes, 0.6) == 0  # 0.35 >= 0.6 * 0.55: bloc_rejecting
    assert decide([0.30, 0.60, 0.05, 0.05], classes, 0.6) == 1  # too far behind: conciliatory
    assert decide([0.05, 0.50, 0.05, 0.40], classes, 0.6) == 1  # neutral is less specific
    assert decide([0.35, 0.55, 0.05, 0.05], classes, 1.0) == 1  # ratio 1 is argmax


def test_predictions_follow_the_tie_break(trained_store: ModelStore, passages: list[str]) -> None:
    from stance.labels import decide

    scorer = trained_store.load("champion").scorer
    proba = scorer.predict_proba(passages[:500])
    expected = [scorer.classes_[decide(row.tolist(), scorer.classes_, scorer.tie_ratio)] for row in proba]
    assert scorer.predict(passages[:500]) == expected
    assert scorer.tie_ratio == 0.6
