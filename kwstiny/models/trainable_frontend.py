"""Trainable STFT and mel bases as Keras layers, after the trainable-STFT/mel study.

`STFT` is a strided 1-D convolution of the raw waveform with windowed cosine and sine
kernels (real and imaginary parts); `MelBasis` is a (bins x n_mels) matrix that maps
the power spectrum to mel bands, initialised from the Slaney mel filterbank (or at
random) and kept within [0, 1] while training, as the study does. Either can be
frozen or trained; the study's four settings are:

    A  STFT fixed,     mel fixed        C  STFT trained,   mel fixed
    B  STFT fixed,     mel trained      D  STFT trained,   mel trained

`maskout_bins=(start, end)` zeroes the STFT bins start..end-1 (bin k is at
k * sample_rate / n_fft Hz) before the mel basis, to see what the model does without
that band.

`TrainableMelModel` puts these in front of a backbone (BC-ResNet or Simple) and takes
raw audio: (samples,) float32 in [-1, 1]. It runs in float only. It is not for the
int8 microcontroller path: kwstiny's microcontroller frontend is the fixed C
filterbank, which cannot load a learned basis, and `export_model` refuses these
layers with a clear error. What can leave the model is the learned basis itself:
`learned_mel_basis(model)`, `export_filterbank(model, path)` (.npz with the basis, its
frequencies and the STFT settings) and `plot_mel_basis(model, path)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kwstiny.errors import KwstinyError, check
from kwstiny.models.layers import FloatOnly
from kwstiny.paths import atomic_path

if TYPE_CHECKING:  # annotations only, never imported at run time
    import tf_keras as keras

    from kwstiny.models.trainable_frontend_layers import MelBasis

# Builders import Keras (and trainable_frontend_layers) when called, not when a spec file
# imports this module: loading a spec to run its .tflite must not need TensorFlow.

SETTINGS = {"A": (False, False), "B": (False, True), "C": (True, False), "D": (True, True)}
_KERAS_LAYERS = ("STFT", "MelBasis")


def __getattr__(name):
    # STFT and MelBasis live in trainable_frontend_layers (tf_keras at import);
    # trainable_frontend.STFT / .MelBasis load it on first use (PEP 562).
    if name in _KERAS_LAYERS:
        from kwstiny.models import trainable_frontend_layers
        return getattr(trainable_frontend_layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def slaney_mel_basis(sample_rate, n_fft, n_mels, fmin, fmax) -> np.ndarray:
    """(n_fft//2+1, n_mels) Slaney-scale, area-normalised triangular filters (librosa's
    default `librosa.filters.mel`), transposed to multiply a power spectrum."""
    import librosa
    return librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
                               fmax=fmax, htk=False, norm="slaney").T


def TrainableMelModel(input_shape, n_classes, backbone="bc_resnet", backbone_options=None,
                      setting=None, trainable_stft=False, trainable_mel=False, n_mels=40,
                      sample_rate=16000, n_fft=480, hop_length=160, fmin=0.0, fmax=None,
                      random_mel=False, maskout_bins=None, name="trainable_mel"):
    """Raw audio -> STFT -> mel basis -> log -> backbone. `setting` ("A".."D") sets
    trainable_stft / trainable_mel together, overriding them; see the module docstring."""
    import tf_keras as keras

    from kwstiny.models import bc_resnet, simple
    from kwstiny.models.trainable_frontend_layers import STFT, MelBasis

    backbones = {"bc_resnet": bc_resnet.BCResNet, "simple": simple.Simple}
    check(backbone in backbones, "model.options", "backbone", backbone,
          " / ".join(backbones))
    if setting is not None:
        check(setting in SETTINGS, "model.options", "setting", setting,
              "A (both fixed), B (mel trained), C (STFT trained) or D (both trained)")
        trainable_stft, trainable_mel = SETTINGS[setting]
    check(n_mels >= 1, "model.options", "n_mels", n_mels, ">= 1")
    check(hop_length >= 1 and n_fft >= 2, "model.options", "n_fft", n_fft,
          "n_fft >= 2 and hop_length >= 1")
    bins = n_fft // 2 + 1
    if maskout_bins is not None:
        ok = len(maskout_bins) == 2 and 0 <= maskout_bins[0] < maskout_bins[1] <= bins
        check(ok, "model.options", "maskout_bins", maskout_bins,
              f"(start, end) STFT bins with 0 <= start < end <= {bins}")
    samples = _samples(input_shape)
    check(samples > n_fft, "model.options", "n_fft", n_fft,
          f"shorter than the {samples}-sample clip")

    inputs = keras.Input(shape=tuple(input_shape), name="waveform")
    x = keras.layers.Reshape((samples,), name="samples")(inputs)
    x = STFT(n_fft, hop_length, kernel_trainable=trainable_stft, name="stft")(x)
    x = MelBasis(n_mels, sample_rate, n_fft, fmin, fmax, basis_trainable=trainable_mel,
                 random_init=random_mel, maskout_bins=maskout_bins, name="mel")(x)
    frames = x.shape[1]
    x = keras.layers.Reshape((frames, 1, n_mels), name="spectrogram")(x)
    head = backbones[backbone]((frames, 1, n_mels), n_classes, **(backbone_options or {}))
    return keras.Model(inputs, head(x), name=name)


def _samples(input_shape):
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return shape[0]
    raise KwstinyError(f"the trainable-frontend model takes raw audio, (samples,) or "
                       f"(samples, 1); got input shape {tuple(input_shape)}")


def is_float_only(model: keras.Model) -> bool:
    return any(isinstance(layer, FloatOnly) for layer in _all_layers(model))


def _all_layers(model):
    import tf_keras as keras

    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _mel_layer(model) -> MelBasis:
    from kwstiny.models.trainable_frontend_layers import MelBasis

    for layer in _all_layers(model):
        if isinstance(layer, MelBasis):
            return layer
    raise KwstinyError(f"model {model.name} has no mel basis layer (a TrainableMelModel has)")


def learned_mel_basis(model) -> np.ndarray:
    """The (bins, n_mels) basis as it is now (trained or not)."""
    return _mel_layer(model).basis.numpy()


def export_filterbank(model, path) -> Path:
    """Write the learned basis, bin frequencies and STFT settings to an .npz file."""
    mel = _mel_layer(model)
    basis = mel.basis.numpy()
    freqs = np.arange(basis.shape[0]) * mel.sample_rate / mel.n_fft
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, basis=basis, bin_hz=freqs, sample_rate=mel.sample_rate,
                     n_fft=mel.n_fft, n_mels=mel.n_mels)
    return Path(path)


def plot_mel_basis(model, path, reference: bool = True) -> Path:
    """Plot each mel filter over frequency (and, dashed, the Slaney filters it started
    from) to a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mel = _mel_layer(model)
    basis = mel.basis.numpy()
    freqs = np.arange(basis.shape[0]) * mel.sample_rate / mel.n_fft
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    if reference:
        start = slaney_mel_basis(mel.sample_rate, mel.n_fft, mel.n_mels, mel.fmin, mel.fmax)
        ax.plot(freqs, start, color="0.8", linewidth=0.8, linestyle="--")
    ax.plot(freqs, basis, linewidth=1.0)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("weight")
    state = "trained" if mel.basis_trainable else "fixed"
    ax.set_title(f"{model.name}: mel basis ({mel.n_mels} bands, {state})")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)
