"""From a spec's dataset to what Keras eats: epoch plans, worker processes that build
augmented samples on every core, cached clean features, and the tf.data wrapper.

Each training epoch is planned afresh from (seed, epoch): every keyword clip once, and
`unknown_class_multiplier` times as many unknown slots drawn from the whole unknown pool,
some of them silence or a cropped keyword (MLTK's unknown-class tricks). The same
(seed, epoch) always gives the same samples, so a resumed run sees the data it would
have seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.data.bank import AudioBank
from kwstiny.data.index import source_name
from kwstiny.data.samples import (CLIP, CROPPED, SILENCE, SampleRecipe, WaveAugmenter,
                                  augment_files, build_sample)
from kwstiny.errors import KwstinyError
from kwstiny.progress import progress_bar
from kwstiny.spec import ModelSpec

SPLITS = ("train", "validation", "test")


class SpecData:
    """The clips of one spec, split and labelled, with their decoded audio."""

    def __init__(self, spec: ModelSpec, progress=None):
        from kwstiny.data.index import index_folder, load_index

        self.spec = spec
        self.classes = list(spec.classes)
        self.index = load_index(spec.dataset, spec.frontend.sample_rate_hz)
        unknown = spec.dataset.unknown_class
        self.clips, self.labels = [], []
        # Extra and real folders are training-only and taken whole (no subset list, no cap).
        whole = dataclasses.replace(spec.dataset, subset_file="", max_clips_per_class=0)

        def training_only(folders):
            return [dataclasses.replace(c, split="train") for folder in folders
                    for c in index_folder(folder, whole, spec.frontend.sample_rate_hz,
                                          every_class=False).clips]

        found = [(c, False) for c in self.index.clips + training_only(spec.dataset.extra_folders)]
        found += [(c, True) for c in training_only(spec.dataset.real_folders)]
        is_real = []
        for clip, recorded in found:
            label = clip.label if clip.label in self.classes else unknown
            if label is None:
                continue
            self.clips.append(clip)
            self.labels.append(self.classes.index(label))
            is_real.append(recorded)
        if not self.clips:
            raise KwstinyError(f"dataset {source_name(spec.dataset.source)!r} has no clips of the classes "
                               + ", ".join(self.classes))
        self.labels = np.array(self.labels)
        # Real recordings (dataset.real_folders), for the voice-invariance domain head.
        self.real = np.array(is_real, bool)
        self.splits = np.array([c.split for c in self.clips])
        self.bank = AudioBank.build(self.clips, spec.frontend.sample_rate_hz, progress)
        self._pool = None
        readable = np.array([self.bank.length(i) > 0 for i in range(len(self.clips))])
        self.unreadable = sorted(self.bank.unreadable) + list(self.index.skipped)
        self.usable = readable
        for split in SPLITS:
            for c, name in enumerate(self.classes):
                if name in ("_unknown_", "_silence_"):
                    continue
                if not np.any(self.mask(split) & (self.labels == c)):
                    raise KwstinyError(f"dataset {source_name(spec.dataset.source)!r} has no readable "
                                       f"{name!r} clips in its {split} split")

    def mask(self, split: str) -> np.ndarray:
        return (self.splits == split) & self.usable

    def counts(self) -> dict:
        return {split: {name: int(np.sum(self.mask(split) & (self.labels == c)))
                        for c, name in enumerate(self.classes)} for split in SPLITS}

    # Epoch plans -------------------------------------------------------------------------
    def plan_epoch(self, epoch: int) -> list[SampleRecipe]:
        spec = self.spec.dataset
        rng = np.random.default_rng([self.spec.train.seed, epoch])
        train = self.mask("train")
        special = {self.classes.index(n) for n in ("_unknown_", "_silence_") if n in self.classes}
        known = [c for c in range(len(self.classes)) if c not in special]
        recipes = []
        known_clips = []
        for c in known:
            idx = np.nonzero(train & (self.labels == c))[0]
            known_clips.extend(idx)
            recipes += [SampleRecipe(CLIP, int(i), c, 0, keep_start=True) for i in idx]
        per_class = len(known_clips) / max(1, len(known))
        if "_unknown_" in self.classes:
            u = self.classes.index("_unknown_")
            pool = np.nonzero(train & (self.labels == u))[0]
            n = int(round(per_class * spec.unknown_class_multiplier))
            kinds = rng.choice([SILENCE, CROPPED, CLIP], size=n, p=[
                spec.silence_as_unknown, spec.cropped_keyword_as_unknown,
                1 - spec.silence_as_unknown - spec.cropped_keyword_as_unknown])
            if len(pool) == 0:
                kinds[kinds == CLIP] = SILENCE
            picks = rng.permutation(np.resize(rng.permutation(pool), n)) if len(pool) else []
            for k, kind in enumerate(kinds):
                if kind == SILENCE:
                    recipes.append(SampleRecipe(SILENCE, -1, u, 0))
                elif kind == CROPPED and known_clips:
                    recipes.append(SampleRecipe(CROPPED, int(rng.choice(known_clips)), u, 0))
                else:
                    recipes.append(SampleRecipe(CLIP, int(picks[k]), u, 0))
        if "_silence_" in self.classes:
            s = self.classes.index("_silence_")
            recipes += [SampleRecipe(SILENCE, -1, s, 0) for _ in range(int(round(per_class)))]
        order = rng.permutation(len(recipes))
        seeds = rng.integers(0, 2 ** 31, size=len(recipes))
        return [SampleRecipe(recipes[o].kind, recipes[o].clip, recipes[o].label, int(seeds[k]),
                             recipes[o].keep_start) for k, o in enumerate(order)]

    def plan_split(self, split: str, limit: int = 0) -> list[SampleRecipe]:
        """Every usable clip of a split once, clean; placement seeded by the clip's id."""
        idx = np.nonzero(self.mask(split))[0]
        if limit and len(idx) > limit:
            idx = np.sort(np.random.default_rng(self.spec.train.seed).choice(idx, limit, replace=False))
        special = {self.classes.index(n) for n in ("_unknown_",) if n in self.classes}
        return [SampleRecipe(CLIP, int(i), int(self.labels[i]), _stable_seed(self.clips[i].sample_id),
                             keep_start=int(self.labels[i]) not in special) for i in idx]

    # Features ----------------------------------------------------------------------------
    def features(self, split: str, limit: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Clean features and labels of a split, cached on disk by content."""
        recipes = self.plan_split(split, limit)
        key = hashlib.sha1(json.dumps({
            "frontend": asdict(self.spec.frontend), "warmup": self.spec.augment.warmup_ms,
            "noise_floor": self.spec.augment.noise_floor_db,
            **({"input": "waveform"} if self.spec.model_input == "waveform" else {}),
            "bank": self.bank.directory.name,
            "recipes": [(r.clip, r.seed, r.keep_start) for r in recipes]}).encode()).hexdigest()[:16]
        cache = paths.home() / "cache" / "features" / f"{split}-{key}.npz"
        if cache.is_file():
            with np.load(cache) as data:
                return data["x"], data["y"]
        x = self.build(recipes, augment=False, description=f"{split} features")
        y = np.array([r.label for r in recipes], np.int64)
        with paths.atomic_path(cache) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, x=x, y=y)
        return x, y

    def build(self, recipes: list[SampleRecipe], augment: bool,
              description: str = "samples") -> np.ndarray:
        out = []
        with progress_bar() as progress:
            task = progress.add_task(description, total=len(recipes))
            fn = _augmented if augment else _clean
            for x in self.pool.imap(fn, recipes, chunksize=32):
                out.append(x)
                progress.advance(task)
        return np.stack(out) if out else np.zeros((0,) + self.spec.input_shape, np.float32)

    @property
    def pool(self):
        """Worker processes (spawned, so TensorFlow's threads are never forked) that each
        hold the memory-mapped bank and the augmenter; started on first use."""
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ctx.Pool(os.cpu_count() or 1, initializer=_init_worker,
                                  initargs=self.worker_settings())
        return self._pool

    def worker_settings(self) -> tuple:
        """What each worker is started with. Plain settings, not the spec: unpickling the
        spec's model builder would import TensorFlow into every worker."""
        spec = self.spec
        real_noise, room_bank = augment_files(spec.augment, spec.frontend.sample_rate_hz)
        head = spec.distill.embedding_head
        if head and not Path(head).expanduser().is_file():
            raise KwstinyError(f"distill.embedding_head {head!r} is no file: write one with "
                               f"benchmarks/embedding_teacher.py")
        return (str(self.bank.directory), spec.frontend, spec.augment,
                spec.dataset.cropped_keyword_range, [str(p) for p in self.index.noise_files],
                spec.model_input == "waveform", real_noise, room_bank,
                str(Path(head).expanduser()) if head else "")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _stable_seed(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")


# Worker side ---------------------------------------------------------------------------------
_worker: dict = {}


def _init_worker(bank_dir: str, frontend, augment, crop_range, noise_files: list[str],
                 waveform: bool = False, real_noise_files: list[str] = (),
                 room_bank: str | None = None, embedding_head: str = ""):
    _worker.update(bank=AudioBank(bank_dir), frontend=frontend, augment=augment,
                   crop_range=crop_range, noise_files=noise_files, augmenter=None,
                   waveform=waveform, real_noise_files=list(real_noise_files),
                   room_bank=room_bank, embedding_head=embedding_head, teacher=None)


def _sample(recipe: SampleRecipe, augmenter, with_window: bool = False):
    audio = None if recipe.kind == SILENCE else _worker["bank"][recipe.clip]
    return build_sample(recipe, audio, _worker["frontend"], _worker["augment"], augmenter,
                        _worker["crop_range"], waveform=_worker["waveform"],
                        with_window=with_window)


def _clean(recipe: SampleRecipe) -> np.ndarray:
    return _sample(recipe, None)


def _augmenter():
    """This worker's augmenter, made on first use; None when augmentation is off."""
    if not _worker["augment"].enable:
        return None
    if _worker["augmenter"] is None:
        _worker["augmenter"] = WaveAugmenter(_worker["augment"], _worker["noise_files"],
                                             _worker["frontend"].sample_rate_hz,
                                             _worker["real_noise_files"], _worker["room_bank"])
    return _worker["augmenter"]


def _augmented(recipe: SampleRecipe) -> np.ndarray:
    return _sample(recipe, _augmenter())


def augmented_embedded(recipe: SampleRecipe) -> tuple[np.ndarray, np.ndarray]:
    """The augmented features and the speech embedding's vectors of the same audio
    (kwstiny.teachers.embedding_pretrain); for SpecData.pool.imap."""
    features, window = _sample(recipe, _augmenter(), with_window=True)
    return features, _embedder().vectors(window)[0]


def _augmented_taught(recipe: SampleRecipe) -> tuple[np.ndarray, np.ndarray, float]:
    """The augmented features, the speech embedding's vectors of the same audio and the
    embedding teacher's logit on them (the window's highest, where the window holds more
    than one head input; NaN without a teacher head)."""
    features, vectors = augmented_embedded(recipe)
    if not _worker["embedding_head"]:
        return features, vectors, float("nan")
    if _worker["teacher"] is None:
        from kwstiny.teachers.embedding_head import EmbeddingHead
        _worker["teacher"] = EmbeddingHead.load(_worker["embedding_head"])
    return features, vectors, float(_worker["teacher"].sequence_logits(vectors).max())


def _embedder():
    if _worker.get("embedder") is None:
        from kwstiny.teachers.speech_embedding import SpeechEmbedding
        _worker["embedder"] = SpeechEmbedding(threads=1)
    return _worker["embedder"]


def teacher_targets(labels: np.ndarray, logits: np.ndarray, alpha: float,
                    temperature: float) -> np.ndarray:
    """One-hot `labels` (n, 2: keyword, unknown) blended with the embedding teacher's
    [p, 1 - p], p = sigmoid(logit / temperature): (1 - alpha) x labels + alpha x teacher."""
    p = 1.0 / (1.0 + np.exp(-np.asarray(logits, np.float64) / temperature))
    teacher = np.stack([p, 1.0 - p], axis=1).astype(np.float32)
    return ((1.0 - alpha) * labels + alpha * teacher).astype(np.float32)


# tf.data ---------------------------------------------------------------------------------------

def training_dataset(data: SpecData, initial_epoch: int, batch_size: int,
                     domains: bool = False, embedding_stats: tuple | None = None):
    """A tf.data.Dataset of augmented batches, epoch after epoch from `initial_epoch`.
    Keras keeps one iterator across epochs, so the stream never ends; each epoch's last
    batch may be short, which keeps `steps_per_epoch` batches aligned to epochs.

    With `domains`, each label row gets two more columns for the voice-invariance head:
    [real x known, known], where known is 1 for unknown-class clips (real or synthetic)
    and 0 for keywords and silence. As columns of the label they blend under mixup like
    the label itself. With `embedding_stats` (embedding_statistics), the label row ends
    with the speech embedding of the window's audio, standardized (embedding_columns),
    for distill.embedding_weight's auxiliary loss."""
    import tensorflow as tf

    n_classes = len(data.classes)
    eye = np.eye(n_classes, dtype=np.float32)

    def labels(chunk):
        y = eye[[r.label for r in chunk]]
        if not domains:
            return y
        return np.concatenate([y, domain_columns(data, chunk)], axis=1)

    distill = data.spec.distill
    taught = bool(distill.embedding_head)
    if taught and (domains or tuple(data.classes[1:]) != ("_unknown_",)):
        raise KwstinyError("distill.embedding_head teaches a keyword spec with classes "
                           f"(keyword, _unknown_), not {list(data.classes)}"
                           + (" with a voice-invariance head" if domains else ""))
    embedded = embedding_stats is not None
    width = n_classes + (2 if domains else 0)
    if embedded:
        from kwstiny.teachers.embedding_pretrain import values_per_window
        width += values_per_window(data.spec.frontend.sample_length)
    needs_embedding = taught or embedded

    def generate():
        for epoch in range(initial_epoch, 1 << 30):
            recipes = data.plan_epoch(epoch)
            samples = data.pool.imap(_augmented_taught if needs_embedding else _augmented,
                                     recipes, chunksize=16)
            for start in range(0, len(recipes), batch_size):
                chunk = recipes[start:start + batch_size]
                drawn = [next(samples) for _ in chunk]
                if not needs_embedding:
                    yield np.stack(drawn).astype(np.float32), labels(chunk)
                    continue
                x = np.stack([d[0] for d in drawn]).astype(np.float32)
                y = labels(chunk)
                if taught:
                    y = teacher_targets(y, np.array([d[2] for d in drawn]), distill.alpha,
                                        distill.temperature)
                if embedded:
                    y = np.concatenate([y, embedding_columns(
                        np.stack([d[1] for d in drawn]), *embedding_stats)], axis=1)
                yield x, y

    signature = (tf.TensorSpec((None,) + tuple(data.spec.input_shape), tf.float32),
                 tf.TensorSpec((None, width), tf.float32))
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


def embedding_statistics(data: SpecData, count: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension mean and standard deviation of the speech embedding over the first
    `count` augmented windows of epoch 0: what distill.embedding_weight's targets are
    standardized by (the same windows each run, so a resumed run gets the same)."""
    recipes = data.plan_epoch(0)[:count]
    vectors = np.concatenate([v for _, v in data.pool.imap(augmented_embedded, recipes,
                                                           chunksize=16)])
    return vectors.mean(axis=0), vectors.std(axis=0) + 1e-6


def embedding_columns(vectors: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """(n, vectors, 96) embedding vectors as standardized label columns (n, vectors x 96)."""
    return ((vectors - mean) / std).reshape(len(vectors), -1).astype(np.float32)


def domain_columns(data: SpecData, recipes: list[SampleRecipe]) -> np.ndarray:
    """(n, 2) float32 [real, known] per sample: known for unknown-class clips (a whole
    clip, real or synthetic), real for those from dataset.real_folders."""
    unknown = data.classes.index("_unknown_") if "_unknown_" in data.classes else -1
    known = np.array([r.kind == CLIP and r.label == unknown for r in recipes], np.float32)
    real = np.array([r.clip >= 0 and bool(data.real[r.clip]) for r in recipes], np.float32)
    return np.stack([real * known, known], axis=1)


def steps_per_epoch(data: SpecData, batch_size: int) -> int:
    return -(-len(data.plan_epoch(0)) // batch_size)


def class_weights(data: SpecData) -> dict[int, float]:
    """'balanced': n / (classes x count) over an epoch plan."""
    labels = np.array([r.label for r in data.plan_epoch(0)])
    counts = np.bincount(labels, minlength=len(data.classes)).astype(float)
    return {c: float(len(labels) / (len(counts) * n)) if n else 0.0 for c, n in enumerate(counts)}


def representative(data: SpecData, count: int) -> np.ndarray:
    """Calibration inputs for quantization: clean validation features, class-mixed."""
    x, _ = data.features("validation", limit=count)
    return x.astype(np.float32)


def write_counts(data: SpecData, path: Path) -> None:
    paths.write_json(path, {"classes": data.classes, "counts": data.counts(),
                            "unreadable": [list(u) for u in data.unreadable]})
