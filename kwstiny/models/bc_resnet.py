"""BC-ResNet: broadcasted residual learning (Kim, Chang, Lee, Sung, 2021).

The spectrogram is treated as a time x frequency image. Each block has a 2-D part f2
(a frequency-wise 3x1 depthwise convolution with SubSpectralNorm) and a 1-D part f1:
the f2 output is averaged over frequency, passed through a dilated temporal depthwise
convolution, BN, swish and a pointwise convolution, then broadcast back over
frequency and added to the f2 output (and the block input, when the width does not
change). Transition blocks (width changes) start with a 1x1 convolution, BN, ReLU.

BC-ResNet-k scales the width: base = 8k channels, stages of 2, 2, 4, 4 blocks with
widths (2, 1, 1.5, 2, 2.5, 4) x base for the head, four stages and the classifier,
frequency stride 2 in the head and in stages 2 and 3, temporal dilation 1, 2, 4, 8.
Trainable parameters (the paper counts PyTorch parameters; BN moving statistics are
buffers there) for 12 labels on 40 mel bins, against the paper's table:
BC-ResNet-1 9,232 (9.2 K), -2 27,284 (27.3 K), -3 54,168 (54.2 K), -6 187,812 (188 K),
-8 321,068 (321 K); -1.5 has 17,154.

Everything exports to int8 builtins that TFLM runs: SubSpectralNorm folds to a
per-(frequency, channel) MUL and ADD at inference.
"""

from __future__ import annotations

from kwstiny.errors import check
from kwstiny.models.layers import frames_and_channels

# Builders import Keras (and bc_resnet_layers) when called, not when a spec file imports
# this module: loading a spec to run its .tflite must not need TensorFlow.


def __getattr__(name):
    # SubSpectralNorm lives in bc_resnet_layers (tf_keras at import); bc_resnet.SubSpectralNorm
    # and `from kwstiny.models.bc_resnet import SubSpectralNorm` load it on first use (PEP 562).
    if name == "SubSpectralNorm":
        from kwstiny.models.bc_resnet_layers import SubSpectralNorm
        return SubSpectralNorm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def BCResNet(input_shape, n_classes, scale=1.0, subspectral_groups=5, dropout=0.1,
             bn_momentum=0.99, name=None):
    """BC-ResNet-`scale` on a (frames, 1, channels) spectrogram; see the module docstring.
    `bn_momentum` 0.9 lets short runs (a few hundred steps) settle their statistics."""
    import tf_keras as keras

    check(scale > 0, "model.options", "scale", scale, "> 0 (BC-ResNet-1 is 1, -8 is 8)")
    check(0.0 <= dropout < 1.0, "model.options", "dropout", dropout, "0.0 <= dropout < 1.0")
    check(0.0 < bn_momentum < 1.0, "model.options", "bn_momentum", bn_momentum,
          "0.0 < bn_momentum < 1.0")
    frames, freq = frames_and_channels(input_shape, "BC-ResNet")
    base = int(round(8 * scale))
    widths = [base * 2, base, int(base * 1.5), base * 2, int(base * 2.5), base * 4]
    repeats = (2, 2, 4, 4)
    strided = (1, 2)
    layers = keras.layers

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Reshape((frames, freq, 1), name="image")(inputs)
    x = layers.Conv2D(widths[0], 5, strides=(1, 2), padding="same", use_bias=False,
                      name="head_conv")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name="head_bn")(x)
    x = layers.ReLU(name="head_relu")(x)
    for stage, count in enumerate(repeats):
        for block in range(count):
            stride = 2 if stage in strided and block == 0 else 1
            x = _block(x, widths[stage + 1], stage, stride, subspectral_groups, dropout,
                       bn_momentum, f"s{stage}b{block}")

    # Classifier: a 5x5 depthwise convolution that consumes the remaining frequency
    # bins (5 of them for 40-bin input), a pointwise widening, average over time.
    remaining = x.shape[2]
    x = layers.ZeroPadding2D(((2, 2), (0, 0)), name="classifier_pad")(x)
    x = layers.DepthwiseConv2D((5, min(5, remaining)), use_bias=False, name="classifier_dw")(x)
    x = layers.Conv2D(widths[-1], 1, use_bias=False, name="classifier_pw")(x)
    x = layers.BatchNormalization(momentum=bn_momentum, name="classifier_bn")(x)
    x = layers.ReLU(name="classifier_relu")(x)
    x = layers.AveragePooling2D((x.shape[1], x.shape[2]), name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    label = f"{scale:g}".replace(".", "_")
    return keras.Model(inputs, outputs, name=name or f"bc_resnet{label}")


def _block(x, width, stage, stride, groups, dropout, momentum, name):
    import tf_keras as keras

    from kwstiny.models.bc_resnet_layers import SubSpectralNorm

    layers = keras.layers
    transition = x.shape[-1] != width
    shortcut = x
    if transition:
        x = layers.Conv2D(width, 1, use_bias=False, name=f"{name}_transition")(x)
        x = layers.BatchNormalization(momentum=momentum, name=f"{name}_transition_bn")(x)
        x = layers.ReLU(name=f"{name}_transition_relu")(x)
    # f2: frequency-wise depthwise convolution + SubSpectralNorm
    x = layers.DepthwiseConv2D((1, 3), strides=(1, stride), padding="same", use_bias=False,
                               name=f"{name}_freq_dw")(x)
    x = SubSpectralNorm(groups, momentum=momentum, name=f"{name}_ssn")(x)
    aux = x
    # f1: average over frequency, dilated temporal depthwise, BN, swish, pointwise
    y = layers.AveragePooling2D((1, x.shape[2]), name=f"{name}_freq_pool")(x)
    y = layers.DepthwiseConv2D((3, 1), dilation_rate=(2 ** stage, 1), padding="same",
                               use_bias=False, name=f"{name}_time_dw")(y)
    y = layers.BatchNormalization(momentum=momentum, name=f"{name}_time_bn")(y)
    y = layers.Activation("swish", name=f"{name}_swish")(y)
    y = layers.Conv2D(width, 1, use_bias=False, name=f"{name}_pointwise")(y)
    if dropout:
        y = layers.SpatialDropout2D(dropout, name=f"{name}_dropout")(y)
    # Broadcast the (time, 1) result back over frequency.
    x = layers.Add(name=f"{name}_broadcast_add")([aux, y])
    if not transition:
        x = layers.Add(name=f"{name}_residual_add")([x, shortcut])
    return layers.ReLU(name=f"{name}_relu")(x)


def _preset(scale):
    def builder(input_shape, n_classes, subspectral_groups=5, dropout=0.1):
        return BCResNet(input_shape, n_classes, scale=scale,
                        subspectral_groups=subspectral_groups, dropout=dropout)
    label = f"{scale:g}".replace(".", "_")
    builder.__name__ = builder.__qualname__ = f"BCResNet{label}"
    builder.__doc__ = f"BC-ResNet-{scale:g}: base width {int(round(8 * scale))} channels."
    return builder


BCResNet1 = _preset(1)
BCResNet1_5 = _preset(1.5)
BCResNet2 = _preset(2)
BCResNet3 = _preset(3)
BCResNet6 = _preset(6)
BCResNet8 = _preset(8)
