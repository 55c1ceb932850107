"""Streaming: one model definition, two graphs (the idea of kws_streaming's Stream
wrapper, written for kwstiny).

A builder wraps each temporal layer (convolutions along time, strided or dilated, the
final pooling) in `stream(layer)`. The model it returns is the training graph: each
wrapped layer pads its input causally, so an output depends only on frames up to its
own. From that trained model:

- `streaming_model(model, frames_per_invoke)` is the inference graph that takes
  frames_per_invoke new frames per call and keeps, inside each wrapped layer, the last
  kernel - stride frames it has seen as state (TFLite resource variables once
  converted: VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE);
- `window_model(model, n_frames, frames_per_invoke)` is the same weights run
  non-streaming on n_frames at once, with one output per frames_per_invoke frames
  once the final pooling's window is full: the reference a streaming run must equal.

Both merge TENet's multi-scale branches into one depthwise kernel (as export_model
does) and share the training model's layer names, which is how the int8 converter
(kwstiny.streaming_export) gives both the same quantization.

This module imports TensorFlow only when a function runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kwstiny.errors import KwstinyError

if TYPE_CHECKING:  # annotations only
    import tf_keras as keras


def stream(layer, causal: bool = True):
    """`layer` (time on axis 1, 'valid' padding) wrapped for streaming; causal=False for
    a pooling over the whole training window (it pads nothing)."""
    from kwstiny.models.streaming_layers import Stream

    return Stream(layer, causal=causal)


def is_streamable(model: keras.Model) -> bool:
    """Whether the model was built with Stream layers (and so has a streaming graph)."""
    from kwstiny.models.streaming_layers import Stream

    return any(isinstance(layer, Stream) for layer in model.layers)


def total_stride(model: keras.Model) -> int:
    """Input frames per output position of the final (non-causal) pooling: how many new
    frames one more output of the streaming graph takes at least."""
    pool = _final_pool(model)
    frames = int(model.inputs[0].shape[1])
    positions = int(pool.input.shape[1])
    if positions < 1 or frames % positions:
        raise KwstinyError(f"model {model.name}: {frames} frames do not divide into "
                           f"{positions} pooled positions")
    return frames // positions


def check_frames_per_invoke(model: keras.Model, frames_per_invoke: int) -> int:
    """The final pooling's stride in output positions for this many frames per invoke;
    a clear error when the number does not fit the model's strides and pooling."""
    stride = total_stride(model)
    if frames_per_invoke < 1 or frames_per_invoke % stride:
        raise KwstinyError(f"frames_per_invoke {frames_per_invoke} must be a positive multiple "
                           f"of the model's total stride ({stride} frames)")
    step = frames_per_invoke // stride
    pool_size = _final_pool(model).kernel
    if pool_size % step:
        raise KwstinyError(f"frames_per_invoke {frames_per_invoke} gives {step} new pooled "
                           f"positions per invoke, which must divide the pooling window "
                           f"({pool_size} positions)")
    return step


def streaming_model(model: keras.Model, frames_per_invoke: int) -> keras.Model:
    """The streaming inference graph (batch 1, frames_per_invoke new frames a call,
    state inside); its state starts at zero."""
    return _rebuild(model, "stream", frames_per_invoke, frames_per_invoke)


def window_model(model: keras.Model, n_frames: int, frames_per_invoke: int) -> keras.Model:
    """The same weights, non-streaming, on n_frames frames (batch 1): outputs every
    frames_per_invoke frames once the pooling window is full (one for the training
    window), each equal to the streaming graph's output at that invoke."""
    if n_frames % frames_per_invoke:
        raise KwstinyError(f"n_frames {n_frames} must be a multiple of frames_per_invoke "
                           f"{frames_per_invoke}")
    return _rebuild(model, "window", n_frames, frames_per_invoke)


def warmup_invokes(model: keras.Model, frames_per_invoke: int) -> int:
    """Invokes before the streaming graph's pooling window holds only real frames: the
    window model's first output equals the streaming output of invoke number
    warmup_invokes (0-based)."""
    step = check_frames_per_invoke(model, frames_per_invoke)
    return _final_pool(model).kernel // step - 1


def _final_pool(model):
    from kwstiny.models.streaming_layers import Stream

    pools = [layer for layer in model.layers if isinstance(layer, Stream) and not layer.causal]
    if len(pools) != 1:
        raise KwstinyError(f"model {model.name} needs exactly one non-causal Stream pooling "
                           f"(its output window); it has {len(pools)}")
    return pools[0]


def _rebuild(model, mode: str, n_frames: int, frames_per_invoke: int):
    """A copy of `model` on (1, n_frames, ...) input with every Stream in `mode`, the
    final pooling striding frames_per_invoke frames, multi-scale branches merged."""
    import tf_keras as keras

    from kwstiny.models.streaming_layers import Stream
    from kwstiny.models.tenet_layers import MultiScaleTemporalConv

    if not is_streamable(model):
        raise KwstinyError(f"model {model.name} has no Stream layers: build it with a "
                           "streaming-capable builder (TENet causal=True, DilatedTCN)")
    step = check_frames_per_invoke(model, frames_per_invoke)
    merged = {}

    def clone(layer):
        if not isinstance(layer, Stream):
            return layer.__class__.from_config(layer.get_config())
        inner = layer.layer
        if isinstance(inner, MultiScaleTemporalConv):
            new_inner = keras.layers.DepthwiseConv2D(
                (max(inner.kernel_sizes), 1), strides=(inner.strides, 1), padding="valid",
                use_bias=True, name=inner.name)
            merged[layer.name] = inner.merged()
        else:
            config = inner.get_config()
            if not layer.causal:  # the output pooling: one output per invoke
                config["strides"] = (step,) + tuple(config["strides"][1:])
            new_inner = inner.__class__.from_config(config)
        return Stream(new_inner, mode=mode, causal=layer.causal, name=layer.name)

    shape = (n_frames,) + tuple(model.inputs[0].shape[2:])
    inputs = keras.Input(shape=shape, batch_size=1, name=model.inputs[0].name.split(":")[0])
    rebuilt = keras.models.clone_model(model, input_tensors=inputs, clone_function=clone)
    for layer in rebuilt.layers:
        source = model.get_layer(layer.name)
        if layer.name in merged:
            layer.layer.set_weights(list(merged[layer.name]))
        elif isinstance(layer, Stream):
            layer.layer.set_weights(source.layer.get_weights())
        else:
            layer.set_weights(source.get_weights())
    return rebuilt
