"""kwstiny's host depthwise kernel (kwstiny/firmware/kernels/depthwise_conv_s8.c) gives the
tflite-micro runtime's int8 outputs byte for byte, on one-layer models covering the
TENet shapes, strides, SAME and VALID padding, fused ReLU/ReLU6 and channel counts
that do not fill its 64-channel blocks.

The kernel is compiled on its own (it needs no TFLM); the per-channel multipliers,
padding and activation range are derived from the .tflite the way TFLM's Prepare
derives them, so a difference in the kernel's arithmetic shows as differing bytes."""

from __future__ import annotations

import ctypes
import math
import shutil
import subprocess

import numpy as np
import pytest

from kwstiny.inference import TfliteModel
from kwstiny.paths import REPO_ROOT

KERNEL_SOURCE = REPO_ROOT / "kwstiny" / "firmware" / "kernels" / "depthwise_conv_s8.c"


class DwParams(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int32) for name in (
        "batches", "input_h", "input_w", "channels", "filter_h", "filter_w", "output_h",
        "output_w", "stride_h", "stride_w", "pad_h", "pad_w", "input_offset", "output_offset",
        "activation_min", "activation_max")]


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed (scripts/setup.sh installs build-essential)"
    library = tmp_path_factory.mktemp("kernel") / "libkws_dw.so"
    subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", str(library), str(KERNEL_SOURCE)],
                   check=True)
    lib = ctypes.CDLL(str(library))
    lib.kws_depthwise_conv_s8.restype = None
    lib.kws_requantize.restype = ctypes.c_int32
    lib.kws_requantize.argtypes = [ctypes.c_int32] * 3
    return lib


def _quantize_multiplier(value: float) -> tuple[int, int]:
    """TFLM's QuantizeMultiplier: value = multiplier * 2^shift / 2^31."""
    if value == 0.0:
        return 0, 0
    fraction, shift = math.frexp(value)
    fixed = math.floor(fraction * 2 ** 31 + 0.5)  # fraction > 0: round half away from zero
    if fixed == 2 ** 31:
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return fixed, shift


def _quantize(value: float, scale: float, zero_point: int) -> int:
    """TFLM's activation bound: float32 division, rounded half away from zero."""
    q = np.float32(value) / np.float32(scale)
    return zero_point + int(np.sign(q) * np.floor(np.abs(q) + np.float32(0.5)))


def _depthwise_model(input_shape, kernel_size, strides, padding, activation, seed):
    import tf_keras as keras

    from kwstiny.quantize import convert_int8

    keras.utils.set_random_seed(seed)
    x = keras.Input(input_shape)
    y = keras.layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding,
                                     activation=activation,
                                     bias_initializer=keras.initializers.RandomNormal(0, 0.3))(x)
    model = keras.Model(x, y)
    rng = np.random.default_rng(seed)
    representative = rng.normal(0.5, 1.0, size=(64,) + input_shape).astype(np.float32)
    return convert_int8(model, representative)


