"""The trainable STFT and mel basis as Keras layers (see kwstiny.models.trainable_frontend).
This module imports tf_keras, so only TrainableMelModel (when called) and training code
import it; the classes stay reachable as kwstiny.models.trainable_frontend.STFT and
.MelBasis, lazily."""

from __future__ import annotations

import numpy as np
import tf_keras as keras

from kwstiny.models.layers import FloatOnly
from kwstiny.models.trainable_frontend import slaney_mel_basis


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
