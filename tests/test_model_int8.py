"""Every int8-capable family converts, runs on the TFLM runtime, and agrees with
LiteRT's reference kernels within one int8 step."""

import collections

import numpy as np
import pytest

import kwstiny  # noqa: F401
import tf_keras as keras

from kwstiny.models import bc_resnet, ds_cnn, kwt, simple
from kwstiny.quantize import convert_int8
from runtimes import max_lsb_difference, op_names

# Builtins the TFLM runtime in this environment registers, for the ops these families
# export to (GELU, for one, is not among TFLM's kernels; see kwstiny.models.kwt).
TFLM_OPS = {"ADD", "AVERAGE_POOL_2D", "BATCH_MATMUL", "CONCATENATION", "CONV_2D",
            "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "LOGISTIC", "MEAN", "MUL", "PAD",
            "RESHAPE", "RSQRT", "SOFTMAX", "SQUARED_DIFFERENCE", "STRIDED_SLICE", "SUB",
            "TANH", "TRANSPOSE"}

FAMILIES = {
    "kwt_time_postnorm": lambda: kwt.KWT((20, 1, 16), 4, num_layers=2, d_model=16, heads=2,
                                         mlp_dim=32),
    "kwt_patch_prenorm_distill": lambda: kwt.KWT((20, 1, 16), 4, attention="patch",
                                                 patch_size=(4, 8), num_layers=1, d_model=16,
                                                 heads=1, mlp_dim=32, prenorm=True,
                                                 distill_token=True),
    "kwt_both": lambda: kwt.KWT((12, 1, 8), 4, attention="both", num_layers=1, d_model=8,
                                heads=2, mlp_dim=16),
    "bc_resnet1": lambda: bc_resnet.BCResNet1((32, 1, 40), 4),
    "ds_cnn_s": lambda: ds_cnn.DSCNNSmall((49, 1, 10), 4),
    "simple": lambda: simple.Simple((49, 1, 10), 4),
}


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_int8_runs_on_tflm_and_matches_reference_kernels(family):
    model = FAMILIES[family]()
    rng = np.random.default_rng(0)
    shape = model.input_shape[1:]
    x = rng.normal(loc=2.0, scale=3.0, size=(24, *shape)).astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 4, len(x)), 4)
    # One short fit so norms carry real statistics and weights leave their init.
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)

    data = convert_int8(model, x[:16])
    ops = collections.Counter(op_names(data))
    assert set(ops) <= TFLM_OPS, set(ops) - TFLM_OPS
    assert max_lsb_difference(data, x[16:]) <= 1
