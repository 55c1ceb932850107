"""Streaming models: one definition, a training graph and a streaming graph that agree.

The key property: over a long stream, the streaming graph (state inside, a few new
frames per invoke) gives exactly what the same weights give run non-streaming over the
same frames, in float (Keras) and in int8 on the TFLM Python runtime.
"""

from __future__ import annotations

import numpy as np
import pytest

from kwstiny import tflite
from kwstiny.errors import KwstinyError

pytest.importorskip("tf_keras")

FRAMES, CHANNELS, CLASSES = 32, 12, 3


def randomized(model, seed=0):
    """Untrained weights with batch-norm statistics and a classifier scale that keep
    every layer (and the softmax) away from saturation, so outputs vary."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for weight in layer.weights:
            name = weight.name
            if "moving_variance" in name or "gamma" in name:
                weight.assign(rng.uniform(0.5, 1.5, weight.shape).astype(np.float32))
            elif "moving_mean" in name or "beta" in name:
                weight.assign(rng.normal(0, 0.3, weight.shape).astype(np.float32))
    x = rng.integers(-128, 128, (16, FRAMES, 1, CHANNELS)).astype(np.float32)
    logits_scale = np.abs(_logits(model, x)).max()
    kernel = model.get_layer("classifier").kernel
    kernel.assign(kernel.numpy() * (3.0 / logits_scale))
    return model


def _logits(model, x):
    import tf_keras as keras

    head = model.get_layer("classifier")
    inner = keras.Model(model.inputs, head.input)
    return inner(x, training=False).numpy() @ head.kernel.numpy()


def tiny_tenet(width_builder=None):
    from kwstiny.models import tenet

    if width_builder is None:
        return tenet.TENet((FRAMES, 1, CHANNELS), CLASSES, blocks_per_stage=2, stages=2,
                           channels=8, causal=True)
    return width_builder((FRAMES, 1, CHANNELS), CLASSES, causal=True)


def tiny_tcn():
    from kwstiny.models.tcn import DilatedTCN

    return DilatedTCN((FRAMES, 1, CHANNELS), CLASSES, channels=8, dilations=(1, 2, 4))


def stream_float(stream, frames, per_invoke):
    return np.concatenate([stream(frames[:, i:i + per_invoke], training=False).numpy()
                           for i in range(0, frames.shape[1], per_invoke)])


@pytest.mark.parametrize("build, per_invoke", [(tiny_tenet, 4), (tiny_tenet, 8),
                                               (tiny_tcn, 2), (tiny_tcn, 8)])
def test_float_streaming_equals_the_window_model_over_a_long_stream(build, per_invoke):
    from kwstiny.models.streaming import streaming_model, warmup_invokes, window_model

    model = randomized(build())
    n_frames = FRAMES + 10 * per_invoke
    rng = np.random.default_rng(1)
    frames = rng.integers(-128, 128, (1, n_frames, 1, CHANNELS)).astype(np.float32)
    reference = window_model(model, n_frames, per_invoke)(frames, training=False).numpy()[0]
    streamed = stream_float(streaming_model(model, per_invoke), frames, per_invoke)
    start = warmup_invokes(model, per_invoke)
    assert reference.shape == (len(streamed) - start, CLASSES)
    np.testing.assert_allclose(streamed[start:], reference, atol=1e-5)
    # From silence (zero state), the first full window is exactly the training graph.
    first = model(frames[:, :FRAMES], training=False).numpy()[0]
    np.testing.assert_allclose(streamed[FRAMES // per_invoke - 1], first, atol=1e-5)
    assert np.ptp(reference, axis=0).max() > 0.01  # the outputs move: the test can fail


@pytest.mark.parametrize("name", ["TENet6", "TENet6Narrow", "TENet12", "TENet12Narrow"])
def test_every_tenet_width_streams(name):
    from kwstiny.models import tenet
    from kwstiny.models.streaming import streaming_model, total_stride

    model = tiny_tenet(getattr(tenet, name))
    assert total_stride(model) == 8
    stream = streaming_model(model, 8)
    assert tuple(stream.inputs[0].shape) == (1, 8, 1, CHANNELS)
    assert tuple(stream.outputs[0].shape) == (1, CLASSES)
    # Only temporal layers keep state: the stem, each block's depthwise and the pooling.
    states = [w for w in stream.weights if "state" in w.name]
    blocks = 6 if "6" in name else 12
    assert len(states) == 1 + blocks + 1


def test_bad_frame_counts_are_clear_errors():
    from kwstiny.models import tenet
    from kwstiny.models.streaming import streaming_model, window_model

    model = tiny_tenet()
    with pytest.raises(KwstinyError, match="multiple of the model's total stride"):
        streaming_model(model, 6)
    with pytest.raises(KwstinyError, match="must divide the pooling window"):
        streaming_model(model, 24)  # 3 pooled positions per invoke, window of 8
    with pytest.raises(KwstinyError, match="multiple of frames_per_invoke"):
        window_model(model, 36, 8)
    with pytest.raises(KwstinyError, match="multiple of 8 frames"):
        tenet.TENet12((30, 1, CHANNELS), CLASSES, causal=True)
    with pytest.raises(KwstinyError, match="no Stream layers"):
        streaming_model(tenet.TENet6((FRAMES, 1, CHANNELS), CLASSES), 8)


def run_stream_tflm(blob: bytes, frames: np.ndarray, per_invoke: int) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime as tflm

    interpreter = tflm.Interpreter.from_bytes(blob, arena_size=1 << 20)
    outputs = []
    for at in range(0, frames.shape[1], per_invoke):
        interpreter.set_input(frames[:, at:at + per_invoke], 0)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0)).reshape(-1))
    return np.array(outputs)


def run_window_tflm(blob: bytes, frames: np.ndarray) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime as tflm

    interpreter = tflm.Interpreter.from_bytes(blob, arena_size=1 << 23)
    interpreter.set_input(frames, 0)
    interpreter.invoke()
    return np.array(interpreter.get_output(0)).reshape(-1, CLASSES)


@pytest.mark.slow
@pytest.mark.parametrize("build, per_invoke", [(tiny_tenet, 8), (tiny_tcn, 4)])
def test_int8_streaming_is_bit_exact_with_non_streaming_on_tflm(build, per_invoke):
    from kwstiny.models.streaming import warmup_invokes
    from kwstiny.streaming_export import (convert_streaming_int8, convert_window_int8,
                                          layer_ranges)

    model = randomized(build())
    rng = np.random.default_rng(2)
    calibration = rng.integers(-128, 128, (24, FRAMES, 1, CHANNELS)).astype(np.float32)
    ranges = layer_ranges(model, calibration, per_invoke)
    streaming = convert_streaming_int8(model, calibration, per_invoke,
                                       metadata={"name": "tiny", "classes": ["a", "b", "c"]})
    n_frames = FRAMES + 60 * per_invoke  # a long stream: 60 outputs after the warm-up
    reference_blob = convert_window_int8(model, calibration, n_frames, per_invoke, ranges)

    meta = tflite.read_metadata(streaming)
    assert meta["streaming"] is True and meta["frames_per_invoke"] == per_invoke
    ops = {op.opcode for op in tflite.read_graph(streaming).operators}
    assert {"var_handle", "read_variable", "assign_variable"} <= ops

    frames = rng.integers(-128, 128, (1, n_frames, 1, CHANNELS)).astype(np.int8)
    streamed = run_stream_tflm(streaming, frames, per_invoke)
    reference = run_window_tflm(reference_blob, frames)
    start = warmup_invokes(model, per_invoke)
    assert streamed.shape == (len(reference) + start, CLASSES)
    np.testing.assert_array_equal(streamed[start:], reference)   # bit-exact
    assert max(len(np.unique(column)) for column in reference.T) > 3  # not saturated
    # The state persists across invokes: a fresh interpreter per invoke differs.
    assert not np.array_equal(run_stream_tflm(streaming, frames[:, :per_invoke], per_invoke)[0],
                              streamed[-1])


def test_export_model_of_a_stream_built_model_is_its_merged_window_graph():
    from kwstiny.models.layers import export_model
    from kwstiny.models.tenet_layers import MultiScaleTemporalConv

    model = randomized(tiny_tenet())
    exported = export_model(model)
    inner = [getattr(layer, "layer", layer) for layer in exported.layers]
    assert not any(isinstance(layer, MultiScaleTemporalConv) for layer in inner)
    x = np.random.default_rng(6).integers(-128, 128, (1, FRAMES, 1, CHANNELS)).astype(np.float32)
    np.testing.assert_allclose(exported(x, training=False).numpy(),
                               model(x, training=False).numpy(), atol=1e-5)
