"""Training-subset selection strategies.

Each strategy is a function `(vectors, labels, budget, seed, **options) -> indices`:
`vectors` (n, d) are embeddings, `labels` (n,) use DataPerf's convention (0 = non-target,
1..K = keyword classes), and the result holds at most `budget` distinct sample indices,
sorted. The same seed always gives the same selection.

All but `random` first share the budget evenly between the classes (a class smaller than
its share gives the rest to the others): with a handful of samples per class, an
unlucky draw with almost no keywords costs more than any clever choice within a class
can win back. They differ in how they choose within a class. Distances are measured
after scaling every dimension to unit variance over the pool, so a few loud units of the
embedding do not decide what "near" means.
"""

from __future__ import annotations

import warnings

import numpy as np

from kwstiny.errors import KwstinyError


def random(vectors, labels, budget, seed, **_):
    """Uniform draw from the whole pool: DataPerf's baseline."""
    _check(vectors, labels, budget)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(len(labels), size=min(budget, len(labels)), replace=False))


def class_balanced(vectors, labels, budget, seed, **_):
    """The budget split evenly between the classes, drawn at random within each."""
    _check(vectors, labels, budget)
    rng = np.random.default_rng(seed)
    picked = [rng.choice(members, size=quota, replace=False)
              for members, quota in _class_quotas(labels, budget)]
    return _sorted(picked)


def k_center(vectors, labels, budget, seed, **_):
    """Greedy k-center (coreset) within each class: each pick is the sample farthest from
    everything picked so far, so the picks cover the class with the smallest radius the
    greedy 2-approximation finds. The seed chooses each class's first pick."""
    _check(vectors, labels, budget)
    rng = np.random.default_rng(seed)
    space = _standardize(vectors)
    picked = []
    for members, quota in _class_quotas(labels, budget):
        if quota == 0:
            continue
        points = space[members]
        first = int(rng.integers(len(members)))
        chosen = [first]
        nearest = np.linalg.norm(points - points[first], axis=1)
        for _ in range(quota - 1):
            far = int(np.argmax(nearest))
            chosen.append(far)
            nearest = np.minimum(nearest, np.linalg.norm(points - points[far], axis=1))
        picked.append(members[chosen])
    return _sorted(picked)


