"""Streaming int8 export: the streaming graph of a Stream-built model as full-int8
TFLite with its state in resource variables, quantized exactly like the same weights
run non-streaming.

Both graphs are calibrated by TFLite's own calibrator, then every activation's range
is replaced by the range the non-streaming training-window graph measured for the
layer that made it (layers keep their names in both graphs, kwstiny.models.streaming);
a state's range is the range of the frames it stores. The MLIR quantizer then gives
both graphs the same scales, so a streaming invoke computes the same int8 numbers as
the non-streaming graph at that position: equal outputs, bit for bit (tested on the
TFLM Python runtime).
"""

from __future__ import annotations

import numpy as np

from kwstiny import tflite
from kwstiny.errors import KwstinyError

# Ops whose output holds the same values as an input (state reads, buffer concatenation
# and slicing, reshapes, padding with zeros): their range is that input's range.
_SAME_RANGE_OPS = {"CONCATENATION", "STRIDED_SLICE", "SLICE", "RESHAPE", "PAD", "PADV2",
                   "READ_VARIABLE", "SQUEEZE", "EXPAND_DIMS"}
# The int8 features' identity quantization (DESIGN.md): the board feeds them unchanged.
_INT8_FEATURES_RANGE = (-128.0, 127.0)


def convert_streaming_int8(model, representative: np.ndarray, frames_per_invoke: int,
                           metadata: dict | None = None) -> bytes:
    """The streaming int8 .tflite of a trained Stream-built `model` (float training
    graph), calibrated on `representative` training windows (float32 of int8 feature
    values, shaped like the model input). Metadata gets `streaming` and
    `frames_per_invoke`."""
    from kwstiny.models.streaming import streaming_model

    ranges = layer_ranges(model, representative, frames_per_invoke)
    stream = streaming_model(model, frames_per_invoke)
    chunks = _stream_chunks(representative, frames_per_invoke)
    data = _quantize_with_ranges(stream, chunks, ranges)
    _check_identity_input(data)  # the frontend's int8 frames go in unchanged
    info = dict(metadata or {})
    info.update({"streaming": True, "frames_per_invoke": int(frames_per_invoke)})
    return tflite.write_metadata(data, info) if metadata is not None else data


