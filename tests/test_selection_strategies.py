"""Selection strategies keep their contract and do what their names promise."""

import numpy as np
import pytest

from kwstiny.data.selection import strategies
from kwstiny.data.selection.strategies import STRATEGIES, near_duplicate_mask
from kwstiny.errors import KwstinyError


def blobs(n_per_class=(300, 500), dim=16, modes=4, spread=0.3, seed=0):
    """Two classes (0 = non-target, 1 = keyword), each a few tight, well-separated modes."""
    rng = np.random.default_rng(seed)
    vectors, labels, mode_of = [], [], []
    for label, n in enumerate(n_per_class):
        centres = rng.normal(size=(modes, dim)) * 10
        which = rng.integers(0, modes, n)
        vectors.append(centres[which] + rng.normal(size=(n, dim)) * spread)
        labels.append(np.full(n, label))
        mode_of.append(which + label * modes)
    return (np.concatenate(vectors).astype(np.float32), np.concatenate(labels),
            np.concatenate(mode_of))


@pytest.mark.parametrize("name", list(STRATEGIES))
@pytest.mark.parametrize("budget", [1, 2, 7, 50, 800, 5000])
def test_budget_respected_and_indices_valid(name, budget):
    vectors, labels, _ = blobs()
    chosen = strategies.select(name, vectors, labels, budget, seed=3)
    assert len(chosen) == min(budget, len(labels))
    assert len(np.unique(chosen)) == len(chosen)
    assert np.all(np.diff(chosen) > 0), "indices come back sorted"
    assert chosen.min() >= 0 and chosen.max() < len(labels)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_same_seed_same_selection_other_seed_differs(name):
    vectors, labels, _ = blobs()
    a = strategies.select(name, vectors, labels, 40, seed=11)
    b = strategies.select(name, vectors, labels, 40, seed=11)
    np.testing.assert_array_equal(a, b)
    others = [strategies.select(name, vectors, labels, 40, seed=s) for s in (12, 13, 14)]
    assert any(not np.array_equal(a, o) for o in others), "the seed must matter"


@pytest.mark.parametrize("name", [n for n in STRATEGIES if n != "random"])
def test_budget_shared_evenly_between_classes(name):
    vectors, labels, _ = blobs(n_per_class=(300, 500))
    chosen = strategies.select(name, vectors, labels, 41, seed=0)
    counts = np.bincount(labels[chosen], minlength=2)
    assert abs(counts[0] - counts[1]) <= 1 and counts.sum() == 41


def test_small_class_is_taken_whole_and_gives_its_share_away():
    vectors, labels, _ = blobs(n_per_class=(300, 6))
    chosen = strategies.select("class_balanced", vectors, labels, 50, seed=0)
    counts = np.bincount(labels[chosen], minlength=2)
    assert counts.tolist() == [44, 6]


def test_random_follows_the_pool_proportions():
    vectors, labels, _ = blobs(n_per_class=(900, 100))
    shares = [labels[strategies.select("random", vectors, labels, 200, seed=s)].mean()
              for s in range(20)]
    assert 0.07 < np.mean(shares) < 0.13


def test_k_center_covers_every_mode_and_keeps_the_radius_within_twice_optimal():
    vectors, labels, modes = blobs(modes=5, spread=0.2)
    chosen = strategies.select("k_center", vectors, labels, 10, seed=4)
    # One pick in each of the 10 planted modes (5 per class).
    assert sorted(modes[chosen].tolist()) == list(range(10))
    # Coverage: every sample lies within 2x the optimal radius of a pick of its class. The
    # planted modes bound the optimum: the sample nearest each mode's mean is a centre
    # whose radius no 5-centre solution beats by more than that.
    space = strategies._standardize(vectors)
    for cls in (0, 1):
        members = np.flatnonzero(labels == cls)
        picks = chosen[labels[chosen] == cls]
        radius = _covering_radius(space[members], space[picks])
        planted = []
        for m in np.unique(modes[members]):
            group = space[modes == m]
            centre = group[np.argmin(np.linalg.norm(group - group.mean(0), axis=1))]
            planted.append(centre)
        bound = _covering_radius(space[members], np.array(planted))
        assert radius <= 2 * bound
    # ...and it covers better than random picks of the same size do.
    random_radius = np.mean([
        _covering_radius(space, space[strategies.select("class_balanced", vectors, labels,
                                                          10, seed=s)]) for s in range(5)])
    assert _covering_radius(space, space[chosen]) < random_radius


def _covering_radius(points, centres):
    dist = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
    return dist.min(axis=1).max()


