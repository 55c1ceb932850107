"""Data-centric selection: which budgeted training subset makes the best small model.

After the DataPerf speech selection task: samples are embedding vectors with a sample id
and a label; a strategy picks at most `budget` of them; a logistic regression trained on
the pick and scored on a separate evaluation set says how good the pick was.

  embeddings.py   the Embeddings record and kwstiny's .npz file
  dataperf_pb.py  the task's protocol buffer files (samples.pb / eval.pb)
  strategies.py   random, class_balanced, k_center, cluster_sample, dedup, hardest_negatives
  subset.py       train.npz (DataPerf) and the subset list a spec trains from
  score.py        the task's classifier and its scores
  sweep.py        strategies x budgets x seeds -> table and plot

The functions below are what the `kwstiny dataset` commands call.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from kwstiny.errors import KwstinyError
from kwstiny.data.selection.embeddings import Embeddings, load_embeddings, check_same_space
from kwstiny.data.selection.strategies import STRATEGIES


def select_file(embeddings_path, strategy: str, budget: int, seed: int = 0,
                out_dir=".", keep=(), **options) -> dict:
    """Select from an embeddings file; write train.npz, subset.txt, selection.json.
    Every id of the embeddings files in `keep` (held-out splits) is listed as well."""
    from kwstiny.data.selection.subset import select_subset, write_selection

    pool = load_embeddings(embeddings_path)
    keep_ids = [i for path in keep for i in load_embeddings(path).ids.tolist()]
    selection = select_subset(pool, strategy, budget, seed, **options)
    paths = write_selection(selection, out_dir, keep_ids)
    return {"selected": len(selection.indices), "pool": len(pool),
            "per_class": selection.counts(), "paths": paths}


def score_files(train_path, eval_path, seed: int = 0) -> dict:
    """Score a selection (a DataPerf train.npz, or any embeddings file used whole)."""
    from kwstiny.data.selection.score import score_selection
    from kwstiny.data.selection.subset import read_train_npz

    evaluation = load_embeddings(eval_path)
    train_path = Path(train_path)
    if _is_train_npz(train_path):
        train_x, train_y = read_train_npz(train_path)
    else:
        train = load_embeddings(train_path)
        check_same_space(train, evaluation)
        train_x, train_y = train.vectors, train.dataperf_labels()
    if train_x.shape[1] != evaluation.dim:
        raise KwstinyError(f"{eval_path} has {evaluation.dim}-dimensional vectors but "
                           f"{train_path} has {train_x.shape[1]}")
    return score_selection(train_x, train_y, evaluation.vectors,
                           evaluation.dataperf_labels(), seed=seed)


def sweep_files(pool_path, eval_path, out_dir, strategies=None, budgets=None,
                seeds: int = 5, options: dict | None = None, progress: bool = True) -> dict:
    from kwstiny.data.selection import sweep

    pool, evaluation = load_embeddings(pool_path), load_embeddings(eval_path)
    return sweep.run_sweep(pool, evaluation, out_dir,
                           strategies=tuple(strategies or STRATEGIES),
                           budgets=tuple(budgets or sweep.DEFAULT_BUDGETS),
                           seeds=seeds, options=options, progress=progress)


def _is_train_npz(path: Path) -> bool:
    """A DataPerf train.npz has train_x; an embeddings .npz has vectors."""
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "train_x.npy" in archive.namelist()


__all__ = ["Embeddings", "load_embeddings", "STRATEGIES", "select_file", "score_files",
           "sweep_files"]