def convert_window_int8(model, representative: np.ndarray, n_frames: int,
                        frames_per_invoke: int, ranges: dict | None = None) -> bytes:
    """The same weights non-streaming on n_frames frames (one output per invoke's worth
    of frames, kwstiny.models.streaming.window_model) in int8 with the same ranges as
    the streaming export: the parity reference."""
    from kwstiny.models.streaming import window_model

    ranges = ranges or layer_ranges(model, representative, frames_per_invoke)
    window = window_model(model, n_frames, frames_per_invoke)
    samples = np.asarray(representative, np.float32)
    tiles = -(-n_frames // samples.shape[1])
    long = np.concatenate([samples] * tiles, axis=1)[:, :n_frames][:4]
    return _quantize_with_ranges(window, [row[None] for row in long], ranges)


def _check_identity_input(data: bytes) -> None:
    graph = tflite.load_model(data).subgraphs[0]
    q = graph.tensors[graph.inputs[0]].quantization
    if abs(float(q.scale[0]) - 1.0) > 1e-6 or int(q.zeroPoint[0]) != 0:
        raise KwstinyError(f"streaming export: int8 features need an identity input "
                           f"quantization, got scale {q.scale[0]} zero point {q.zeroPoint[0]}")


def layer_ranges(model, representative: np.ndarray, frames_per_invoke: int) -> dict:
    """{(layer name, TFLite op): (min, max)} of every computed activation of the
    non-streaming graph on the training window, as TFLite's calibrator measures them
    on `representative`."""
    from kwstiny.models.streaming import window_model

    samples = np.asarray(representative, np.float32)
    if samples.ndim != len(model.inputs[0].shape) or len(samples) == 0:
        raise KwstinyError(f"representative windows must be shaped (n,) + "
                           f"{tuple(model.inputs[0].shape[1:])}; got {samples.shape}")
    window = window_model(model, samples.shape[1], frames_per_invoke)
    calibrated = tflite.load_model(
        _calibrate(window, [row[None] for row in _with_int8_corners(samples)]))
    names = [layer.name for layer in window.layers]
    graph = calibrated.subgraphs[0]
    ranges = {}
    for index, op_name in _producers(calibrated).items():
        if op_name in _SAME_RANGE_OPS or not _has_range(graph, index):
            continue
        key = (_layer_of(graph.tensors[index], names), op_name)
        q = graph.tensors[index].quantization
        ranges.setdefault(key, (float(q.min[0]), float(q.max[0])))
    return ranges


def _producers(model) -> dict:
    """{tensor index: name of the builtin op that writes it} of the main graph."""
    graph = model.subgraphs[0]
    return {out: _op_name(model, op) for op in graph.operators for out in (op.outputs or [])}


def _op_name(model, op) -> str:
    code = model.operatorCodes[op.opcodeIndex]
    number = max(code.builtinCode, code.deprecatedBuiltinCode)
    return _BUILTIN_NAMES.get(number, str(number))


_BUILTIN_NAMES = {value: name for name, value in vars(tflite.schema.BuiltinOperator).items()
                  if not name.startswith("_")}


def _has_range(graph, index) -> bool:
    q = graph.tensors[index].quantization
    return q is not None and q.min is not None and len(q.min) > 0


def _with_int8_corners(samples: np.ndarray) -> np.ndarray:
    corner = samples[0].copy().reshape(-1)
    corner[0], corner[-1] = _INT8_FEATURES_RANGE
    return np.concatenate([samples, corner.reshape((1,) + samples.shape[1:])])


def _stream_chunks(representative: np.ndarray, frames_per_invoke: int) -> list:
    samples = np.asarray(representative, np.float32)
    chunks = []
    for row in samples[:8]:
        for at in range(0, row.shape[0] - frames_per_invoke + 1, frames_per_invoke):
            chunks.append(row[None, at:at + frames_per_invoke])
    return chunks


def _converter(model, samples):
    import tensorflow as tf

    spec = tf.TensorSpec(tuple(int(d) for d in model.inputs[0].shape), tf.float32,
                         name=model.inputs[0].name.split(":")[0])
    function = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    converter._experimental_variable_quantization = True  # state as int8 variables

    def batches():
        for sample in samples:
            yield [np.asarray(sample, np.float32)]

    converter.representative_dataset = batches
    return converter


def _calibrate(model, samples) -> bytes:
    """The float model with TFLite's calibrated min/max on every tensor."""
    converter = _converter(model, samples)
    converter._experimental_calibrate_only = True
    return converter.convert()


def _quantize_with_ranges(model, samples, ranges: dict) -> bytes:
    import tensorflow as tf
    from tensorflow.lite.python.convert import mlir_quantize

    calibrated = tflite.load_model(_calibrate(model, samples))
    _assign_ranges(calibrated, [layer.name for layer in model.layers], ranges)
    return mlir_quantize(tflite.pack_model(calibrated), input_data_type=tf.int8,
                         output_data_type=tf.int8, enable_variable_quantization=True)


def _assign_ranges(model, names, ranges) -> None:
    """Overwrite every calibrated range of the main graph: the graph input gets the int8
    features' identity range, a layer's output the layer's range, data movement and
    state reads the range of what they move."""
    graph = model.subgraphs[0]
    producer = {out: op for op in graph.operators for out in (op.outputs or [])}
    assigned = {}  # VAR_HANDLE output tensor -> the tensor assigned to that variable
    for op in graph.operators:
        if _op_name(model, op) == "ASSIGN_VARIABLE":
            assigned[op.inputs[0]] = op.inputs[1]
    resolved = {index: _INT8_FEATURES_RANGE for index in graph.inputs}

    def range_of(index, depth=0):
        if index in resolved:
            return resolved[index]
        if depth > 256:
            raise KwstinyError("streaming export: a state's range depends on itself")
        op = producer.get(index)
        op_name = _op_name(model, op) if op is not None else None
        if op_name == "READ_VARIABLE":
            value = range_of(assigned[op.inputs[0]], depth + 1)
        elif op_name in _SAME_RANGE_OPS:
            sources = [i for i in op.inputs if i >= 0 and _has_range(graph, i)]
            value = range_of(sources[-1], depth + 1)
        else:
            key = (_layer_of(graph.tensors[index], names), op_name)
            if key not in ranges:
                raise KwstinyError(f"streaming export: the non-streaming graph has no range "
                                   f"for tensor {_text(graph.tensors[index].name)!r} "
                                   f"(layer {key[0]!r}, {op_name})")
            value = ranges[key]
        resolved[index] = value
        return value

    for index in range(len(graph.tensors)):
        if _has_range(graph, index):
            low, high = range_of(index)
            graph.tensors[index].quantization.min = [low]
            graph.tensors[index].quantization.max = [high]


def _text(name) -> str:
    return name.decode() if isinstance(name, bytes) else str(name)


def _layer_of(tensor, names) -> str | None:
    """The last (deepest in the graph) Keras layer named in a TFLite tensor's name:
    fused ops join their TF op names with ';' (conv;batch-norm;relu)."""
    text = _text(tensor.name)
    found = None
    order = {name: i for i, name in enumerate(names)}
    for part in text.split(";"):
        for piece in part.split("/"):
            if piece in order and (found is None or order[piece] > order[found]):
                found = piece
    return found
