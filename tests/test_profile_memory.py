"""The tensor arena: the smallest that works, checked with the TFLM runtime itself."""

import subprocess
import sys

import pytest

from kwstiny.errors import KwstinyError
from kwstiny.profile.memory import measure_arena

# Runs the TFLM runtime once, outside kwstiny's probe: exit 0 when the model allocates and
# invokes with the given arena, 1 when the runtime refuses (a crash also counts as failing).
_RUN = """
import sys, numpy as np
from tflite_micro.python.tflite_micro import runtime
data = open(sys.argv[1], 'rb').read()
try:
    interpreter = runtime.Interpreter.from_bytes(data, arena_size=int(sys.argv[2]))
    details = interpreter.get_input_details(0)
    interpreter.set_input(np.zeros(details['shape'], details['dtype']), 0)
    interpreter.invoke()
except RuntimeError:
    sys.exit(1)
"""


def _runs(path, size: int) -> bool:
    done = subprocess.run([sys.executable, "-c", _RUN, str(path), str(size)],
                          capture_output=True, timeout=120)
    return done.returncode == 0


def test_arena_is_the_exact_minimum_the_runtime_accepts(conv_int8):
    arena = measure_arena(conv_int8)
    assert arena.reported == arena.bytes  # the runtime's own report at that size
    assert _runs(conv_int8, arena.bytes)
    assert not _runs(conv_int8, arena.bytes - 1)
    assert "allocate" in arena.below_error.lower()
    assert 0 < arena.bookkeeping_bytes < arena.bytes


def test_tenet12_arena(tenet12_int8):
    arena = measure_arena(tenet12_int8)
    # the model's largest pair of live activations (118x96 in, 59x96 out) is 17 KB; the
    # runtime needs its buffers plus per-channel quantization data and bookkeeping
    assert 40_000 < arena.bytes < 80_000
    assert arena.reported == arena.bytes
    assert _runs(tenet12_int8, arena.bytes) and not _runs(tenet12_int8, arena.bytes - 1)


def test_model_the_runtime_cannot_run_is_reported(custom_op_model):
    with pytest.raises(KwstinyError, match="KwsMystery|custom"):
        measure_arena(custom_op_model)


def test_runtime_code_adds_up_to_kernels_linked_together():
    from kwstiny.profile.memory import RUNTIME_CODE, runtime_code

    tenet = runtime_code(["conv_2d", "depthwise_conv_2d", "add", "average_pool_2d", "reshape",
                          "fully_connected", "softmax", "conv_2d"])
    measured = RUNTIME_CODE["framework"] + RUNTIME_CODE["linked_together"]["tenet12"]
    assert abs(tenet.bytes - measured) <= 0.02 * measured and not tenet.unmeasured
    block = runtime_code(["conv_2d", "fully_connected", "mean", "squared_difference", "rsqrt",
                          "sub", "mul", "add", "batch_matmul", "transpose", "reshape", "softmax"])
    measured = RUNTIME_CODE["framework"] + RUNTIME_CODE["linked_together"]["transformer_block"]
    assert measured <= block.bytes <= 1.10 * measured  # shared helpers counted twice
    odd = runtime_code(["conv_2d", "gelu"])
    assert odd.unmeasured == ("gelu",) and odd.bytes == runtime_code(["conv_2d"]).bytes
