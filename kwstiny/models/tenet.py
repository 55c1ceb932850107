"""TENet: temporal efficient networks for keyword spotting (Li et al., 2020).

Input is time x 1 x channels, so every convolution runs along time only. A 3x1
convolution widens the spectrogram to `channels`, then `stages` groups of inverted
bottleneck blocks follow: 1x1 expand (x`expansion`) + ReLU, k x 1 depthwise + ReLU,
1x1 project, residual add + ReLU. The first block of each stage has stride 2 and a
1x1 stride-2 shortcut. Global average pooling and a dense softmax finish.

The depthwise step is a multi-scale temporal convolution (kernels 3, 5, 7, 9 in
parallel) while training; `kwstiny.models.layers.export_model` merges it into one 9x1
kernel, so the exported graph is plain TENet.

With causal=True every temporal layer is wrapped for streaming
(kwstiny.models.streaming): convolutions pad causally (an output sees only frames up
to its own, residuals add the newest frame of each span), and the final pooling is a
Stream pooling over the window, so the trained model also gives a streaming graph that
computes only what each new group of frames adds. The window length must then be a
multiple of the total stride (8 frames with 3 stages, 16 with stem_stride=2).
"""

from __future__ import annotations

# Builders import Keras when called, not when a spec file imports them: loading a spec
# to run its .tflite must not need TensorFlow.


def TENet(input_shape, n_classes, blocks_per_stage=4, stages=3, channels=32, expansion=3,
          kernel_sizes=(3, 5, 7, 9), dropout=0.0, name="tenet", causal=False, stem_stride=1):
    """A TENet of `stages` x `blocks_per_stage` blocks; see the module docstring."""
    import tf_keras as keras

    from kwstiny.models.layers import frames_and_channels

    layers = keras.layers
    frames, _ = frames_and_channels(input_shape, "TENet")
    total_stride = stem_stride * 2 ** stages
    if causal and frames % total_stride:
        from kwstiny.errors import KwstinyError
        raise KwstinyError(f"causal TENet needs a window of a multiple of {total_stride} frames "
                           f"(its total stride); got {frames}")
    wrap, padding = _temporal(causal)
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = wrap(layers.Conv2D(channels, (3, 1), strides=(stem_stride, 1), padding=padding,
                           use_bias=False, name="stem"))(inputs)
    x = _norm(name="stem_bn")(x)
    for stage in range(stages):
        for block in range(blocks_per_stage):
            stride = 2 if block == 0 else 1
            x = _block(x, channels, expansion, kernel_sizes, stride, f"s{stage}b{block}", causal)
    # A pooling window over all remaining frames exports as AVERAGE_POOL_2D (the MVP
    # runs it); global pooling would export as MEAN.
    pool = layers.AveragePooling2D((x.shape[1], 1), name="pool")
    if causal:
        from kwstiny.models.streaming import stream
        x = stream(pool, causal=False)(x)
        if dropout:
            x = layers.Dropout(dropout, name="dropout")(x)
        # Per position, so the long-window reference keeps one output per invoke.
        x = layers.Dense(n_classes, activation="softmax", name="classifier")(x)
        from kwstiny.models.streaming_layers import TimeSqueeze
        return keras.Model(inputs, TimeSqueeze(name="outputs")(x), name=name)
    x = pool(x)
    x = layers.Flatten(name="flatten")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name=name)


def _temporal(causal):
    """(wrap, padding) for temporal layers: Stream wrappers and 'valid' when causal."""
    if not causal:
        return (lambda layer: layer), "same"
    from kwstiny.models.streaming import stream
    return stream, "valid"


def _norm(name):
    import tf_keras as keras

    # Momentum 0.9 (PyTorch's default) lets the moving statistics settle within a few
    # dozen steps; with Keras' 0.99 short runs evaluate with unsettled statistics.
    return keras.layers.BatchNormalization(momentum=0.9, name=name)


def _block(x, channels, expansion, kernel_sizes, stride, name, causal=False):
    import tf_keras as keras

    from kwstiny.models.tenet_layers import MultiScaleTemporalConv

    layers = keras.layers
    wrap, padding = _temporal(causal)
    y = layers.Conv2D(channels * expansion, 1, use_bias=False, name=f"{name}_expand")(x)
    y = _norm(name=f"{name}_expand_bn")(y)
    y = layers.ReLU(name=f"{name}_expand_relu")(y)
    y = wrap(MultiScaleTemporalConv(kernel_sizes, strides=stride, padding=padding,
                                    name=f"{name}_mtconv"))(y)
    y = layers.ReLU(name=f"{name}_mtconv_relu")(y)
    y = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_project")(y)
    y = _norm(name=f"{name}_project_bn")(y)
    shortcut = x
    if stride != 1:
        shortcut = wrap(layers.Conv2D(channels, 1, strides=(stride, 1), padding=padding,
                                      use_bias=False, name=f"{name}_shortcut"))(x)
        shortcut = _norm(name=f"{name}_shortcut_bn")(shortcut)
        shortcut = layers.ReLU(name=f"{name}_shortcut_relu")(shortcut)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.ReLU(name=f"{name}_relu")(y)


def TENet12(input_shape, n_classes, channels=32, kernel_sizes=(3, 5, 7, 9), dropout=0.0,
            causal=False, stem_stride=1):
    """12 blocks (3 stages of 4), 32 channels: about 100 K parameters."""
    return TENet(input_shape, n_classes, blocks_per_stage=4, channels=channels,
                 kernel_sizes=kernel_sizes, dropout=dropout, name="tenet12", causal=causal,
                 stem_stride=stem_stride)


def TENet6(input_shape, n_classes, channels=32, kernel_sizes=(3, 5, 7, 9), dropout=0.0,
           causal=False, stem_stride=1):
    """6 blocks (3 stages of 2), 32 channels: about 55 K parameters."""
    return TENet(input_shape, n_classes, blocks_per_stage=2, channels=channels,
                 kernel_sizes=kernel_sizes, dropout=dropout, name="tenet6", causal=causal,
                 stem_stride=stem_stride)


def TENet12Narrow(input_shape, n_classes, kernel_sizes=(3, 5, 7, 9), dropout=0.0,
                  causal=False, stem_stride=1):
    return TENet12(input_shape, n_classes, channels=16, kernel_sizes=kernel_sizes,
                   dropout=dropout, causal=causal, stem_stride=stem_stride)


def TENet6Narrow(input_shape, n_classes, kernel_sizes=(3, 5, 7, 9), dropout=0.0,
                 causal=False, stem_stride=1):
    return TENet6(input_shape, n_classes, channels=16, kernel_sizes=kernel_sizes,
                  dropout=dropout, causal=causal, stem_stride=stem_stride)
