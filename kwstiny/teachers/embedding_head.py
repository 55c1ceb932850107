"""A keyword head on speech-embedding vectors (kwstiny.teachers.speech_embedding): a few
small fully connected networks, each trained with its own seed on windows of `length`
consecutive vectors labelled keyword / not keyword; the teacher's logit is their mean.

Kept small and trained briefly on purpose: on real recordings the head that fits the
synthetic training windows longest and widest is the one that fires most on real speech
(benchmarks/embedding_teacher.py). Inference is plain numpy, so data workers can run it
without TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.paths import atomic_path

_LAYER_NORM_EPSILON = 1e-3   # tf_keras' default, which training uses


@dataclass(frozen=True)
class HeadSettings:
    length: int = 6          # vectors per window (80 ms apart)
    width: int = 128
    dropout: float = 0.5
    epochs: int = 8
    members: int = 3
    batch_size: int = 512
    learning_rate: float = 1e-3
    seed: int = 0


class EmbeddingHead:
    """Weights of each member: (W1, b1, g1, c1, W2, b2, g2, c2, W3, b3)."""

    def __init__(self, members: list[list[np.ndarray]], length: int):
        self.members, self.length = members, length

    @staticmethod
    def fit(windows: np.ndarray, is_keyword: np.ndarray, settings: HeadSettings = HeadSettings(),
            log=print) -> "EmbeddingHead":
        """`windows` (n, length, 96), `is_keyword` (n,) bool. Keyword windows are weighted up
        to the number of the others."""
        import tf_keras as keras

        if windows.ndim != 3 or windows.shape[1] != settings.length:
            raise KwstinyError(f"head windows are {windows.shape}, not (n, {settings.length}, 96)")
        positives = int(np.sum(is_keyword))
        if positives == 0 or positives == len(is_keyword):
            raise KwstinyError("the head needs keyword and non-keyword windows")
        y = np.asarray(is_keyword, np.float32)
        weight = {0: 1.0, 1: float((len(y) - positives) / positives)}
        layers = keras.layers
        members = []
        for m in range(settings.members):
            keras.utils.set_random_seed(settings.seed + m)
            model = keras.Sequential([
                layers.Input((settings.length, windows.shape[2])), layers.Flatten(),
                layers.Dense(settings.width), layers.LayerNormalization(), layers.ReLU(),
                layers.Dropout(settings.dropout),
                layers.Dense(settings.width), layers.LayerNormalization(), layers.ReLU(),
                layers.Dropout(settings.dropout),
                layers.Dense(1)])
            model.compile(keras.optimizers.Adam(settings.learning_rate),
                          keras.losses.BinaryCrossentropy(from_logits=True))
            history = model.fit(windows, y, batch_size=settings.batch_size,
                                epochs=settings.epochs, class_weight=weight, verbose=0)
            log(f"head member {m + 1}/{settings.members}: loss "
                f"{history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}")
            members.append([w.astype(np.float32) for w in model.get_weights()])
        return EmbeddingHead(members, settings.length)

    def logits(self, windows: np.ndarray) -> np.ndarray:
        """(n, length, 96) -> (n,) mean logit of the members."""
        x = windows.reshape(len(windows), -1).astype(np.float32)
        total = np.zeros(len(x), np.float64)
        for w1, b1, g1, c1, w2, b2, g2, c2, w3, b3 in self.members:
            h = np.maximum(_layer_norm(x @ w1 + b1, g1, c1), 0.0)
            h = np.maximum(_layer_norm(h @ w2 + b2, g2, c2), 0.0)
            total += (h @ w3 + b3)[:, 0]
        return (total / len(self.members)).astype(np.float32)

    def sequence_logits(self, vectors: np.ndarray) -> np.ndarray:
        """(n, 96) vectors of one recording -> a logit per window position (every 80 ms)."""
        if len(vectors) < self.length:
            raise KwstinyError(f"{len(vectors)} vectors is fewer than the head's window "
                               f"({self.length})")
        windows = np.lib.stride_tricks.sliding_window_view(vectors, self.length, axis=0)
        return self.logits(np.ascontiguousarray(windows.transpose(0, 2, 1)))

    def save(self, path: str | Path) -> None:
        arrays = {f"m{m}_{k}": w for m, ws in enumerate(self.members) for k, w in enumerate(ws)}
        with atomic_path(Path(path)) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, length=self.length, members=len(self.members), **arrays)

    @staticmethod
    def load(path: str | Path) -> "EmbeddingHead":
        with np.load(path) as data:
            members = [[data[f"m{m}_{k}"] for k in range(10)] for m in range(int(data["members"]))]
            return EmbeddingHead(members, int(data["length"]))


def _layer_norm(x, gamma, beta):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _LAYER_NORM_EPSILON) * gamma + beta
