"""KWT's Keras layers: the tanh GELU, the class/distillation tokens with position
embedding, and multi-head self-attention (see kwstiny.models.kwt). This module imports
tf_keras, so only the KWT builders (when called) and training code import it; the
classes stay reachable as kwstiny.models.kwt.GeluTanh etc., lazily."""

from __future__ import annotations

import math

import tf_keras as keras

# The reference initialises every projection from a truncated normal of this std.
_TRUNC_STD = 0.02


def _init():
    return keras.initializers.TruncatedNormal(stddev=_TRUNC_STD)


@keras.utils.register_keras_serializable(package="kwstiny")
class GeluTanh(keras.layers.Layer):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), written so that the converter
    keeps elementwise ops instead of fusing it into GELU (absent from TFLM)."""

    def call(self, x):
        import tensorflow as tf
        inner = x + 0.044715 * x * x * x
        return 0.5 * x * (1.0 + tf.math.tanh(math.sqrt(2.0 / math.pi) * inner))


@keras.utils.register_keras_serializable(package="kwstiny")
class TokenEmbedding(keras.layers.Layer):
    """Puts `n_tokens` learned tokens in front of the patch embeddings and adds a
    learned position embedding. The tokens enter as zero rows (a PAD) plus a constant,
    so the exported graph has no batch-size-dependent ops."""

    def __init__(self, n_tokens=1, **kwargs):
        super().__init__(**kwargs)
        self.n_tokens = int(n_tokens)

    def build(self, input_shape):
        n_patches, d_model = int(input_shape[1]), int(input_shape[2])
        self.tokens = self.add_weight("tokens", shape=(self.n_tokens, d_model),
                                      initializer=_init())
        self.position = self.add_weight("position", shape=(n_patches + self.n_tokens, d_model),
                                        initializer=_init())
        super().build(input_shape)

    def call(self, x):
        import tensorflow as tf
        x = tf.pad(x, [[0, 0], [self.n_tokens, 0], [0, 0]])
        n_patches = x.shape[1] - self.n_tokens
        token_rows = tf.pad(self.tokens, [[0, n_patches], [0, 0]])
        return x + (self.position + token_rows)[None]

    def get_config(self):
        return {**super().get_config(), "n_tokens": self.n_tokens}


@keras.utils.register_keras_serializable(package="kwstiny")
class SelfAttention(keras.layers.Layer):
    """Multi-head self-attention: bias-free query/key/value projections, scaled dot
    products, softmax over keys, and an output projection with bias."""

    def __init__(self, d_model, heads, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads = int(d_model), int(heads)
        self.head_dim = self.d_model // self.heads
        dense = keras.layers.Dense
        self.query = dense(self.d_model, use_bias=False, kernel_initializer=_init(), name="query")
        self.key = dense(self.d_model, use_bias=False, kernel_initializer=_init(), name="key")
        self.value = dense(self.d_model, use_bias=False, kernel_initializer=_init(), name="value")
        self.combine = dense(self.d_model, kernel_initializer=_init(), name="combine")

    def _split(self, x):
        import tensorflow as tf
        if self.heads == 1:
            return x
        x = tf.reshape(x, (-1, x.shape[1], self.heads, self.head_dim))
        return tf.transpose(x, (0, 2, 1, 3))

    def call(self, x):
        import tensorflow as tf
        n = x.shape[1]
        q = self._split(self.query(x) * (1.0 / math.sqrt(self.head_dim)))
        k = self._split(self.key(x))
        v = self._split(self.value(x))
        weights = tf.nn.softmax(tf.matmul(q, k, transpose_b=True), axis=-1)
        out = tf.matmul(weights, v)
        if self.heads > 1:
            out = tf.reshape(tf.transpose(out, (0, 2, 1, 3)), (-1, n, self.d_model))
        return self.combine(out)

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads}
