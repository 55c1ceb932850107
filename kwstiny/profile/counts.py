"""Operations and multiply-accumulates (MACs) per operator of a .tflite graph.

The convention follows MLTK's `summarize` table on the reference page (TENet12 alexa:
4.562 M MACs, 9.247 M ops), worked out from its per-layer numbers:

- convolutions and fully connected: MACs = outputs x taps (x input channels per group);
  ops = 2 per MAC + 1 per output when there is a bias. A fused activation costs nothing:
  in an int8 kernel it is the clamp every output goes through anyway. (MLTK's on-device
  profiler adds 2 ops per output for a fused ReLU, which gives 9.43 M on the same model.)
- add, sub, mul, div, minimum, maximum: 1 op per output element; squared_difference: 2.
- average pooling: (window + 1) ops per output (the sums and one divide); max pooling:
  window ops per output (compares).
- softmax: 5 ops per element (max, subtract, exp, sum, scale); log_softmax the same.
- mean / sum and other reductions: 1 op per input element, plus 1 per output for mean.
- element-wise functions: logistic, tanh 3 ops per element (exp, add, divide); exp, log,
  sqrt, rsqrt, abs, neg, square, relu 1; relu6, relu_n1_to_1, leaky_relu, prelu 2;
  hard_swish 4; gelu 6; quantize, dequantize and cast 1 per element.
- batch_matmul: MACs = outputs x inner dimension, ops = 2 per MAC.
- moving data (reshape, squeeze, expand_dims, concatenation, slices, pad, transpose,
  gather, split, pack, unpack, space/depth/batch rearrangements, shape, fill, zeros_like)
  costs 0 ops and 0 MACs, like MLTK's reshape row.

An operator not listed here is *unknown*: `count` returns None and the reports list it,
so a total never silently leaves a layer out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kwstiny.tflite import Operator


@dataclass(frozen=True)
class OpCount:
    ops: int
    macs: int


def count(op: Operator) -> OpCount | None:
    """Ops and MACs of one operator, or None when kwstiny has no rule for it."""
    rule = _RULES.get(op.opcode)
    return None if rule is None else rule(op)


def known(opcode: str) -> bool:
    return opcode in _RULES


def _out(op: Operator) -> int:
    return sum(t.size for t in op.outputs)


def _bias_ops(op: Operator, position: int = 2) -> int:
    return op.outputs[0].size if op.input(position) is not None else 0


def _conv(op: Operator) -> OpCount:
    # filter: [out_channels, kh, kw, in_channels / groups]
    _, kh, kw, cin = op.inputs[1].shape
    macs = op.outputs[0].size * kh * kw * cin
    return OpCount(2 * macs + _bias_ops(op), macs)


def _depthwise(op: Operator) -> OpCount:
    # filter: [1, kh, kw, out_channels]; each output reads kh x kw inputs of its channel
    _, kh, kw, _ = op.inputs[1].shape
    macs = op.outputs[0].size * kh * kw
    return OpCount(2 * macs + _bias_ops(op), macs)


def _transpose_conv(op: Operator) -> OpCount:
    # inputs: output_shape, filter [cout, kh, kw, cin], input, optional bias
    cout, kh, kw, _ = op.inputs[1].shape
    macs = op.inputs[2].size * kh * kw * cout
    return OpCount(2 * macs + _bias_ops(op, 3), macs)


def _fully_connected(op: Operator) -> OpCount:
    units, depth = op.inputs[1].shape[-2:]
    rows = op.inputs[0].size // depth
    macs = rows * depth * units
    return OpCount(2 * macs + _bias_ops(op), macs)


def _batch_matmul(op: Operator) -> OpCount:
    lhs = op.inputs[0].shape
    inner = lhs[-2] if op.options.get("adj_x") else lhs[-1]
    macs = op.outputs[0].size * inner
    return OpCount(2 * macs, macs)


def _window(op: Operator) -> int:
    return op.options["filter_height"] * op.options["filter_width"]


def _per_output(n: int) -> Callable[[Operator], OpCount]:
    return lambda op: OpCount(n * _out(op), 0)


def _per_input(n: int) -> Callable[[Operator], OpCount]:
    return lambda op: OpCount(n * op.inputs[0].size, 0)


def _free(op: Operator) -> OpCount:
    return OpCount(0, 0)


_RULES: dict[str, Callable[[Operator], OpCount]] = {
    "conv_2d": _conv,
    "depthwise_conv_2d": _depthwise,
    "transpose_conv": _transpose_conv,
    "fully_connected": _fully_connected,
    "batch_matmul": _batch_matmul,
    "average_pool_2d": lambda op: OpCount(_out(op) * (_window(op) + 1), 0),
    "max_pool_2d": lambda op: OpCount(_out(op) * _window(op), 0),
    "l2_pool_2d": lambda op: OpCount(_out(op) * (2 * _window(op) + 1), 0),
    "mean": lambda op: OpCount(op.inputs[0].size + _out(op), 0),
    "sum": _per_input(1),
    "reduce_max": _per_input(1),
    "reduce_min": _per_input(1),
    "reduce_prod": _per_input(1),
    "softmax": _per_output(5),
    "log_softmax": _per_output(5),
    "squared_difference": _per_output(2),
    "logistic": _per_output(3),
    "tanh": _per_output(3),
    "hard_swish": _per_output(4),
    "gelu": _per_output(6),
    "relu6": _per_output(2),
    "relu_n1_to_1": _per_output(2),
    "leaky_relu": _per_output(2),
    "prelu": _per_output(2),
    **{name: _per_output(1) for name in (
        "add", "sub", "mul", "div", "maximum", "minimum", "floor_div", "floor_mod", "pow",
        "add_n", "exp", "log", "sqrt", "rsqrt", "abs", "neg", "square", "relu", "floor",
        "ceil", "round", "sin", "cos", "quantize", "dequantize", "cast", "equal",
        "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
        "logical_or", "logical_not", "select", "select_v2", "arg_max", "arg_min",
        "l2_normalization", "cumsum")},
    **{name: _free for name in (
        "reshape", "squeeze", "expand_dims", "concatenation", "strided_slice", "slice",
        "pad", "padv2", "mirror_pad", "transpose", "gather", "gather_nd", "split",
        "split_v", "pack", "unpack", "space_to_depth", "depth_to_space",
        "space_to_batch_nd", "batch_to_space_nd", "shape", "fill", "zeros_like",
        "broadcast_to", "broadcast_args", "resize_nearest_neighbor", "reverse_v2",
        "embedding_lookup",
        # A streaming model's state (resource variables): handles and copies.
        "call_once", "var_handle", "read_variable", "assign_variable")},
}
