"""Pre-training a board model's trunk to reproduce the speech embedding
(kwstiny.teachers.speech_embedding) of the audio it hears: feature-level distillation.

The embedding was learned from real people; the board model only ever hears synthetic
keywords. Before keyword training, the spec's own model (its layers up to the last time x
channel feature map) learns to predict, from its own frontend features of a window, the
embedding vectors of that window's audio, on real speech and real background recordings
that may train (no labels needed, so nothing is said about any keyword) and on augmented
synthetic windows of the spec. Keyword training then starts from that trunk
(train.initial_weights).

A window of `sample_length` samples holds `vectors_per_window` whole embedding vectors:
those starting at multiples of 80 ms from its first sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.teachers.speech_embedding import FRAMES_PER_STEP, VECTOR_SIZE, samples_for

VECTOR_HOP = FRAMES_PER_STEP * 160      # samples between embedding vectors (80 ms)


def vectors_per_window(sample_length: int) -> int:
    n = 1
    while samples_for(n + 1) <= sample_length:
        n += 1
    if samples_for(n) > sample_length:
        raise KwstinyError(f"a window of {sample_length} samples holds no embedding vector "
                           f"({samples_for(1)} samples needed)")
    return n


def values_per_window(sample_length: int) -> int:
    """Embedding values (whole vectors x 96) one window of `sample_length` samples has."""
    return vectors_per_window(sample_length) * VECTOR_SIZE


def recording_pairs(audio: np.ndarray, settings, embedder, step: int, warmup: int,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, frames, 1, channels), targets (n, vectors, 96)) of every `step`-th
    window of one recording (at least one: a short recording is padded with silence),
    windows starting on the embedding's 80 ms grid. The frontend
    first hears the `warmup` samples before each window (what it would have heard
    streaming), or silence at the start."""
    from kwstiny.data.samples import window_features

    length = settings.sample_length
    per_window = vectors_per_window(length)
    if audio.size < length:
        audio = np.concatenate([audio, np.zeros(length - audio.size, np.float32)])
    vectors = embedder.vectors(audio[None])[0]
    starts = range(0, min(len(vectors) - per_window, (audio.size - length) // VECTOR_HOP) + 1,
                   step)
    features, targets = [], []
    for i in starts:
        s = i * VECTOR_HOP
        before = audio[max(0, s - warmup):s]
        before = np.concatenate([np.zeros(warmup - before.size, np.float32), before])
        features.append(window_features(audio[s:s + length], settings, before))
        targets.append(vectors[i:i + per_window])
    return np.stack(features), np.stack(targets)   # padding leaves at least one window


def feature_map_layer(model):
    """The last layer whose output still has a time axis: the trunk's output."""
    for layer in reversed(model.layers):
        shape = layer.output.shape
        if len(shape) >= 3 and shape[1] is not None and shape[1] > 1:
            return layer
    raise KwstinyError(f"model {model.name} has no layer with a time axis to distil into")


def regression_model(spec, targets_shape: tuple[int, int]):
    """The spec's model up to its trunk output, read out linearly into the window's
    (vectors, 96) embedding; compiled with mean squared error. Linear on purpose: the
    trunk has to hold the embedding's information itself, and with a hidden ReLU layer
    the fit collapsed to the mean embedding (held-out explained variance -0.001 on
    32,000 windows)."""
    import tf_keras as keras

    model = spec.model.build(spec.input_shape, len(spec.classes))
    x = keras.layers.Flatten(name="embedding_flatten")(feature_map_layer(model).output)
    x = keras.layers.Dense(int(np.prod(targets_shape)), name="embedding_out")(x)
    x = keras.layers.Reshape(targets_shape, name="embedding_vectors")(x)
    regression = keras.Model(model.input, x, name=f"{model.name}_embedding")
    regression.trunk_output = feature_map_layer(model).name
    regression.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return regression


def standardize(targets: np.ndarray, mean=None, std=None):
    if mean is None:
        mean = targets.mean(axis=(0, 1))
        std = targets.std(axis=(0, 1)) + 1e-6
    return ((targets - mean) / std).astype(np.float32), mean, std


def explained_variance(predicted: np.ndarray, targets: np.ndarray) -> float:
    """1 - residual / total variance over every target value (both standardized)."""
    residual = np.mean((predicted - targets) ** 2)
    return float(1.0 - residual / np.mean((targets - targets.mean(axis=0)) ** 2))


def pretrain(spec, features: np.ndarray, targets: np.ndarray, held_out: np.ndarray,
             epochs: int, out: Path, log=print, batch_size: int = 128,
             groups: dict[str, np.ndarray] | None = None) -> dict:
    """Fit the regression on (features, targets) minus the `held_out` rows (bool), save its
    weights to `out` (.h5; the spec's own layers keep their names, so keyword training
    loads them by name) and return the held-out explained variance per epoch, and at the
    end for each of `groups` (name -> bool rows, within `held_out`)."""
    import tf_keras as keras

    from kwstiny.paths import atomic_path

    if out.suffix != ".h5":
        raise KwstinyError(f"{out}: trunk weights are written as .h5")
    keras.utils.set_random_seed(spec.train.seed)
    fit_targets, mean, std = standardize(targets[~held_out])
    model = regression_model(spec, targets.shape[1:])

    def fit_on(rows) -> float:
        predicted = model.predict(features[rows], batch_size=512, verbose=0)
        return explained_variance(predicted, standardize(targets[rows], mean, std)[0])

    history = []

    class Measure(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            history.append(fit_on(held_out))
            log(f"epoch {epoch + 1}: loss {logs['loss']:.3f}, held-out explained variance "
                f"{history[-1]:.3f}")

    model.fit(features[~held_out], fit_targets, batch_size=batch_size, epochs=epochs,
              shuffle=True, callbacks=[Measure()], verbose=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        model.save_weights(str(tmp))
    return {"held_out_explained_variance": history, "trunk_output": model.trunk_output,
            "held_out_by_group": {name: {"windows": int(rows.sum()),
                                         "explained_variance": fit_on(rows)}
                                  for name, rows in (groups or {}).items()}}