class Layer:
    """The kernel's arguments for a one-layer model, derived once: its constant tensors,
    and the per-channel multipliers, padding and activation range TFLM's Prepare computes."""

    def __init__(self, data: bytes, strides, padding, activation):
        from ai_edge_litert.interpreter import Interpreter

        interp = Interpreter(model_content=data)
        interp.allocate_tensors()
        inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
        tensors = interp.get_tensor_details()
        filt = next(t for t in tensors if t["dtype"] == np.int8 and len(t["shape"]) == 4
                    and t["index"] not in (inp["index"], out["index"]))
        bias = next(t for t in tensors if t["dtype"] == np.int32 and len(t["shape"]) == 1)
        self.weights = np.ascontiguousarray(interp.get_tensor(filt["index"]))
        self.biases = np.ascontiguousarray(interp.get_tensor(bias["index"]))
        in_scale, in_zero = inp["quantization"]
        out_scale, out_zero = out["quantization"]
        pairs = [_quantize_multiplier(float(np.float32(in_scale)) * float(s)
                                      / float(np.float32(out_scale)))
                 for s in filt["quantization_parameters"]["scales"]]
        self.multipliers = np.array([m for m, _ in pairs], dtype=np.int32)
        self.shifts = np.array([s for _, s in pairs], dtype=np.int32)

        _, in_h, in_w, channels = (int(d) for d in inp["shape"])
        _, out_h, out_w, _ = (int(d) for d in out["shape"])
        _, k_h, k_w, _ = (int(d) for d in self.weights.shape)
        self.output_shape = (out_h, out_w, channels)

        def pad(stride, size_in, k, size_out):
            return max(0, ((size_out - 1) * stride + k - size_in) // 2) if padding == "same" else 0

        low, high = -128, 127
        if activation in ("relu", "relu6"):
            low = max(low, _quantize(0.0, out_scale, out_zero))
        if activation == "relu6":
            high = min(high, _quantize(6.0, out_scale, out_zero))
        self.params = DwParams(1, in_h, in_w, channels, k_h, k_w, out_h, out_w,
                               strides[0], strides[1],
                               pad(strides[0], in_h, k_h, out_h), pad(strides[1], in_w, k_w, out_w),
                               -int(in_zero), int(out_zero), low, high)

    def run(self, lib, x: np.ndarray) -> np.ndarray:
        result = np.zeros(self.output_shape, dtype=np.int8)
        pointer = np.ctypeslib.as_ctypes
        lib.kws_depthwise_conv_s8(ctypes.byref(self.params),
                                  pointer(np.ascontiguousarray(x).reshape(-1)),
                                  pointer(self.weights.reshape(-1)), pointer(self.biases),
                                  pointer(self.multipliers), pointer(self.shifts),
                                  pointer(result.reshape(-1)))
        return result


CASES = {
    # TENet12's temporal depthwise layers: 9x1 over 96 channels, stride 1 and 2.
    "tenet_stride1": ((59, 1, 96), (9, 1), (1, 1), "same", "relu"),
    "tenet_stride2": ((118, 1, 96), (9, 1), (2, 2), "same", "relu"),
    # A 2-D filter, VALID padding, 70 channels (one full block and a partial one).
    "square_valid": ((13, 11, 70), (3, 3), (2, 2), "valid", None),
    "relu6_mixed_strides": ((10, 9, 8), (5, 3), (1, 2), "same", "relu6"),
}


@pytest.mark.parametrize("case", CASES)
def test_kernel_matches_the_tflm_runtime_byte_for_byte(kernel, case):
    input_shape, kernel_size, strides, padding, activation = CASES[case]
    data = _depthwise_model(input_shape, kernel_size, strides, padding, activation, seed=7)
    reference = TfliteModel(data)
    layer = Layer(data, strides, padding, activation)
    rng = np.random.default_rng(3)
    outputs = set()
    for _ in range(4):
        x = rng.integers(-128, 128, size=(1,) + input_shape, dtype=np.int8)
        want = reference.invoke_raw(x)
        got = layer.run(kernel, x).reshape(-1)
        assert got.tobytes() == want.tobytes(), f"{np.sum(got != want)} of {got.size} values differ"
        outputs.add(got.tobytes())
    assert len(outputs) == 4


def test_requantize_rounds_as_tflm_does(kernel):
    """Hand-checked cases of TFLM's double rounding (gemmlowp's): the doubling high
    multiply rounds ties up, the right shift rounds them away from zero, and a left
    shift applies before the multiply."""
    half = 1 << 30  # multiplier 0.5 in Q31
    assert kernel.kws_requantize(5, half, 0) == 3      # 2.5 -> 3
    assert kernel.kws_requantize(-5, half, 0) == -2    # -2.5 -> -2
    assert kernel.kws_requantize(6, half, -1) == 2     # 6 * 0.5 / 2 = 1.5 -> 2
    assert kernel.kws_requantize(-6, half, -1) == -2    # -1.5 -> -2
    assert kernel.kws_requantize(7, half, 2) == 14     # left shift first: 28 * 0.5
    assert kernel.kws_requantize(1000, 0, 0) == 0
    assert kernel.kws_requantize(-2 ** 31, -2 ** 31, 0) == 2 ** 31 - 1  # the one saturating case
