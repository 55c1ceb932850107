"""Full-integer (int8 in, int8 out) TFLite conversion with kwstiny's metadata."""

from __future__ import annotations

import numpy as np

from kwstiny import tflite


def convert_int8(model, representative: np.ndarray, metadata: dict | None = None) -> bytes:
    """Convert a Keras model to an int8 .tflite calibrated on `representative` inputs
    (float32, one row per sample). Multi-branch layers are merged first."""
    import tensorflow as tf

    from kwstiny.models.layers import export_model

    exported = export_model(model)
    samples = np.asarray(representative, dtype=np.float32)

    def batches():
        for row in samples:
            yield [row[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(exported)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = batches
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    data = converter.convert()
    return tflite.write_metadata(data, metadata) if metadata else data
