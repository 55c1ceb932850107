"""Test models for the stream tests, made from the random-weight int8 TENet12 fixture
by editing its flatbuffer (no TensorFlow): a model whose scores are fixed, so the
detections a stream must produce can be worked out by hand."""

from __future__ import annotations

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from kwstiny import tflite


def _classifier(model):
    graph = model.subgraphs[0]

    def opcode(op):
        code = model.operatorCodes[op.opcodeIndex]
        return max(code.builtinCode, code.deprecatedBuiltinCode)

    return graph, [op for op in graph.operators
                   if opcode(op) == schema.BuiltinOperator.FULLY_CONNECTED][-1]


def softened_model(data: bytes, factor: float = 30.0) -> bytes:
    """`data` with its classifier's logits divided by `factor` (the weights' scale is
    cut): random weights saturate the softmax, a softened one gives scores that vary."""
    model = tflite.load_model(data)
    graph, fc = _classifier(model)
    weights = graph.tensors[fc.inputs[1]]
    weights.quantization.scale = list(np.asarray(weights.quantization.scale) / factor)
    return tflite.pack_model(model)


def constant_model(data: bytes, probabilities) -> bytes:
    """`data` with its classifier's weights zeroed and its bias set so the softmax
    always gives `probabilities` (to int8 precision), whatever the input."""
    model = tflite.load_model(data)
    graph, fc = _classifier(model)
    x, w = (graph.tensors[i] for i in fc.inputs[:2])
    out = graph.tensors[fc.outputs[0]]
    weights = model.buffers[w.buffer]
    weights.data = np.zeros(len(weights.data), np.uint8)
    # The logits land in a range the test chooses: scale 0.1, zero point 0 (+-12.7).
    out.quantization.scale = [0.1]
    out.quantization.zeroPoint = [0]
    logits = np.log(np.asarray(probabilities, np.float64))
    logits -= logits.max()
    bias_scale = np.float64(x.quantization.scale[0]) * np.asarray(w.quantization.scale, np.float64)
    bias = np.round(logits / bias_scale).astype(np.int32)
    # The converter drops an all-zero bias, so the bias tensor may have to be added.
    if len(fc.inputs) < 3 or fc.inputs[2] < 0:
        buffer = schema.BufferT()
        model.buffers.append(buffer)
        tensor = schema.TensorT()
        tensor.name, tensor.type, tensor.shape = b"test_bias", schema.TensorType.INT32, [len(bias)]
        tensor.buffer = len(model.buffers) - 1
        tensor.quantization = schema.QuantizationParametersT()
        graph.tensors.append(tensor)
        fc.inputs = list(fc.inputs[:2]) + [len(graph.tensors) - 1]
    b = graph.tensors[fc.inputs[2]]
    b.quantization.scale = list(bias_scale)
    b.quantization.zeroPoint = [0] * len(bias)
    model.buffers[b.buffer].data = np.frombuffer(bias.tobytes(), np.uint8)
    return tflite.pack_model(model)


def speech_over_noise(seconds: float, seed: int = 0, sample_rate: int = 16000,
                      text: str = "alexa, what time is it") -> np.ndarray:
    """A few words of espeak-ng speech over pink noise, float32 at `sample_rate`."""
    from kwstiny.data.noise import make_noise
    from kwstiny.data.synth import synthesize, voices

    voice = voices(("espeak-ng",))["espeak-ng"][0]
    speech = synthesize(text, voice, sample_rate)
    n = int(seconds * sample_rate)
    out = 0.05 * make_noise("pink", seconds, sample_rate, seed)[:n]
    at = min(n - len(speech), int(0.4 * n)) if len(speech) < n else 0
    out[at:at + len(speech)] += 0.6 * speech[: n - at]
    return np.clip(out, -1, 1).astype(np.float32)
