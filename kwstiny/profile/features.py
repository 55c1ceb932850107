"""The sizes of one operator that its run time depends on, for the target cost models.

`valid_macs` counts only the multiply-accumulates that touch real input: a kernel does
not compute the taps that fall on 'same' padding. On the reference profile this is what
makes the depthwise cycles line up (a 9-tap kernel over 15 frames loses 15 % of its
MACs to padding, over 59 frames only 4 %).
"""

from __future__ import annotations

from dataclasses import dataclass

from kwstiny.profile.counts import count
from kwstiny.tflite import Operator


@dataclass(frozen=True)
class Features:
    macs: int          # MACs as counted in reports (padding taps included)
    valid_macs: int    # MACs on real input
    inputs: int        # elements of the non-constant inputs
    outputs: int       # output elements
    taps: int          # kernel (or pooling window) height x width, 1 for other ops
    positions: int     # output positions: output elements / output channels
    im2col: int        # input elements gathered per output position x positions
    weights: int       # elements of the weight (filter) tensor


def features(op: Operator) -> Features:
    counted = count(op)
    macs = counted.macs if counted is not None else 0
    inputs = sum(t.size for t in op.inputs if t is not None and not t.constant)
    outputs = sum(t.size for t in op.outputs)
    shape = op.outputs[0].shape if op.outputs else ()
    positions = outputs // shape[-1] if shape and shape[-1] else outputs
    taps, valid, im2col = 1, macs, 0
    if op.opcode in ("conv_2d", "depthwise_conv_2d") and len(op.inputs[0].shape) == 4:
        _, kh, kw, depth = op.inputs[1].shape
        taps = kh * kw
        depth = depth if op.opcode == "conv_2d" else op.inputs[0].shape[-1]
        valid = _valid_macs(op, kh, kw, depth if op.opcode == "conv_2d" else 1)
        im2col = positions * taps * depth
    elif op.opcode in ("average_pool_2d", "max_pool_2d"):
        taps = op.options["filter_height"] * op.options["filter_width"]
    filters = op.input(1) if op.opcode in _WEIGHTED else None
    return Features(macs=macs, valid_macs=valid, inputs=inputs, outputs=outputs, taps=taps,
                    positions=positions, im2col=im2col,
                    weights=filters.size if filters is not None else 0)


_WEIGHTED = ("conv_2d", "depthwise_conv_2d", "fully_connected", "transpose_conv")


def _valid_macs(op: Operator, kh: int, kw: int, depth: int) -> int:
    batch, height, width, _ = op.inputs[0].shape
    _, out_h, out_w, out_c = op.outputs[0].shape
    o = op.options
    same = o.get("padding") == "same"
    rows = _valid_taps(height, out_h, kh, o.get("stride_h", 1), o.get("dilation_h_factor", 1), same)
    cols = _valid_taps(width, out_w, kw, o.get("stride_w", 1), o.get("dilation_w_factor", 1), same)
    return batch * rows * cols * out_c * depth


def _valid_taps(size: int, out: int, kernel: int, stride: int, dilation: int, same: bool) -> int:
    """Sum over output positions of the kernel taps that land inside the input (one axis)."""
    before = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0) // 2 if same else 0
    total = 0
    for position in range(out):
        start = position * stride - before
        total += sum(1 for tap in range(kernel) if 0 <= start + tap * dilation < size)
    return total
