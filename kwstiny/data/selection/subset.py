"""What a selection writes: DataPerf's `train.npz` and kwstiny's subset list.

`train.npz` holds `train_x` (n, d) float32 and `train_y` (n,) int with DataPerf's labels
(0 = non-target, 1..K = keywords), plus `train_ids` so a selection can be traced back.
The subset list is plain text, one sample id per line; a spec trains from it through
`dataset.subset_file`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.paths import atomic_path, write_text, write_json

from kwstiny.data.selection import strategies
from kwstiny.data.selection.embeddings import Embeddings

TRAIN_FILE = "train.npz"
SUBSET_FILE = "subset.txt"


@dataclass(frozen=True)
class Selection:
    embeddings: Embeddings
    indices: np.ndarray
    strategy: str
    budget: int
    seed: int

    @property
    def ids(self) -> list[str]:
        return [str(i) for i in self.embeddings.ids[self.indices]]

    def counts(self) -> dict[str, int]:
        chosen = self.embeddings.labels[self.indices]
        return {name: int((chosen == k).sum()) for k, name in enumerate(self.embeddings.classes)}


def select_subset(embeddings: Embeddings, strategy: str, budget: int, seed: int = 0,
                  **options) -> Selection:
    indices = strategies.select(strategy, embeddings.vectors, embeddings.dataperf_labels(),
                                budget, seed, **options)
    return Selection(embeddings, indices, strategy, int(budget), int(seed))


def write_selection(selection: Selection, out_dir: str | Path, keep_ids=()) -> dict[str, Path]:
    """Write train.npz, subset.txt and selection.json (what was asked and what came out).

    `keep_ids` (validation and test clips, say) are listed in subset.txt after the
    selection: a dataset index that applies the list to every split keeps them whole.
    """
    out_dir = Path(out_dir)
    chosen = selection.embeddings.take(selection.indices)
    train_path = out_dir / TRAIN_FILE
    with atomic_path(train_path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, train_x=chosen.vectors.astype(np.float32),
                     train_y=chosen.dataperf_labels(), train_ids=np.asarray(chosen.ids, str))
    chosen_ids = selection.ids
    taken = set(chosen_ids)
    extra = [str(i) for i in keep_ids if str(i) not in taken]
    subset_path = write_subset_list(out_dir / SUBSET_FILE, chosen_ids + extra)
    info_path = write_json(out_dir / "selection.json", {
        "source": selection.embeddings.source,
        "strategy": selection.strategy,
        "budget": selection.budget,
        "seed": selection.seed,
        "selected": len(selection.indices),
        "pool": len(selection.embeddings),
        "per_class": selection.counts(),
        "kept_beside": len(extra),
    })
    return {"train": train_path, "subset": subset_path, "info": info_path}


def write_subset_list(path: str | Path, ids) -> Path:
    ids = [str(i) for i in ids]
    bad = [i for i in ids if not i or "\n" in i or i != i.strip()]
    if bad:
        raise KwstinyError(f"sample id {bad[0]!r} cannot go in a subset list "
                           f"(empty, or with a line break or surrounding spaces)")
    return write_text(path, "".join(f"{i}\n" for i in ids))


def read_subset_list(path: str | Path) -> list[str]:
    """Sample ids, one per line; blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        raise KwstinyError(f"subset list not found: {path}")
    ids = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    ids = [i for i in ids if i]
    if not ids:
        raise KwstinyError(f"subset list {path} is empty")
    return ids


def read_train_npz(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(train_x, train_y) from a DataPerf `train.npz`, checked."""
    path = Path(path)
    if not path.is_file():
        raise KwstinyError(f"training selection not found: {path}")
    if path.stat().st_size == 0:
        raise KwstinyError(f"training selection {path} is empty")
    if not zipfile.is_zipfile(path):
        raise KwstinyError(f"training selection {path} is not a readable .npz (not a zip file)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise KwstinyError(f"training selection {path} is not a readable .npz ({error})"
                           ) from error
    missing = [key for key in ("train_x", "train_y") if key not in arrays]
    if missing:
        raise KwstinyError(f"training selection {path} has no {' / '.join(missing)} array "
                           f"(a DataPerf train.npz holds train_x and train_y)")
    x, y = arrays["train_x"], arrays["train_y"]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise KwstinyError(f"training selection {path}: train_x must be (n, d) and train_y "
                           f"(n,), got {x.shape} and {y.shape}")
    if len(y) == 0:
        raise KwstinyError(f"training selection {path} holds no samples")
    if not np.isfinite(x).all():
        raise KwstinyError(f"training selection {path}: train_x has NaN or infinite values")
    return x.astype(np.float32), y.astype(np.int64)
