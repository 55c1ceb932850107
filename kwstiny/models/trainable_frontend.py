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

import numpy as np
import tf_keras as keras

from kwstiny.errors import KwstinyError, check
from kwstiny.models.layers import FloatOnly
from kwstiny.paths import atomic_path

SETTINGS = {"A": (False, False), "B": (False, True), "C": (True, False), "D": (True, True)}


@keras.utils.register_keras_serializable(package="kwstiny")
class STFT(keras.layers.Layer, FloatOnly):
    """Power spectrogram of a waveform: (batch, samples) -> (batch, frames, n_fft//2+1).
    Frames are centred (reflect padding of n_fft//2 each side), like librosa."""

    def __init__(self, n_fft=480, hop_length=160, center=True, kernel_trainable=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.n_fft, self.hop_length = int(n_fft), int(hop_length)
        self.center, self.kernel_trainable = bool(center), bool(kernel_trainable)
        self.n_bins = self.n_fft // 2 + 1

    def build(self, input_shape):
        n = np.arange(self.n_fft)
        window = 0.5 - 0.5 * np.cos(2 * np.pi * n / self.n_fft)          # periodic Hann
        angle = 2 * np.pi * np.outer(n, np.arange(self.n_bins)) / self.n_fft
        kernel = np.concatenate([window[:, None] * np.cos(angle),
                                 -window[:, None] * np.sin(angle)], axis=1)
        self.kernel = self.add_weight(
            "kernel", shape=(self.n_fft, 1, 2 * self.n_bins),
            initializer=keras.initializers.Constant(kernel[:, None, :].astype(np.float32)),
            trainable=self.kernel_trainable)
        super().build(input_shape)

    def call(self, waveform):
        import tensorflow as tf
        x = waveform[:, :, None]
        if self.center:
            half = self.n_fft // 2
            x = tf.pad(x, [[0, 0], [half, half], [0, 0]], mode="REFLECT")
        parts = tf.nn.conv1d(x, self.kernel, stride=self.hop_length, padding="VALID")
        real, imag = parts[..., :self.n_bins], parts[..., self.n_bins:]
        return real * real + imag * imag

    def get_config(self):
        return {**super().get_config(), "n_fft": self.n_fft, "hop_length": self.hop_length,
                "center": self.center, "kernel_trainable": self.kernel_trainable}


@keras.utils.register_keras_serializable(package="kwstiny")
class MelBasis(keras.layers.Layer, FloatOnly):
    """Power spectrum (batch, frames, bins) -> log mel energies (batch, frames, n_mels),
    through a basis matrix that may be trained (clipped to [0, 1] after each update).
    `maskout_bins` zeroes a range of STFT bins first."""

    def __init__(self, n_mels=40, sample_rate=16000, n_fft=480, fmin=0.0, fmax=None,
                 basis_trainable=False, random_init=False, maskout_bins=None, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.n_mels, self.sample_rate, self.n_fft = int(n_mels), int(sample_rate), int(n_fft)
        self.fmin = float(fmin)
        self.fmax = float(fmax) if fmax else self.sample_rate / 2
        self.basis_trainable, self.random_init = bool(basis_trainable), bool(random_init)
        self.maskout_bins = tuple(int(b) for b in maskout_bins) if maskout_bins else None
        self.seed = int(seed)

    def build(self, input_shape):
        bins = int(input_shape[-1])
        basis = slaney_mel_basis(self.sample_rate, self.n_fft, self.n_mels, self.fmin, self.fmax)
        if self.random_init:
            # Same range as the Slaney filters, no structure: the study's random_mel.
            rng = np.random.default_rng(self.seed)
            basis = rng.uniform(0.0, basis.max(), size=basis.shape)
        self.basis = self.add_weight(
            "basis", shape=(bins, self.n_mels),
            initializer=keras.initializers.Constant(basis.astype(np.float32)),
            constraint=lambda w: keras.backend.clip(w, 0.0, 1.0),
            trainable=self.basis_trainable)
        mask = np.ones(bins, np.float32)
        if self.maskout_bins:
            start, end = self.maskout_bins
            mask[start:end] = 0.0
        self.mask = mask
        super().build(input_shape)

    def call(self, power):
        import tensorflow as tf
        if self.maskout_bins:
            power = power * self.mask
        mel = tf.einsum("bfk,km->bfm", power, self.basis)
        return tf.math.log(mel + 1e-10)

    def get_config(self):
        return {**super().get_config(), "n_mels": self.n_mels, "sample_rate": self.sample_rate,
                "n_fft": self.n_fft, "fmin": self.fmin, "fmax": self.fmax,
                "basis_trainable": self.basis_trainable, "random_init": self.random_init,
                "maskout_bins": self.maskout_bins, "seed": self.seed}


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
    from kwstiny.models import bc_resnet, simple
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
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _mel_layer(model) -> MelBasis:
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
