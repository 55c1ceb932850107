"""TENet's Keras layer: the multi-scale temporal convolution. It imports tf_keras, so
only builders (tenet._block) and conversion code import this module, never a spec file;
`kwstiny.models.layers.MultiScaleTemporalConv` still reaches it, lazily."""

from __future__ import annotations

import numpy as np
import tf_keras as keras


@keras.utils.register_keras_serializable(package="kwstiny")
class MultiScaleTemporalConv(keras.layers.Layer):
    """Parallel depthwise temporal convolutions (kernel k x 1 for each k), each with its
    own batch norm, summed. Linear in the input once the norms use their moving
    statistics, so `merged()` folds every branch into one depthwise kernel of the
    largest size: smaller kernels sit centred inside it ('same' padding keeps the
    centres aligned for any stride, since the sizes differ by even amounts)."""

    def __init__(self, kernel_sizes=(3, 5, 7, 9), strides=1, padding="same", **kwargs):
        super().__init__(**kwargs)
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        if any(k % 2 == 0 for k in self.kernel_sizes):
            raise ValueError(f"MultiScaleTemporalConv kernel sizes must be odd: {kernel_sizes}")
        if padding not in ("same", "valid"):
            raise ValueError(f"MultiScaleTemporalConv padding must be 'same' or 'valid': {padding}")
        self.strides = int(strides)
        # "valid" (inside a kwstiny.models.streaming Stream wrapper, which pads causally):
        # every branch ends on the newest frame, so smaller kernels see only the last
        # frames of the largest one's span.
        self.padding = padding
        self.convs = [keras.layers.DepthwiseConv2D((k, 1), strides=(self.strides, 1),
                                                   padding=padding, use_bias=False,
                                                   name=f"dw{k}") for k in self.kernel_sizes]
        self.norms = [keras.layers.BatchNormalization(momentum=0.9, name=f"bn{k}")
                      for k in self.kernel_sizes]

    def call(self, inputs, training=None):
        out = None
        size = max(self.kernel_sizes)
        for k, conv, norm in zip(self.kernel_sizes, self.convs, self.norms):
            x = inputs[:, size - k:] if self.padding == "valid" and k < size else inputs
            branch = norm(conv(x), training=training)
            out = branch if out is None else out + branch
        return out

    def get_config(self):
        return {**super().get_config(), "kernel_sizes": self.kernel_sizes,
                "strides": self.strides, "padding": self.padding}

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        """One (K, 1, C, 1) depthwise kernel and a (C,) bias equal to the whole layer."""
        size = max(self.kernel_sizes)
        channels = self.convs[0].depthwise_kernel.shape[2]
        kernel = np.zeros((size, 1, channels, 1), np.float32)
        bias = np.zeros((channels,), np.float32)
        for k, conv, norm in zip(self.kernel_sizes, self.convs, self.norms):
            gamma, beta, mean, var = (w.numpy() for w in (norm.gamma, norm.beta,
                                                           norm.moving_mean,
                                                           norm.moving_variance))
            scale = gamma / np.sqrt(var + norm.epsilon)
            start = (size - k) // 2 if self.padding == "same" else size - k
            kernel[start:start + k] += conv.depthwise_kernel.numpy() * scale[None, None, :, None]
            bias += beta - mean * scale
        return kernel, bias
