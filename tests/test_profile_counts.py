"""Ops and MACs per operator kind, checked against numbers worked out by hand from the
layer configurations in tests/tiny_models.py (not from the converted graph)."""

from kwstiny import tflite
from kwstiny.profile.counts import count
from kwstiny.profile.report import si


def _by_kind(path):
    graph = tflite.read_graph(path)
    found = {}
    for op in graph.operators:
        found.setdefault(op.opcode, []).append(op)
    return graph, found


def test_convolution_family_and_pooling(conv_int8):
    _, ops = _by_kind(conv_int8)
    expected = {
        # 16x4x3 input, 8 filters 3x3 'same' with bias (relu6 fused: free in int8)
        ("conv_2d", 0): (2 * 16 * 4 * 8 * 9 * 3 + 16 * 4 * 8, 16 * 4 * 8 * 9 * 3),
        # 1x1 conv built without bias: the int8 converter gives it a zero bias tensor
        ("conv_2d", 1): (2 * 16 * 4 * 8 * 8 + 16 * 4 * 8, 16 * 4 * 8 * 8),
        ("add", 0): (16 * 4 * 8, 0),
        ("mul", 0): (16 * 4 * 8, 0),
        # 5x1 depthwise, stride 2 along time: 8x4x8 outputs, with bias
        ("depthwise_conv_2d", 0): (2 * 8 * 4 * 8 * 5 + 8 * 4 * 8, 8 * 4 * 8 * 5),
        # 2x2 max pooling: 4x2x8 outputs, 4 compares each
        ("max_pool_2d", 0): (4 * 2 * 8 * 4, 0),
        # 4x2 average pooling: 8 outputs, 8 sums + 1 divide each
        ("average_pool_2d", 0): (8 * (8 + 1), 0),
        ("reshape", 0): (0, 0),
        # 8 -> 3 dense with bias
        ("fully_connected", 0): (2 * 8 * 3 + 3, 8 * 3),
        ("softmax", 0): (5 * 3, 0),
    }
    for (kind, nth), (n_ops, n_macs) in expected.items():
        counted = count(ops[kind][nth])
        assert (counted.ops, counted.macs) == (n_ops, n_macs), kind


def test_transformer_pieces_and_data_movement(sequence_int8):
    graph, ops = _by_kind(sequence_int8)
    assert count(ops["quantize"][0]).ops == 6 * 8
    # the layer norm's pieces, as the converter lays them out
    for op in ops["squared_difference"]:
        assert count(op).ops == 2 * op.outputs[0].size
    for op in ops["mean"]:
        assert count(op).ops == op.inputs[0].size + op.outputs[0].size
    for op in ops["rsqrt"]:
        assert count(op).ops == op.outputs[0].size
    # (6x8) x (8x6): 36 outputs of 8 MACs
    bmm = count(ops["batch_matmul"][0])
    assert (bmm.ops, bmm.macs) == (2 * 36 * 8, 36 * 8)
    for kind in ("sub", "mul", "add"):
        assert all(count(op).ops == op.outputs[0].size for op in ops[kind])
    final = ops["logistic"][0].outputs[0].size
    assert count(ops["logistic"][0]).ops == 3 * final
    assert count(ops["tanh"][0]).ops == 3 * final
    assert count(ops["dequantize"][0]).ops == final
    for kind in ("transpose", "concatenation", "strided_slice", "pad", "gather", "reshape"):
        assert all(count(op).ops == 0 and count(op).macs == 0 for op in ops[kind]), kind
    # every operator of the graph has a rule
    assert all(count(op) is not None for op in graph.operators)


def test_unknown_op_is_not_counted_as_zero(custom_op_model):
    graph = tflite.read_graph(custom_op_model)
    custom = [op for op in graph.operators if op.opcode == "custom"]
    assert custom and custom[0].custom_code == "KwsMystery"
    assert count(custom[0]) is None


def test_tenet12_totals_and_layers_match_the_reference(tenet12_int8):
    from kwstiny.profile.reference import TOTAL_MACS, TOTAL_OPS, measured_layers

    graph = tflite.read_graph(tenet12_int8)
    counted = [count(op) for op in graph.operators]
    assert abs(sum(c.macs for c in counted) - TOTAL_MACS) <= 0.01 * TOTAL_MACS
    assert abs(sum(c.ops for c in counted) - TOTAL_OPS) <= 0.01 * TOTAL_OPS
    reference = measured_layers()
    assert [op.opcode for op in graph.operators] == [layer.opcode for layer in reference]
    for op, layer in zip(graph.operators, reference):
        assert op.outputs[0].shape == layer.op.outputs[0].shape, op.index
        assert op.inputs[0].shape == layer.op.inputs[0].shape, op.index
        # MLTK's per-layer MACs, as printed
        assert si(count(op).macs) == si(layer.macs), op.index
