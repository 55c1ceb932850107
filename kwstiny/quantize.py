"""`kwstiny quantize`: full-integer (int8 in, int8 out) TFLite with kwstiny's metadata,
by post-training quantization or quantization-aware training (QAT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny import paths, tflite
from kwstiny.errors import KwstinyError
from kwstiny.progress import console
from kwstiny.spec import ModelSpec


def tflite_path(spec_name: str) -> Path:
    return paths.run_dir(spec_name) / f"{spec_name}.tflite"


def convert_int8(model, representative: np.ndarray, metadata: dict | None = None,
                 int8_features: bool = False) -> bytes:
    """Convert a Keras model to an int8 .tflite calibrated on `representative` inputs
    (float32, one row per sample). Multi-branch layers are merged first.

    With `int8_features` the inputs already are int8 spectrogram values: calibration is
    pinned to [-128, 127] so the model's input quantization is the identity (scale 1,
    zero point 0) and the board feeds its features unchanged."""
    import tensorflow as tf

    from kwstiny.models.layers import export_model

    exported = export_model(model)
    samples = np.asarray(representative, dtype=np.float32)
    if int8_features and len(samples):
        corner = samples[0].copy().reshape(-1)
        corner[0], corner[-1] = -128.0, 127.0
        samples = np.concatenate([samples, corner.reshape((1,) + samples.shape[1:])])

    def batches():
        for row in samples:
            yield [row[None]]

    if _needs_static_batch(exported):
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [_traced(exported, batch=1)], exported)
    else:
        converter = tf.lite.TFLiteConverter.from_keras_model(exported)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = batches
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    data = converter.convert()
    if int8_features:
        _check_identity_input(data)
    return tflite.write_metadata(data, metadata) if metadata else data


# Graph ops that exist only because the batch size is unknown: run-time shape
# bookkeeping (per-token dense layers, layer norm, Keras' Reshape) and the
# space-to-batch wrapping of dilated convolutions. TFLM lacks the first kind; the
# second exports as SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND around a plain convolution
# instead of one dilated convolution.
_BATCH_DEPENDENT = {"Shape", "SpaceToBatchND", "BatchToSpaceND"}


def _needs_static_batch(model) -> bool:
    """Whether the model's graph at a variable batch size has batch-dependent ops; if
    so it is converted from a trace at batch size one, where every shape is static.
    Other models convert as they are (TENet keeps its reference op sequence)."""
    types = {op.type for op in _traced(model, batch=None).graph.get_operations()}
    return bool(types & _BATCH_DEPENDENT)


def _traced(model, batch):
    import tensorflow as tf

    specs = [tf.TensorSpec((batch,) + tuple(t.shape[1:]), t.dtype, name=t.name.split(":")[0])
             for t in model.inputs]
    return tf.function(lambda *x: model(list(x) if len(x) > 1 else x[0], training=False)
                       ).get_concrete_function(*specs)


def _check_identity_input(data: bytes) -> None:
    model = tflite.load_model(data)
    graph = model.subgraphs[0]
    q = graph.tensors[graph.inputs[0]].quantization
    scale, zero = float(q.scale[0]), int(q.zeroPoint[0])
    if abs(scale - 1.0) > 1e-6 or zero != 0:
        raise KwstinyError(f"int8 features need an identity input quantization, got scale "
                           f"{scale} zero point {zero}")


def quantize(spec: ModelSpec, qat: bool | None = None, data=None) -> Path:
    """Write the spec's int8 .tflite (with metadata) into its run directory."""
    from kwstiny.data.pipeline import SpecData, representative
    from kwstiny.training.runs import load_trained_model

    qat = spec.quantize.qat if qat is None else qat
    if qat and spec.streaming.enabled:
        raise KwstinyError(f"{spec.name}: streaming export is post-training only; set "
                           "quantize.qat = False")
    model = load_trained_model(spec)
    if data is None:
        with SpecData(spec) as data:
            return quantize(spec, qat, data)
    calibration = representative(data, spec.quantize.representative_samples)
    if qat:
        from kwstiny.training.qat import quantization_aware_model
        model = quantization_aware_model(spec, model, data)
    console.print(f"quantizing {spec.name} to int8 ({'QAT' if qat else 'post-training'}, "
                  f"{len(calibration)} calibration samples)")
    if spec.streaming.enabled:
        from kwstiny.streaming_export import convert_streaming_int8
        blob = convert_streaming_int8(model, calibration, spec.streaming.frames_per_invoke,
                                      metadata=spec.metadata())
    else:
        blob = convert_int8(model, calibration, metadata=spec.metadata(),
                            int8_features=spec.frontend.int8_features)
    out = paths.write_bytes(tflite_path(spec.name), blob)
    console.print(f"wrote {out} ({len(blob) / 1000:.1f} kB)")
    return out
