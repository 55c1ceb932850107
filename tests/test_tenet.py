"""TENet: the multi-scale temporal convolution merges exactly; the export matches the
reference layer sequence."""

import numpy as np
import tf_keras as keras
from ai_edge_litert.interpreter import Interpreter

from kwstiny.models import tenet
from kwstiny.models.layers import MultiScaleTemporalConv, export_model


def _trained_a_little(model, shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32,) + shape).astype(np.float32)
    y = np.eye(model.output_shape[-1])[rng.integers(0, model.output_shape[-1], 32)]
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)  # moves the batch-norm statistics
    return x


def test_merged_kernel_equals_the_branches():
    for stride in (1, 2):
        inputs = keras.Input((21, 1, 6))
        layer = MultiScaleTemporalConv((3, 5, 9), strides=stride)
        model = keras.Model(inputs, layer(inputs))
        x = _trained_a_little(keras.Sequential([model, keras.layers.Flatten(),
                                                keras.layers.Dense(2, activation="softmax")]),
                              (21, 1, 6))
        merged = export_model(model)
        assert not any(isinstance(l, MultiScaleTemporalConv) for l in merged.layers)
        np.testing.assert_allclose(model.predict(x, verbose=0), merged.predict(x, verbose=0),
                                   atol=1e-4)


def test_tenet12_exports_the_reference_layer_sequence(tenet12_int8):
    ops = [op["op_name"] for op in Interpreter(model_path=str(tenet12_int8))._get_ops_details()]
    assert len(ops) == 56
    block = ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D"]
    stride_block = block + ["CONV_2D", "ADD"]
    stage = stride_block + (block + ["ADD"]) * 3
    assert ops == ["CONV_2D"] + stage * 3 + ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED",
                                             "SOFTMAX"]
    assert tenet12_int8.stat().st_size <= 210_000


def test_tenet_sizes():
    assert 95_000 < export_model(tenet.TENet12((118, 1, 108), 2)).count_params() < 110_000
    assert export_model(tenet.TENet6((118, 1, 108), 2)).count_params() < 60_000
