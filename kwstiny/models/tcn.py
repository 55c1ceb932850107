"""DilatedTCN: a small temporal convolutional network made for streaming.

Input is time x 1 x channels. A strided 3x1 convolution widens the spectrogram to
`channels` at half the frame rate; residual blocks follow, each a causal k x 1
depthwise convolution dilated by 1, 2, 4, ... (the receptive field doubles per block
for the cost of one depthwise tap set) + ReLU, a 1x1 pointwise convolution, residual
add + ReLU. An average over the window's positions and a dense softmax finish.

Every temporal layer is a kwstiny.models.streaming Stream, so the trained model gives
a streaming graph (kwstiny.models.streaming.streaming_model) whose work per new frame
is one frame's worth of each layer: about 1 M MACs per second of audio at 32 channels
on 108 mel channels with the default eight blocks.
"""

from __future__ import annotations


def DilatedTCN(input_shape, n_classes, channels=32, kernel_size=5,
               dilations=(1, 2, 4, 8, 1, 2, 4, 8), stem_stride=2, dropout=0.0,
               name="dilated_tcn"):
    """See the module docstring; the window must be a multiple of stem_stride frames."""
    import tf_keras as keras

    from kwstiny.errors import KwstinyError
    from kwstiny.models.layers import frames_and_channels
    from kwstiny.models.streaming import stream
    from kwstiny.models.streaming_layers import TimeSqueeze

    frames, _ = frames_and_channels(input_shape, "DilatedTCN")
    if frames % stem_stride:
        raise KwstinyError(f"DilatedTCN needs a window of a multiple of stem_stride "
                           f"({stem_stride}) frames; got {frames}")
    if kernel_size < 2 or any(d < 1 for d in dilations):
        raise KwstinyError(f"DilatedTCN needs kernel_size >= 2 and dilations >= 1; got "
                           f"{kernel_size}, {tuple(dilations)}")
    layers = keras.layers
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = stream(layers.Conv2D(channels, (3, 1), strides=(stem_stride, 1), padding="valid",
                             use_bias=False, name="stem"))(inputs)
    x = _norm("stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for i, dilation in enumerate(dilations):
        y = stream(layers.DepthwiseConv2D((kernel_size, 1), dilation_rate=(dilation, 1),
                                          padding="valid", use_bias=False,
                                          name=f"b{i}_dw"))(x)
        y = _norm(f"b{i}_dw_bn")(y)
        y = layers.ReLU(name=f"b{i}_dw_relu")(y)
        y = layers.Conv2D(channels, 1, use_bias=False, name=f"b{i}_pw")(y)
        y = _norm(f"b{i}_pw_bn")(y)
        x = layers.Add(name=f"b{i}_add")([x, y])
        x = layers.ReLU(name=f"b{i}_relu")(x)
    x = stream(layers.AveragePooling2D((x.shape[1], 1), name="pool"), causal=False)(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, TimeSqueeze(name="outputs")(x), name=name)


def _norm(name):
    import tf_keras as keras

    return keras.layers.BatchNormalization(momentum=0.9, name=name)
