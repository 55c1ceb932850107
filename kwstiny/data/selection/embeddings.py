"""Embedding vectors per sample: the in-memory form, and the kwstiny `.npz` file.

An embeddings `.npz` holds four arrays:
  ids      (n,)   str    sample ids (for kwstiny clips: the dataset index's clip id)
  labels   (n,)   int    index into `classes`
  vectors  (n, d) float  one embedding per sample
  classes  (k,)   str    class names (optional: 0 = "nontarget", 1 = "target" otherwise)

Selection works with DataPerf's label convention: 0 is the non-target class
(kwstiny's `_unknown_`), 1..K are the keyword classes in class order.
`Embeddings.dataperf_labels()` maps a file's labels onto it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.paths import atomic_path

# Class names that mean "not a keyword" (kwstiny, DataPerf and common spellings).
NEGATIVE_CLASS_NAMES = ("_unknown_", "nontarget", "non-target", "unknown", "_nontarget_")
NPZ_KEYS = ("ids", "labels", "vectors")


@dataclass(frozen=True)
class Embeddings:
    ids: np.ndarray       # (n,) str
    labels: np.ndarray    # (n,) int64, index into classes
    vectors: np.ndarray   # (n, d) float32
    classes: tuple[str, ...]
    source: str = ""      # the file it came from, for messages

    def __post_init__(self):
        where = self.source or "embeddings"
        n = len(self.ids)
        if self.vectors.ndim != 2:
            raise KwstinyError(f"{where}: vectors must be a 2-D array (samples x dimension), "
                               f"got shape {self.vectors.shape}")
        if n == 0 or self.vectors.shape[0] == 0:
            raise KwstinyError(f"{where} holds no samples")
        if self.vectors.shape[1] == 0:
            raise KwstinyError(f"{where}: vectors have dimension 0")
        if not (len(self.labels) == n == self.vectors.shape[0]):
            raise KwstinyError(f"{where}: {n} ids, {len(self.labels)} labels and "
                               f"{self.vectors.shape[0]} vectors; the counts must match")
        if len(self.classes) < 1 or len(set(self.classes)) != len(self.classes):
            raise KwstinyError(f"{where}: class names must be distinct, got {self.classes}")
        bad = (self.labels < 0) | (self.labels >= len(self.classes))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise KwstinyError(f"{where}: sample {self.ids[i]!r} has label {self.labels[i]}, "
                               f"outside the {len(self.classes)} classes {list(self.classes)}")
        finite = np.isfinite(self.vectors).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise KwstinyError(f"{where}: sample {self.ids[i]!r} has a NaN or infinite value")
        unique, counts = np.unique(self.ids, return_counts=True)
        if (counts > 1).any():
            raise KwstinyError(f"{where}: sample id {unique[counts > 1][0]!r} appears "
                               f"{counts[counts > 1][0]} times; ids must be unique")

    @classmethod
    def build(cls, ids, labels, vectors, classes, source: str = "") -> "Embeddings":
        return cls(ids=np.asarray(ids, dtype=str).reshape(-1),
                   labels=np.asarray(labels).astype(np.int64).reshape(-1),
                   vectors=np.asarray(vectors, dtype=np.float32),
                   classes=tuple(str(c) for c in classes), source=str(source))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def negative_class(self) -> int | None:
        """Index of the non-target class, if the classes have one."""
        for i, name in enumerate(self.classes):
            if name.lower() in NEGATIVE_CLASS_NAMES:
                return i
        return None

    def keyword_classes(self) -> tuple[str, ...]:
        neg = self.negative_class
        return tuple(c for i, c in enumerate(self.classes) if i != neg)

    def dataperf_labels(self) -> np.ndarray:
        """0 for the non-target class, 1..K for the keyword classes in class order."""
        neg = self.negative_class
        mapping = np.zeros(len(self.classes), dtype=np.int64)
        k = 1
        for i in range(len(self.classes)):
            if i != neg:
                mapping[i] = k
                k += 1
        return mapping[self.labels]

    def take(self, indices) -> "Embeddings":
        indices = np.asarray(indices, dtype=np.int64)
        return Embeddings(self.ids[indices], self.labels[indices], self.vectors[indices],
                          self.classes, self.source)


def _default_classes(labels: np.ndarray) -> tuple[str, ...]:
    top = int(labels.max()) if len(labels) else 1
    if top <= 1:
        return ("nontarget", "target")
    return ("nontarget",) + tuple(f"target_{k}" for k in range(1, top + 1))


def read_npz(path: str | Path) -> Embeddings:
    """Read a kwstiny embeddings `.npz`; a malformed file fails naming the file and problem."""
    path = Path(path)
    if not path.is_file():
        raise KwstinyError(f"embeddings file not found: {path}")
    if path.stat().st_size == 0:
        raise KwstinyError(f"embeddings file {path} is empty")
    if not zipfile.is_zipfile(path):
        raise KwstinyError(f"embeddings file {path} is not a readable .npz archive "
                           f"(not a zip file; save it with numpy.savez)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise KwstinyError(f"embeddings file {path} is not a readable .npz archive "
                           f"({error})") from error
    except ValueError as error:  # object arrays need pickle, which we refuse
        raise KwstinyError(f"embeddings file {path} holds an array numpy cannot read "
                           f"without pickle ({error}); store ids and classes as strings"
                           ) from error
    if not isinstance(arrays, dict) or not arrays:
        raise KwstinyError(f"embeddings file {path} is empty (no arrays)")
    missing = [key for key in NPZ_KEYS if key not in arrays]
    if missing:
        raise KwstinyError(f"embeddings file {path} has no {' / '.join(missing)} array; "
                           f"an embeddings .npz needs ids, labels and vectors "
                           f"(it has: {', '.join(sorted(arrays))})")
    ids, labels, vectors = arrays["ids"], arrays["labels"], arrays["vectors"]
    if ids.ndim != 1 or labels.ndim != 1:
        raise KwstinyError(f"embeddings file {path}: ids and labels must be 1-D, got shapes "
                           f"{ids.shape} and {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise KwstinyError(f"embeddings file {path}: labels must be integers, got "
                           f"{labels.dtype}")
    if not np.issubdtype(vectors.dtype, np.number):
        raise KwstinyError(f"embeddings file {path}: vectors must be numbers, got "
                           f"{vectors.dtype}")
    classes = (tuple(str(c) for c in arrays["classes"].reshape(-1)) if "classes" in arrays
               else _default_classes(labels))
    return Embeddings.build(ids, labels, vectors, classes, source=str(path))


def write_npz(path: str | Path, embeddings: Embeddings) -> Path:
    """Write atomically; ids and classes as fixed-width strings so no pickle is needed."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, ids=np.asarray(embeddings.ids, dtype=str),
                     labels=embeddings.labels.astype(np.int64),
                     vectors=embeddings.vectors.astype(np.float32),
                     classes=np.asarray(embeddings.classes, dtype=str))
    return Path(path)


def load_embeddings(path: str | Path) -> Embeddings:
    """Read embeddings from a kwstiny `.npz` or a DataPerf samples protocol buffer."""
    from kwstiny.data.selection import dataperf_pb

    path = Path(path)
    if not path.is_file():
        raise KwstinyError(f"embeddings file not found: {path}")
    if path.suffix.lower() == ".npz" or zipfile.is_zipfile(path):
        return read_npz(path)
    return dataperf_pb.read_samples(path)


def check_same_space(a: Embeddings, b: Embeddings) -> None:
    """Selection pool and evaluation set must live in the same embedding space."""
    if a.dim != b.dim:
        raise KwstinyError(f"{b.source or 'evaluation set'} has {b.dim}-dimensional vectors but "
                           f"{a.source or 'the pool'} has {a.dim}; they must come from the "
                           f"same embedding model")
