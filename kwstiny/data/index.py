"""The clips of a dataset, their labels, and which split each belongs to.

Any dataset is a folder of class subfolders (wav / flac / ogg): a recipe in `kwstiny/datasets/`
makes one in the cache, or the user points at their own. Splits go by group (a synthetic
voice, or a speaker) through a stable hash, so no voice or speaker is in two splits and a
clip keeps its split from run to run; a dataset with official splits (Speech Commands)
records each clip's split in its manifest instead. Unusable files are reported by path
and skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from kwstiny.data.audio import AUDIO_EXTENSIONS, audio_problem, read_audio
from kwstiny.errors import KwstinyError

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
NOISE_FOLDER = "_background_noise_"
UNKNOWN = "_unknown_"
MANIFEST_FILE = "manifest.jsonl"
# How many unusable files the warning names before it just counts the rest.
_WARN_LIST = 20


@dataclass(frozen=True)
class Clip:
    sample_id: str      # path inside the dataset without extension: "alexa/xyz_nohash_0"
    path: Path
    label: str
    group: str          # synthetic voice or speaker; a group never spans two splits
    split: str          # "train", "validation" or "test"
    # Where the keyword is in the clip (seconds), when the dataset records it.
    keyword_span: tuple[float, float] | None = None


@dataclass
class DatasetIndex:
    source: str
    root: Path
    classes: tuple[str, ...]
    sample_rate: int
    clips: list[Clip]
    noise_files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def split(self, name: str) -> list[Clip]:
        if name not in SPLITS:
            raise KwstinyError(f"split {name!r} is not known: use one of {', '.join(SPLITS)}")
        return [c for c in self.clips if c.split == name]

    def counts(self) -> dict[str, dict[str, int]]:
        """{split: {label: clips}} with every split and class present (0 when empty)."""
        tally = Counter((c.split, c.label) for c in self.clips)
        return {s: {label: tally[(s, label)] for label in self.classes} for s in SPLITS}

    def groups(self, split: str | None = None) -> set[str]:
        return {c.group for c in self.clips if split is None or c.split == split}

    def read(self, clip: Clip) -> np.ndarray:
        """The clip as mono float32 at the index's sample rate."""
        return read_audio(clip.path, self.sample_rate)

    def summary(self) -> str:
        counts = self.counts()
        width = max(len(c) for c in self.classes + ("class",))
        lines = [f"{'class':<{width}} " + " ".join(f"{s:>10}" for s in SPLITS)]
        for label in self.classes:
            lines.append(f"{label:<{width}} " + " ".join(f"{counts[s][label]:>10}"
                                                       for s in SPLITS))
        lines.append(f"{'groups':<{width}} " + " ".join(f"{len(self.groups(s)):>10}"
                                                        for s in SPLITS))
        return "\n".join(lines)


def _position(group: str) -> float:
    """A stable pseudo-random place in [0, 1) for a group (same on every machine)."""
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})[-_][A-Za-z]{2}(?![A-Za-z])")


def stratum_of(group: str) -> str:
    """Groups named `engine.voice...` are stratified by engine; others share one stratum.
    An engine's voices whose name starts with a non-English language tag (Pico's de-DE,
    fr-FR ...: English read with an accent) are a stratum of their own, so that an engine's
    few native English voices are not what its held-out share takes: with fewer than
    three native voices they all train (Pico has two)."""
    if "." not in group:
        return ""
    engine, voice = group.split(".", 1)
    tag = _LANGUAGE_TAG.match(voice)
    return f"{engine}.accented" if tag and tag.group(1) != "en" else engine


