"""Int8 models with random weights, for measuring what does not depend on the weights
(cost per inference, byte identity between runtimes) without a trained model."""

from __future__ import annotations


def random_tenet12_int8(spec, final_layer_scale: float = 1.0, calibration_count: int = 16,
                        seed: int | None = None) -> bytes:
    """A .tflite of TENet12 for `spec`'s input and classes, with int8 features, calibrated
    on uniform int8 noise and carrying the spec's metadata. `final_layer_scale` below 1
    shrinks the classifier's weights so the softmax is not saturated and outputs vary;
    `seed` fixes the weights (None: fresh ones each call)."""
    import numpy as np
    import tf_keras

    from kwstiny.models import tenet
    from kwstiny.quantize import convert_int8

    if seed is not None:
        tf_keras.utils.set_random_seed(seed)
    model = tenet.TENet12(spec.input_shape, len(spec.classes))
    if final_layer_scale != 1.0:
        dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"][-1]
        kernel, bias = dense.get_weights()
        dense.set_weights([kernel * final_layer_scale, bias])
    rng = np.random.default_rng(0)
    calibration = rng.integers(-128, 128, size=(calibration_count,) + spec.input_shape)
    return convert_int8(model, calibration.astype(np.float32), metadata=spec.metadata(),
                        int8_features=True)


def random_streaming_int8(spec, calibration_count: int = 16, seed: int | None = None) -> bytes:
    """The streaming .tflite (kwstiny.streaming_export) of `spec`'s streaming model with
    random weights, calibrated on uniform int8 noise windows, with the spec's metadata:
    for what does not depend on the weights (MACs, arena, speed)."""
    import numpy as np
    import tf_keras

    from kwstiny.errors import KwstinyError
    from kwstiny.streaming_export import convert_streaming_int8

    if not spec.streaming.enabled:
        raise KwstinyError(f"spec {spec.name} is not a streaming spec "
                           "(streaming.frames_per_invoke is 0)")
    if seed is not None:
        tf_keras.utils.set_random_seed(seed)
    model = spec.model.build(spec.input_shape, len(spec.classes))
    rng = np.random.default_rng(0)
    calibration = rng.integers(-128, 128, size=(calibration_count,) + spec.input_shape)
    return convert_streaming_int8(model, calibration.astype(np.float32),
                                  spec.streaming.frames_per_invoke, metadata=spec.metadata())