def test_cluster_sample_takes_one_typical_sample_per_mode():
    vectors, labels, modes = blobs(modes=3, spread=0.2)
    for seed in range(3):
        chosen = strategies.select("cluster_sample", vectors, labels, 6, seed=seed)
        assert sorted(modes[chosen].tolist()) == list(range(6))
    # Typical: each pick sits near its mode's mean, well inside the mode.
    for index in chosen:
        group = vectors[modes == modes[index]]
        spread = np.linalg.norm(group - group.mean(0), axis=1)
        assert np.linalg.norm(vectors[index] - group.mean(0)) <= np.median(spread)


def planted_duplicates(seed=0):
    """Per class: 40 distinct samples, and 3 near-copies of each of the first 15."""
    rng = np.random.default_rng(seed)
    vectors, labels, group = [], [], []
    for label in (0, 1):
        base = rng.normal(size=(40, 24)) + label * 0.5
        copies = np.repeat(base[:15], 3, axis=0) + rng.normal(size=(45, 24)) * 1e-3
        vectors += [base, copies]
        labels += [np.full(85, label)]
        group += [np.arange(40) + 100 * label, np.repeat(np.arange(15), 3) + 100 * label]
    return (np.concatenate(vectors).astype(np.float32), np.concatenate(labels),
            np.concatenate(group))


def test_dedup_removes_the_planted_duplicates():
    vectors, labels, group = planted_duplicates()
    duplicate = near_duplicate_mask(vectors, labels, 0.95, np.random.default_rng(0))
    # Exactly one member of every group survives: 40 per class; 45 copies per class go.
    assert duplicate.sum() == 90
    survivors = group[~duplicate]
    assert len(np.unique(survivors)) == len(survivors) == 80
    # With a budget of all distinct samples, the selection is those 80, one per group.
    chosen = strategies.select("dedup", vectors, labels, 80, seed=5)
    assert len(np.unique(group[chosen])) == 80
    # Random picks of the same size do take duplicates.
    plain = strategies.select("class_balanced", vectors, labels, 80, seed=5)
    assert len(np.unique(group[plain])) < 80


def test_dedup_finds_duplicates_across_comparison_blocks(monkeypatch):
    vectors, labels, group = planted_duplicates()
    monkeypatch.setattr(strategies, "_BLOCK", 7)
    duplicate = near_duplicate_mask(vectors, labels, 0.95, np.random.default_rng(2))
    assert duplicate.sum() == 90 and len(np.unique(group[~duplicate])) == 80


def test_dedup_fills_the_budget_with_duplicates_last():
    vectors, labels, group = planted_duplicates()
    chosen = strategies.select("dedup", vectors, labels, 100, seed=1)
    assert len(chosen) == 100
    assert len(np.unique(group[chosen])) == 80  # all distinct ones, then 20 copies


def test_dedup_threshold_must_be_a_similarity():
    vectors, labels, _ = planted_duplicates()
    with pytest.raises(KwstinyError, match="threshold"):
        strategies.select("dedup", vectors, labels, 10, threshold=1.5)


def near_negatives(seed=0):
    """Keywords around the origin; most non-targets far away, 12 planted right beside."""
    rng = np.random.default_rng(seed)
    keywords = rng.normal(size=(200, 8))
    far = rng.normal(size=(400, 8)) + 12.0
    near = rng.normal(size=(12, 8)) * 0.5 + 1.5
    vectors = np.concatenate([keywords, far, near]).astype(np.float32)
    labels = np.concatenate([np.ones(200, int), np.zeros(412, int)])
    return vectors, labels, np.arange(600, 612)


def test_hardest_negatives_picks_the_planted_near_negatives():
    vectors, labels, planted = near_negatives()
    chosen = strategies.select("hardest_negatives", vectors, labels, 48, seed=0)
    assert set(planted) <= set(chosen.tolist())
    counts = np.bincount(labels[chosen], minlength=2)
    assert counts.tolist() == [24, 24]
    # All hard, budget tight: the non-target half is exactly the planted ones.
    chosen = strategies.select("hardest_negatives", vectors, labels, 24, seed=0,
                               hard_fraction=1.0)
    assert sorted(chosen[labels[chosen] == 0].tolist()) == planted.tolist()
    # A random draw of the same size finds few of them.
    plain = strategies.select("class_balanced", vectors, labels, 48, seed=0)
    assert len(set(planted) & set(plain.tolist())) < 6


def test_hardest_negatives_needs_both_kinds():
    vectors, labels, _ = near_negatives()
    with pytest.raises(KwstinyError, match="non-target"):
        strategies.select("hardest_negatives", vectors[:200], labels[:200], 10)


def test_bad_budget_and_unknown_strategy_are_clear_errors():
    vectors, labels, _ = blobs()
    with pytest.raises(KwstinyError, match="budget 0"):
        strategies.select("random", vectors, labels, 0)
    with pytest.raises(KwstinyError, match="unknown selection strategy 'kcenter'.*k_center"):
        strategies.select("kcenter", vectors, labels, 10)