def assign_splits(groups, validation_fraction: float, test_fraction: float) -> dict[str, str]:
    """The split of every group. Within each stratum (a synthesis engine) the groups are
    ordered by a stable hash and the first `test_fraction` go to test, the next
    `validation_fraction` to validation — at least one each when the stratum has three or
    more groups — so a small engine (flite has five voices) is held out too, not only the
    engine with hundreds. The assignment depends only on the set of group names."""
    strata: dict[str, list[str]] = {}
    for group in sorted(set(groups)):
        strata.setdefault(stratum_of(group), []).append(group)
    splits = {}
    for members in strata.values():
        members.sort(key=_position)
        n = len(members)
        least = 1 if n >= 3 else 0
        n_test = max(least, round(n * test_fraction))
        n_val = max(least, round(n * validation_fraction))
        for rank, group in enumerate(members):
            splits[group] = ("test" if rank < n_test else
                             "validation" if rank < n_test + n_val else "train")
    return splits


def group_of(path: Path) -> str:
    """Speaker from a Speech-Commands-style name (`speaker_nohash_3.wav`), else the stem."""
    stem = path.stem
    return stem.split("_nohash_", 1)[0] if "_nohash_" in stem else stem


def load_index(dataset_spec, sample_rate: int, progress: bool = True,
               workers: int | None = None) -> "DatasetIndex":
    """Index the dataset a `DatasetSpec` names: a recipe (made on first use) or a folder."""
    source = dataset_spec.source
    root = _resolve_source(source, dataset_spec.scale, progress, workers)
    return index_folder(root, dataset_spec, sample_rate, source=source_name(source))


def source_name(source) -> str:
    """A dataset source for messages: a recipe name or a folder, or a recipe object's name."""
    return source if isinstance(source, str) else source.name


def _resolve_source(source, scale: str, progress: bool, workers: int | None) -> Path:
    from kwstiny.data.recipes import available_recipes, find_recipe, load_recipe

    if not isinstance(source, str):  # a recipe object declared in the spec itself
        return source.prepare(scale, workers=workers, progress=progress)
    looks_like_path = (os.sep in source or "/" in source or source.startswith((".", "~"))
                       or Path(source).is_absolute())
    if not looks_like_path and find_recipe(source) is not None:
        return load_recipe(source).prepare(scale, workers=workers, progress=progress)
    folder = Path(source).expanduser()
    if folder.is_dir():
        return folder
    if folder.exists():
        raise KwstinyError(f"dataset source {source!r} is a file; give a folder of class "
                           f"subfolders or a recipe name")
    raise KwstinyError(f"dataset source {source!r} is neither a folder nor a recipe in "
                       f"kwstiny/datasets/ (recipes: {', '.join(available_recipes()) or 'none'})")


