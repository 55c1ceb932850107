"""DS-CNN: depthwise-separable CNN from "Hello Edge" (Zhang, Suda, Lai, Chandra, 2017).

A strided standard convolution (kernel 10 x 4 over time x frequency) + BN + ReLU, then
depthwise-separable layers (3x3 depthwise + BN + ReLU, 1x1 pointwise + BN + ReLU),
average pooling over what remains, and a dense classifier. Convolutions have no bias
(BN follows each), so the deployed graph, with BN folded in, has one bias per channel.

Sizes are the paper's S / M / L configurations (ARM ML-KWS-for-MCU train commands):
S: 64 channels, first stride (2, 2), 4 DS layers; M: 172 channels, first stride
(2, 1), 4 DS layers, the first with stride 2; L: 276 channels, as M with 5 DS layers.
The paper reports memory (8-bit weights + the largest layer's input + output
activations) for 49 x 10 MFCC input and 12 labels: S 38.6 KB, M 189.2 KB, L 497.6 KB.
With BN folded these builders have 22,604 / 135,032 / 410,700 weights and peak
activations 16,000 / 54,180 / 86,940 bytes: 38.6 / 189.2 / 497.6 KB.
"""

from __future__ import annotations

from kwstiny.errors import check
from kwstiny.models.layers import frames_and_channels

# Builders import Keras when called, not when a spec file imports this module:
# loading a spec to run its .tflite must not need TensorFlow.


def DSCNN(input_shape, n_classes, channels=64, first_kernel=(10, 4), first_stride=(2, 2),
          strides=(1, 1, 1, 1), dropout=0.0, name="ds_cnn"):
    """A DS-CNN with one DS layer per entry of `strides` (each 1 or 2 in both axes)."""
    import tf_keras as keras

    check(channels >= 1, "model.options", "channels", channels, ">= 1")
    check(len(strides) >= 1 and all(s in (1, 2) for s in strides), "model.options",
          "strides", strides, "one stride (1 or 2) per depthwise-separable layer")
    check(0.0 <= dropout < 1.0, "model.options", "dropout", dropout, "0.0 <= dropout < 1.0")
    frames, freq = frames_and_channels(input_shape, "DS-CNN")
    layers = keras.layers
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Reshape((frames, freq, 1), name="image")(inputs)
    x = layers.Conv2D(channels, tuple(first_kernel), strides=tuple(first_stride),
                      padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(name="conv_bn")(x)
    x = layers.ReLU(name="conv_relu")(x)
    for i, stride in enumerate(strides):
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False,
                                   name=f"ds{i}_dw")(x)
        x = layers.BatchNormalization(name=f"ds{i}_dw_bn")(x)
        x = layers.ReLU(name=f"ds{i}_dw_relu")(x)
        x = layers.Conv2D(channels, 1, use_bias=False, name=f"ds{i}_pw")(x)
        x = layers.BatchNormalization(name=f"ds{i}_pw_bn")(x)
        x = layers.ReLU(name=f"ds{i}_pw_relu")(x)
    # A pooling window over the whole map exports as AVERAGE_POOL_2D (not MEAN).
    x = layers.AveragePooling2D((x.shape[1], x.shape[2]), name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name=name)


def DSCNNSmall(input_shape, n_classes, dropout=0.0):
    """DS-CNN S: 64 channels, 4 DS layers (38.6 KB in Hello Edge)."""
    return DSCNN(input_shape, n_classes, 64, (10, 4), (2, 2), (1, 1, 1, 1), dropout,
                 name="ds_cnn_s")


def DSCNNMedium(input_shape, n_classes, dropout=0.0):
    """DS-CNN M: 172 channels, 4 DS layers (189.2 KB in Hello Edge)."""
    return DSCNN(input_shape, n_classes, 172, (10, 4), (2, 1), (2, 1, 1, 1), dropout,
                 name="ds_cnn_m")


def DSCNNLarge(input_shape, n_classes, dropout=0.0):
    """DS-CNN L: 276 channels, 5 DS layers (497.6 KB in Hello Edge)."""
    return DSCNN(input_shape, n_classes, 276, (10, 4), (2, 1), (2, 1, 1, 1, 1), dropout,
                 name="ds_cnn_l")
