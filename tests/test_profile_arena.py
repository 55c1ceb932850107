"""The tensor arena computed for a Cortex-M33 build (and the board's MVP build), checked
against the host runtime's own plan and records and against the firmware under QEMU."""

import pytest

from kwstiny import tflite
from kwstiny.profile.arena import arena, board_arena, memory_plan
from kwstiny.profile.memory import measure_arena
from kwstiny.profile.reference import with_fc_bias


@pytest.fixture(scope="module")
def measured(tenet12_int8):
    return measure_arena(tenet12_int8)


def test_memory_plan_is_the_runtimes(tenet12_int8, conv_int8, measured):
    assert memory_plan(tflite.read_graph(tenet12_int8)) == measured.head == 20768
    # a 3x3 convolution, mul, strided depthwise, max pooling, fully connected, softmax
    small = measure_arena(conv_int8)
    assert memory_plan(tflite.read_graph(conv_int8)) == small.head > 0
    host = arena(tflite.read_graph(conv_int8), "host64", recording=True)
    assert 0 <= small.reported - host.total <= 32 + 16
    for record in ("TfLiteEvalTensor data", "NodeAndRegistration struct",
                   "Persistent TfLiteTensor data", "Persistent TfLiteTensor quantization data"):
        assert host.records[record] == small.records[record], record


def test_host_sizes_reproduce_the_runtimes_records(tenet12_int8, measured):
    host = arena(tflite.read_graph(tenet12_int8), "host64", recording=True)
    for record in ("TfLiteEvalTensor data", "NodeAndRegistration struct",
                   "Persistent TfLiteTensor data", "Persistent TfLiteTensor quantization data"):
        assert host.records[record] == measured.records[record], record
    # alignment padding is booked where it falls; the sum is the runtime's to 16 bytes
    assert abs(host.records["Persistent buffer data"] - measured.records["Persistent buffer data"]) < 16
    # the runtime's wheel is a newer TFLM than the headers the sizes come from: its
    # allocator objects are 32 bytes larger
    assert 0 <= measured.reported - host.total <= 32 + 16


def test_cortex_m33_arena_is_what_the_firmware_measured_under_qemu(tenet12_int8):
    graph = tflite.read_graph(tenet12_int8)
    # kwstiny's firmware, TFLM reference kernels, QEMU mps2-an505 (firmware/README.md and
    # benchmarks/results/firmware_qemu.json)
    assert arena(graph).total == 51780          # this random-weight TENet12
    assert arena(with_fc_bias(graph)).total == 51796  # the trained alexa model's shapes
    # CMSIS-NN kernels: their OpData and the scratch buffers CMSIS-NN asks for
    assert arena(graph, kernels="cmsis_nn").total == 53604
    assert arena(with_fc_bias(graph), kernels="cmsis_nn").total == 53620


def test_struct_sizes_are_the_measured_ones():
    import json
    from pathlib import Path

    from kwstiny.profile import arena as module

    measured = json.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "tflm_struct_sizes"
                           / "struct_sizes.json").read_text())
    for abi in ("host64", "cortex_m33"):
        for name, size in module.STRUCT_SIZES[abi].items():
            assert list(size) == measured[abi][name], (abi, name)
    assert {k: v[0] for k, v in measured["mvp_cortex_m33"].items()} == module.MVP_OPDATA
    cmsis = {k[len("cmsis_nn_"):]: v[0] for k, v in measured["cortex_m33"].items()
             if k.startswith("cmsis_nn_")}
    for opcode, size in module.CMSIS_NN_OPDATA.items():
        kind = {"depthwise_conv_2d": "conv", "conv_2d": "conv", "average_pool_2d": "pooling",
                "max_pool_2d": "pooling"}.get(opcode, opcode)
        assert cmsis[kind] == size, opcode


def test_mvp_build_arena_is_what_the_board_reported(tenet12_int8):
    from kwstiny.profile.reference import TOTAL_RAM_BYTES

    graph = with_fc_bias(tflite.read_graph(tenet12_int8))
    mvp = arena(graph, kernels="mvp")
    assert abs(mvp.total - TOTAL_RAM_BYTES) <= 0.10 * TOTAL_RAM_BYTES
    # the MVP kernels keep float16 per-channel data instead of int32 pairs, but each
    # convolution's float16 copy of its input is planned in the head
    reference = arena(graph)
    assert mvp.tail < reference.tail and mvp.head > reference.head


def test_board_arena_refuses_what_it_cannot_compute(conv_float, sequence_int8):
    for model in (conv_float, sequence_int8):
        board = board_arena(tflite.read_graph(model), 0, "none")
        assert board["bytes"] is None and board["basis"]
    graph = tflite.read_graph(sequence_int8)
    with pytest.raises(KeyError, match="batch_matmul"):
        arena(graph)
    assert board_arena(graph, 0, "MVP")["bytes"] is None  # (it also has float layers)