def index_folder(root: str | os.PathLike, dataset_spec, sample_rate: int,
                 source: str | None = None, every_class: bool = True) -> DatasetIndex:
    """Index a folder of class subfolders (see the module notes) for `dataset_spec`;
    without `every_class`, a folder may hold only some of the classes."""
    # Absolute paths: clips are read later, maybe from another working directory.
    root = Path(root).expanduser().resolve()
    classes = tuple(dataset_spec.classes)
    if not root.is_dir():
        raise KwstinyError(f"dataset folder {root} does not exist")
    manifest = _read_manifest(root)
    unknown = UNKNOWN if UNKNOWN in classes else None
    clips, noise, skipped = [], [], []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        if folder.name == NOISE_FOLDER:
            for path in _audio_files(folder):
                problem = audio_problem(path)
                (skipped.append((path, problem)) if problem else noise.append(path))
            continue
        label = folder.name if folder.name in classes else unknown
        if label is None:
            continue  # a word the spec does not ask for, and no _unknown_ class to take it
        for path in _audio_files(folder):
            problem = audio_problem(path)
            if problem:
                skipped.append((path, problem))
                continue
            sample_id = path.relative_to(root).with_suffix("").as_posix()
            record = manifest.get(path.relative_to(root).as_posix(), {})
            group = str(record.get("group") or group_of(path))
            span = None
            if "keyword_start" in record and "keyword_end" in record:
                span = (float(record["keyword_start"]), float(record["keyword_end"]))
            # A dataset with official splits (Speech Commands' lists) records them.
            official = record.get("split")
            clips.append(Clip(sample_id, path, label, group,
                              official if official in SPLITS else "", span))
    hashed = [c.group for c in clips if not c.split]
    splits = assign_splits(hashed, dataset_spec.validation_fraction, dataset_spec.test_fraction)
    clips = [c if c.split else replace(c, split=splits[c.group]) for c in clips]
    if skipped:
        _warn_skipped(root, skipped)
    present = {f.name for f in folders}
    if not clips:
        raise KwstinyError(f"dataset folder {root} has no usable clips for classes "
                           f"{', '.join(classes)}; its subfolders: "
                           f"{', '.join(sorted(present)) or 'none'}")
    if dataset_spec.subset_file:
        clips = _restrict_to_subset(clips, Path(dataset_spec.subset_file).expanduser())
    if dataset_spec.max_clips_per_class:
        clips = _cap(clips, dataset_spec.max_clips_per_class)
    labels = {c.label for c in clips}
    missing = [c for c in classes if c not in labels and not c.startswith("_")]
    if missing and every_class:
        raise KwstinyError(f"dataset {source or root} has no clips for class "
                           f"{', '.join(repr(m) for m in missing)}; its subfolders: "
                           f"{', '.join(sorted(present))}")
    return DatasetIndex(source=source or str(root), root=root, classes=classes,
                        sample_rate=int(sample_rate), clips=clips, noise_files=noise,
                        skipped=skipped)


def _audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _read_manifest(root: Path) -> dict[str, dict]:
    """manifest.jsonl records by relative path; a broken line is ignored, not fatal."""
    path = root / MANIFEST_FILE
    if not path.is_file():
        return {}
    records = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            records[str(record["path"])] = record
        except (ValueError, KeyError, TypeError):
            log.warning("%s line %d is not a manifest record; ignored", path, number)
    return records


def _restrict_to_subset(clips: list[Clip], subset_file: Path) -> list[Clip]:
    """Keep the training clips the file names; validation and test stay whole, so a
    selection is always measured on the same held-out clips."""
    if not subset_file.is_file():
        raise KwstinyError(f"subset file {subset_file} does not exist")
    wanted = {line.strip() for line in subset_file.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.lstrip().startswith("#")}
    kept = [c for c in clips if c.split != "train" or c.sample_id in wanted]
    named = {c.sample_id for c in clips if c.sample_id in wanted}
    if not any(c.split == "train" for c in kept):
        raise KwstinyError(f"subset file {subset_file} names none of the dataset's "
                           f"training clips (one sample id per line, like "
                           f"{clips[0].sample_id!r})")
    absent = len(wanted) - len(named)
    if absent:
        log.warning("subset file %s: %d of its %d sample ids are not in the dataset",
                    subset_file, absent, len(wanted))
    return kept


def _cap(clips: list[Clip], limit: int) -> list[Clip]:
    """At most `limit` clips per class and split, always the same ones (by id hash)."""
    def rank(clip: Clip) -> bytes:
        return hashlib.sha256(clip.sample_id.encode("utf-8")).digest()

    kept, taken = [], Counter()
    for clip in sorted(clips, key=rank):
        key = (clip.label, clip.split)
        if taken[key] < limit:
            taken[key] += 1
            kept.append(clip)
    order = {id(c): i for i, c in enumerate(clips)}
    return sorted(kept, key=lambda c: order[id(c)])


def _warn_skipped(root: Path, skipped: list[tuple[Path, str]]) -> None:
    named = "; ".join(f"{p} ({why})" for p, why in skipped[:_WARN_LIST])
    more = f"; and {len(skipped) - _WARN_LIST} more" if len(skipped) > _WARN_LIST else ""
    log.warning("skipped %d unusable audio file(s) in %s: %s%s", len(skipped), root, named, more)