def cluster_sample(vectors, labels, budget, seed, **_):
    """k-means within each class with one cluster per budget slot; from each cluster, the
    sample nearest its centre. Picks typical samples of every mode of the class, where
    k-center picks the outskirts."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    _check(vectors, labels, budget)
    space = _standardize(vectors)
    picked = []
    for members, quota in _class_quotas(labels, budget):
        if quota == 0:
            continue
        if quota >= len(members):
            picked.append(members)
            continue
        points = space[members]
        # One thread: k-means on a few thousand points is quick, and OpenMP workers that
        # spin-wait on a busy machine made it 30x slower.
        with threadpool_limits(1), warnings.catch_warnings():
            # Fewer distinct points than clusters: the picking below still fills the quota.
            warnings.simplefilter("ignore", ConvergenceWarning)
            km = KMeans(n_clusters=quota, n_init=1, random_state=seed).fit(points)
        # The member nearest each centre; a member can be nearest to two centres, so the
        # next nearest unused one stands in for it.
        dist = _pairwise(km.cluster_centers_, points)
        used = np.zeros(len(members), dtype=bool)
        for centre in range(quota):
            order = np.argsort(dist[centre], kind="stable")
            pick = next(i for i in order if not used[i])
            used[pick] = True
        picked.append(members[used])
    return _sorted(picked)


def dedup(vectors, labels, budget, seed, threshold: float = 0.95, **_):
    """Drop near-duplicates (cosine similarity above `threshold` to a sample already kept,
    within a class; visiting order is random by seed), then draw class-balanced at random
    from what is left. When too few remain, the dropped duplicates fill the budget last."""
    _check(vectors, labels, budget)
    if not 0.0 < threshold < 1.0:
        raise KwstinyError(f"dedup threshold {threshold} must be a cosine similarity "
                           f"between 0 and 1")
    rng = np.random.default_rng(seed)
    keep = ~near_duplicate_mask(vectors, labels, threshold, rng)
    picked = []
    for members, quota in _class_quotas(labels, budget):
        fresh = members[keep[members]]
        take = rng.choice(fresh, size=min(quota, len(fresh)), replace=False)
        if len(take) < quota:
            dupes = members[~keep[members]]
            take = np.concatenate([take, rng.choice(dupes, size=quota - len(take),
                                                    replace=False)])
        picked.append(take)
    return _sorted(picked)


def hardest_negatives(vectors, labels, budget, seed, hard_fraction: float = 0.5,
                      neighbours: int = 5, **_):
    """Keywords at random; of the non-target share, `hard_fraction` goes to the
    non-targets closest to the keyword class (mean distance to their `neighbours` nearest
    keyword samples), the rest is drawn at random from the other non-targets so the
    classifier still sees what ordinary non-targets look like."""
    _check(vectors, labels, budget)
    if not 0.0 <= hard_fraction <= 1.0:
        raise KwstinyError(f"hard_fraction {hard_fraction} must be between 0 and 1")
    negatives = np.flatnonzero(labels == 0)
    keywords = np.flatnonzero(labels != 0)
    if len(negatives) == 0 or len(keywords) == 0:
        raise KwstinyError("hardest_negatives needs both non-target (label 0) and keyword "
                           "samples in the pool")
    rng = np.random.default_rng(seed)
    proximity = keyword_proximity(vectors, labels, neighbours)
    picked = []
    for members, quota in _class_quotas(labels, budget):
        if labels[members[0]] != 0:
            picked.append(rng.choice(members, size=quota, replace=False))
            continue
        hardness = proximity[members]
        n_hard = int(round(quota * hard_fraction))
        hard = members[np.argsort(hardness, kind="stable")[:n_hard]]
        rest = np.setdiff1d(members, hard)
        picked.append(np.concatenate([hard, rng.choice(rest, size=quota - n_hard,
                                                       replace=False)]))
    return _sorted(picked)


STRATEGIES = {
    "random": random,
    "class_balanced": class_balanced,
    "k_center": k_center,
    "cluster_sample": cluster_sample,
    "dedup": dedup,
    "hardest_negatives": hardest_negatives,
}


def get(name: str):
    if name not in STRATEGIES:
        raise KwstinyError(f"unknown selection strategy {name!r}; choose one of: "
                           + ", ".join(STRATEGIES))
    return STRATEGIES[name]


def select(strategy: str, vectors, labels, budget: int, seed: int = 0, **options) -> np.ndarray:
    """Run a strategy by name: sorted indices of at most `budget` samples."""
    return np.asarray(get(strategy)(np.asarray(vectors, dtype=np.float32),
                                    np.asarray(labels), int(budget), int(seed), **options))


# Shared pieces ---------------------------------------------------------------------------

_BLOCK = 512  # samples compared at once: bounds memory at _BLOCK x pool similarities


def near_duplicate_mask(vectors, labels, threshold: float, rng) -> np.ndarray:
    """True for samples whose cosine similarity to an earlier-visited kept sample of the
    same class exceeds `threshold`. Similarity is taken on centred vectors: embeddings of
    non-negative units (ReLU) are otherwise all alike in direction."""
    centred = vectors - vectors.mean(axis=0)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    unit = centred / np.maximum(norms, 1e-12)
    duplicate = np.zeros(len(labels), dtype=bool)
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        kept: list[int] = []
        for start in range(0, len(members), _BLOCK):
            block = members[start:start + _BLOCK]
            sims = unit[block] @ unit[block].T
            prior = (unit[block] @ unit[kept].T) if kept else np.zeros((len(block), 0))
            for j, index in enumerate(block):
                # Duplicate of a sample kept in an earlier block, or earlier in this one.
                if (prior[j] > threshold).any() or (sims[j, :j][~duplicate[block[:j]]]
                                                    > threshold).any():
                    duplicate[index] = True
            kept.extend(int(i) for i in block if not duplicate[i])
    return duplicate


def keyword_proximity(vectors, labels, neighbours: int = 5) -> np.ndarray:
    """For every sample, the mean distance to its `neighbours` nearest keyword samples."""
    from sklearn.neighbors import NearestNeighbors

    space = _standardize(vectors)
    keywords = space[labels != 0]
    k = max(1, min(neighbours, len(keywords)))
    distances, _ = NearestNeighbors(n_neighbors=k).fit(keywords).kneighbors(space)
    return distances.mean(axis=1)


def _class_quotas(labels, budget: int) -> list[tuple[np.ndarray, int]]:
    """(member indices, quota) per class: an even split, capped by class size, with what
    small classes cannot use handed on to the others; leftover single slots go to the
    largest classes first, so the split does not depend on a seed."""
    classes = np.unique(labels)
    members = [np.flatnonzero(labels == c) for c in classes]
    sizes = np.array([len(m) for m in members])
    quota = np.zeros(len(classes), dtype=int)
    remaining = min(budget, int(sizes.sum()))
    while remaining > 0:
        open_ = np.flatnonzero(quota < sizes)
        share = remaining // len(open_)
        if share == 0:
            for i in sorted(open_, key=lambda i: (-sizes[i], i))[:remaining]:
                quota[i] += 1
            break
        for i in open_:
            add = min(share, sizes[i] - quota[i])
            quota[i] += add
            remaining -= add
    return [(m, int(q)) for m, q in zip(members, quota)]


def _standardize(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    scale = vectors.std(axis=0)
    return (vectors - vectors.mean(axis=0)) / np.where(scale > 1e-12, scale, 1.0)


def _pairwise(a, b) -> np.ndarray:
    """Euclidean distances between rows of a and b without an (n, m, d) temporary."""
    squared = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
    return np.sqrt(np.maximum(squared, 0.0))


def _sorted(parts) -> np.ndarray:
    parts = [np.asarray(p, dtype=np.int64) for p in parts if len(p)]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def _check(vectors, labels, budget) -> None:
    if budget < 1:
        raise KwstinyError(f"budget {budget} must be at least 1 sample")
    if len(vectors) != len(labels):
        raise KwstinyError(f"{len(vectors)} vectors but {len(labels)} labels")
    if len(labels) == 0:
        raise KwstinyError("the pool holds no samples to select from")
