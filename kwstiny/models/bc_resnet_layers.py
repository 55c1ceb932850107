"""BC-ResNet's Keras layer: SubSpectralNorm (see kwstiny.models.bc_resnet). This
module imports tf_keras, so only the BC-ResNet builder (when called) and training code
import it; the class stays reachable as kwstiny.models.bc_resnet.SubSpectralNorm, lazily."""

from __future__ import annotations

import numpy as np
import tf_keras as keras

from kwstiny.errors import KwstinyError


@keras.utils.register_keras_serializable(package="kwstiny")
class SubSpectralNorm(keras.layers.Layer):
    """Batch norm with separate statistics and affine parameters for each of `groups`
    frequency sub-bands (x channels). Input is (batch, time, freq, channels); freq is
    split into `groups` contiguous bands (as equal as possible). At inference it is a
    fixed per-(freq, channel) scale and shift."""

    def __init__(self, groups=5, momentum=0.99, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.groups, self.momentum, self.epsilon = int(groups), float(momentum), float(epsilon)

    def build(self, input_shape):
        freq, channels = int(input_shape[2]), int(input_shape[3])
        if not 1 <= self.groups <= freq:
            raise KwstinyError(f"SubSpectralNorm {self.name}: {self.groups} sub-bands do not "
                               f"fit {freq} frequency bins")
        band = (np.arange(freq) * self.groups) // freq
        self._assign = np.eye(self.groups, dtype=np.float32)[band]          # (freq, groups)
        self._average = self._assign / self._assign.sum(axis=0, keepdims=True)
        shape = (self.groups, channels)
        self.gamma = self.add_weight("gamma", shape, initializer="ones")
        self.beta = self.add_weight("beta", shape, initializer="zeros")
        self.moving_mean = self.add_weight("moving_mean", shape, initializer="zeros",
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape, initializer="ones",
                                               trainable=False)
        super().build(input_shape)

    def call(self, x, training=None):
        import tensorflow as tf
        if training is None:
            training = keras.backend.learning_phase()

        def normalized():
            per_bin = tf.reduce_mean(x, axis=(0, 1))                       # (freq, ch)
            per_bin_sq = tf.reduce_mean(tf.square(x), axis=(0, 1))
            mean = tf.matmul(self._average, per_bin, transpose_a=True)     # (groups, ch)
            variance = tf.matmul(self._average, per_bin_sq, transpose_a=True) - tf.square(mean)
            variance = tf.maximum(variance, 0.0)
            for stat, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
                stat.assign(stat * self.momentum + value * (1.0 - self.momentum))
            return self._apply(x, mean, variance)

        def inference():
            return self._apply(x, self.moving_mean, self.moving_variance)

        return keras.backend.in_train_phase(normalized, inference, training)

    def _apply(self, x, mean, variance):
        import tensorflow as tf
        scale = self.gamma * tf.math.rsqrt(variance + self.epsilon)        # (groups, ch)
        shift = self.beta - mean * scale
        return x * tf.matmul(self._assign, scale) + tf.matmul(self._assign, shift)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "momentum": self.momentum,
                "epsilon": self.epsilon}
