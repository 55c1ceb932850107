"""Keras layers of the streaming mechanism (kwstiny.models.streaming); they import
tf_keras, so builders and converters import this module, never a spec file."""

from __future__ import annotations

import tensorflow as tf
import tf_keras as keras

from kwstiny.errors import KwstinyError

MODES = ("window", "stream")


def time_kernel_and_stride(layer) -> tuple[int, int]:
    """(frames the layer reads for one output, frames between outputs) along time
    (axis 1): the kernel or pool size, dilation included, and the stride."""
    from kwstiny.models.tenet_layers import MultiScaleTemporalConv

    if isinstance(layer, MultiScaleTemporalConv):
        return max(layer.kernel_sizes), layer.strides
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)):
        kernel, dilation = layer.kernel_size[0], layer.dilation_rate[0]
        return (kernel - 1) * dilation + 1, layer.strides[0]
    if isinstance(layer, (keras.layers.AveragePooling2D, keras.layers.MaxPooling2D)):
        return layer.pool_size[0], layer.strides[0]
    raise KwstinyError(f"Stream cannot wrap {type(layer).__name__} ({layer.name!r}): it wraps "
                       "convolutions, depthwise convolutions, pooling and TENet's "
                       "multi-scale convolution")


@keras.utils.register_keras_serializable(package="kwstiny")
class Stream(keras.layers.Wrapper):
    """A temporal layer (time on axis 1, 'valid' padding) that runs on a whole window
    or on a stream of frame groups, with the same weights.

    The layer reads `kernel` frames for each output and moves `stride` frames between
    outputs; its last output always ends on the newest frame.

    - mode "window" (training, and the non-streaming reference): with `causal` the
      input gets kernel - stride zero frames in front, so every output sees only the
      frames up to its own; without (a pooling over the whole window) nothing is padded.
    - mode "stream": the last kernel - stride input frames are kept as state (a
      non-trainable variable, batch 1; TFLite makes it a resource variable) and put in
      front of each new group of frames instead of the zeros. The state starts at zero,
      so a stream from silence-as-zeros equals the causal window over the whole stream.

    When kernel < stride (a 1x1 strided shortcut) the first stride - kernel frames of
    each group are dropped instead: the outputs still end on each group's last frame.
    Window inputs and stream groups must be multiples of the stride.
    """

    def __init__(self, layer, mode="window", causal=True, **kwargs):
        if mode not in MODES:
            raise ValueError(f"Stream mode must be one of {MODES}: {mode!r}")
        kwargs.setdefault("name", f"{layer.name}_stream")
        super().__init__(layer, **kwargs)
        self.mode = mode
        self.causal = bool(causal)
        self.kernel, self.stride = time_kernel_and_stride(layer)
        self.keep = self.kernel - self.stride
        self.state = None

    def build(self, input_shape):
        frames = input_shape[1]
        if frames is not None and frames % self.stride and (self.causal or self.mode == "stream"):
            raise KwstinyError(f"layer {self.layer.name!r} moves {self.stride} frames per output "
                               f"but gets {frames}: window lengths and frames per invoke "
                               f"must be multiples of the model's strides")
        if self.mode == "stream" and self.keep > 0:
            if input_shape[0] not in (None, 1):
                raise KwstinyError("streaming graphs run one stream at a time (batch 1)")
            self.state = self.add_weight(
                name="state", shape=(1, self.keep) + tuple(input_shape[2:]),
                initializer="zeros", trainable=False)
        inner = list(input_shape)
        if self.mode == "stream" or self.causal:
            inner[1] = None if frames is None else frames + self.keep
        if not self.layer.built:
            self.layer.build(tuple(inner))
        super().build(input_shape)

    def call(self, inputs, training=None):
        if self.keep < 0:  # only the frames the strided outputs end on
            return self._inner(inputs[:, -self.keep:], training)
        if self.mode == "window":
            if self.causal and self.keep:
                inputs = tf.pad(inputs, [[0, 0], [self.keep, 0]] + [[0, 0]] * (inputs.shape.rank - 2))
            return self._inner(inputs, training)
        if not self.keep:
            return self._inner(inputs, training)
        buffer = tf.concat([self.state, inputs], axis=1)
        update = self.state.assign(buffer[:, -self.keep:])
        with tf.control_dependencies([update]):
            return self._inner(buffer, training)

    def _inner(self, x, training):
        if "training" in self.layer.call.__code__.co_varnames:
            return self.layer(x, training=training)
        return self.layer(x)

    def compute_output_shape(self, input_shape):
        inner = list(input_shape)
        if inner[1] is not None and (self.mode == "stream" or self.causal or self.keep < 0):
            inner[1] = inner[1] + self.keep
        return self.layer.compute_output_shape(tuple(inner))

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "causal": self.causal}


@keras.utils.register_keras_serializable(package="kwstiny")
class TimeSqueeze(keras.layers.Layer):
    """(batch, positions, 1, classes) -> (batch, classes) when one position is left (a
    training window, a streaming invoke), else (batch, positions, classes): the
    non-streaming reference over a long stream gives one output per invoke."""

    def call(self, inputs):
        positions, classes = inputs.shape[1], inputs.shape[-1]
        if positions == 1:
            return tf.reshape(inputs, (-1, classes))
        return tf.reshape(inputs, (-1, positions, classes))

    def compute_output_shape(self, input_shape):
        if input_shape[1] == 1:
            return (input_shape[0], input_shape[-1])
        return (input_shape[0], input_shape[1], input_shape[-1])
