"""Tiny Keras models, converted to .tflite, that between them hold every op kind the
profile counts. Built once per test session (see conftest.py); each converts in seconds."""

from __future__ import annotations

import numpy as np

from kwstiny.tensorflow_quiet import use_legacy_keras

use_legacy_keras()  # Keras 2 before TensorFlow loads


def _convert(model, shape, int8: bool, int8_io: bool = True) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        rng = np.random.default_rng(0)

        def batches():
            for _ in range(8):
                yield [rng.uniform(-1, 1, (1, *shape)).astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = batches
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if int8_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
    return converter.convert()


def conv_model(int8: bool = True) -> bytes:
    """conv (bias, relu6), 1x1 conv, depthwise (stride 2), max and average pooling, add,
    mul, fully connected, reshape and softmax on a 16 x 4 x 3 input."""
    import tf_keras as keras

    layers = keras.layers
    inputs = keras.Input((16, 4, 3))
    x = layers.Conv2D(8, (3, 3), padding="same", activation="relu6", name="conv")(inputs)
    y = layers.Conv2D(8, 1, use_bias=False, name="pointwise")(x)
    x = layers.Add()([x, y])
    x = layers.Multiply()([x, y])
    x = layers.DepthwiseConv2D((5, 1), strides=(2, 1), padding="same", name="dw")(x)
    x = layers.MaxPooling2D((2, 2), name="maxpool")(x)
    x = layers.AveragePooling2D((4, 2), name="avgpool")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3, activation="softmax", name="dense")(x)
    model = keras.Model(inputs, outputs)
    _randomize(model)
    return _convert(model, (16, 4, 3), int8)


def sequence_model() -> bytes:
    """The pieces of a transformer block on a 6 x 8 sequence: layer norm (mean, squared
    difference, rsqrt, sub, mul, add), batch matmul, transpose, concatenation, strided
    slice, pad, gather, logistic and tanh; float input and output around int8 ops
    (quantize / dequantize)."""
    import tensorflow as tf
    import tf_keras as keras

    layers = keras.layers
    inputs = keras.Input((6, 8))
    x = layers.LayerNormalization(name="norm")(inputs)
    scores = layers.Lambda(lambda t: tf.matmul(t, t, transpose_b=True), name="bmm")(x)
    t = layers.Lambda(lambda t: tf.transpose(t, (0, 2, 1)), name="transpose")(scores)
    x = layers.Concatenate(axis=-1)([x, t])
    x = layers.Lambda(lambda t: t[:, 1:5, :], name="slice")(x)
    x = layers.Lambda(lambda t: tf.pad(t, ((0, 0), (1, 1), (0, 0))), name="pad")(x)
    x = layers.Lambda(lambda t: tf.gather(t, [0, 2, 3], axis=1), name="gather")(x)
    x = layers.Activation("sigmoid")(x) + layers.Activation("tanh")(x)
    model = keras.Model(inputs, x)
    _randomize(model)
    return _convert(model, (6, 8), int8=True, int8_io=False)


def _randomize(model) -> None:
    """Non-zero biases, so the converter keeps every bias tensor."""
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])


def with_custom_op(data: bytes, opcode: str, custom_code: str = "KwsMystery") -> bytes:
    """The model with every `opcode` operator turned into a custom op no runtime knows."""
    from ai_edge_litert import schema_py_generated as schema

    from kwstiny import tflite

    model = tflite.load_model(data)
    number = getattr(schema.BuiltinOperator, opcode.upper())
    for code in model.operatorCodes:
        if max(code.builtinCode, code.deprecatedBuiltinCode) == number:
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
            code.customCode = custom_code
    for op in model.subgraphs[0].operators:
        if model.operatorCodes[op.opcodeIndex].customCode == custom_code:
            op.builtinOptionsType, op.builtinOptions = 0, None
    return tflite.pack_model(model)

