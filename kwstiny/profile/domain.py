"""What each cost model was fitted on, and whether a layer lies outside it.

A layer is an extrapolation when its op had no measured row of its own (it borrows
another op's coefficients), its kernel shape was never measured, its channel count lies
outside the measured range (or is odd, for the MVP: it then runs one value per step), or
its size lies outside the sizes measured. `profile` marks such layers in its table and
JSON: the leave-one-shape-out errors (`fit.leave_one_shape_out_*`) say how far the
models are off inside the measured data, and nothing about outside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from kwstiny.profile.features import features
from kwstiny.tflite import Operator


@dataclass(frozen=True)
class Domain:
    """The layers one set of coefficients was fitted on."""

    rows: int
    kernels: frozenset          # (kh, kw) of the measured layers; empty: no kernel
    channels: tuple[int, int]   # smallest and largest channel count (input or output)
    outputs: tuple[int, int]    # smallest and largest output element count


def kernel_shape(op: Operator) -> tuple[int, int] | None:
    if op.opcode in ("conv_2d", "depthwise_conv_2d", "transpose_conv") and op.input(1) is not None:
        shape = op.input(1).shape
        if len(shape) == 4:
            return (shape[1], shape[2])
    if op.opcode in ("average_pool_2d", "max_pool_2d"):
        return (op.options.get("filter_height", 1), op.options.get("filter_width", 1))
    return None


# Elementwise ops do the same work whatever the channel count: only their size counts.
_ELEMENTWISE = ("add", "sub", "mul")


def channels(op: Operator) -> list[int]:
    if op.opcode in _ELEMENTWISE:
        return []
    data = [t for t in op.inputs[:1] + op.outputs if t is not None and t.shape]
    return [t.shape[-1] for t in data]


def _domain(ops) -> Domain:
    ops = list(ops)
    counts = [c for op in ops for c in channels(op)] or [0]
    sizes = [features(op).outputs for op in ops]
    kernels = frozenset(k for k in (kernel_shape(op) for op in ops) if k is not None)
    return Domain(len(ops), kernels, (min(counts), max(counts)), (min(sizes), max(sizes)))


def outside(domain: Domain, op: Operator, even_channels: bool = False) -> list[str]:
    """Why `op` lies outside `domain` (empty: inside)."""
    reasons = []
    kernel = kernel_shape(op)
    if kernel is not None and domain.kernels and kernel not in domain.kernels:
        fitted = ", ".join(f"{h}x{w}" for h, w in sorted(domain.kernels))
        reasons.append(f"{kernel[0]}x{kernel[1]} kernel (fitted on {fitted})")
    low, high = domain.channels
    for count in sorted(set(channels(op))):
        if not low <= count <= high:
            reasons.append(f"{count} channels (fitted on {low}-{high})")
        if even_channels and count % 2:
            reasons.append(f"odd channel count {count} (fitted on even counts only)")
    size = features(op).outputs
    if not domain.outputs[0] <= size <= domain.outputs[1]:
        reasons.append(f"{size} output elements (fitted on {domain.outputs[0]}-{domain.outputs[1]})")
    return reasons


# MVP kinds (targets.MVP_OPS values) -> the measured opcodes their coefficients come from
_MVP_ROWS = {"conv_2d": ("conv_2d",), "depthwise_conv_2d": ("depthwise_conv_2d",),
             "add": ("add",), "pool": ("average_pool_2d",),
             "fully_connected": ("fully_connected",)}


@lru_cache(maxsize=1)
def mvp_domains() -> dict[str, Domain]:
    from kwstiny.profile.reference import measured_layers

    layers = measured_layers()
    return {kind: _domain(layer.op for layer in layers if layer.opcode in opcodes)
            for kind, opcodes in _MVP_ROWS.items()}


def mvp_extrapolation(kind: str, op: Operator) -> str:
    """'' when the MVP coefficients of `kind` were fitted on layers like `op`, else why not."""
    reasons = []
    if op.opcode not in _MVP_ROWS[kind]:
        reasons.append(f"no measured {op.opcode} row: uses the {kind} coefficients")
    domain = mvp_domains()[kind]
    reasons += outside(domain, op, even_channels=True)
    if reasons and domain.rows == 1:
        reasons.append(f"the {kind} coefficients rest on one measured row")
    return "; ".join(reasons)


@lru_cache(maxsize=1)
def m33_domains() -> dict[str, Domain]:
    from kwstiny.profile.reference import measured_kernels
    from kwstiny.profile.targets import cmsis_nn_kernel

    groups: dict[str, list] = {}
    for kernel in measured_kernels():
        groups.setdefault(cmsis_nn_kernel(kernel.op), []).append(kernel.op)
    return {name: _domain(ops) for name, ops in groups.items()}


def m33_extrapolation(kernel: str, op: Operator) -> str:
    """'' when the CMSIS-NN instruction model of `kernel` was fitted on layers like `op`."""
    if kernel == "no_kernel":
        return ""
    domain = m33_domains().get(kernel)
    if domain is None:
        return f"no measured {kernel} kernel"
    return "; ".join(outside(domain, op))


def _state_size(op: Operator) -> int:
    """Elements the state op moves: what it writes (assign_variable: its input)."""
    f = features(op)
    return f.inputs - 1 if op.opcode == "assign_variable" else f.outputs


@lru_cache(maxsize=1)
def state_op_domains() -> dict[str, tuple[int, tuple[int, int]]]:
    """kind -> (measured rows, smallest and largest size moved)."""
    from kwstiny.profile.reference import measured_state_ops

    sizes: dict[str, list[int]] = {}
    for row in measured_state_ops():
        sizes.setdefault(row.op.opcode, []).append(_state_size(row.op))
    return {kind: (len(v), (min(v), max(v))) for kind, v in sizes.items()}


def state_op_extrapolation(kind: str, op: Operator) -> str:
    """'' when the state-op model of `kind` was measured on layers like `op`, else why not."""
    domain = state_op_domains().get(kind)
    if domain is None:
        return f"no measured {kind} layer"
    reasons = []
    low, high = domain[1]
    size = _state_size(op)
    if not low <= size <= high:
        reasons.append(f"{size} elements moved (measured {low}-{high})")
    if kind == "concatenation":
        # measured: two inputs joined along the time axis, one copy per input
        data = [t for t in op.inputs if t is not None and not t.constant]
        axis = op.options.get("axis", 0) % max(len(op.outputs[0].shape), 1)
        outer = math.prod(op.outputs[0].shape[:axis])
        if len(data) != 2:
            reasons.append(f"{len(data)} inputs (measured 2)")
        if outer != 1:
            reasons.append(f"{outer} copies per input (measured 1)")
    return "; ".join(reasons)
