"""Least-squares fit of the MVP cost model to the profile measured on the EFR32xG24.

`fit_mvp()` returns the coefficients that `kwstiny.profile.targets.MVP_COEFFICIENTS`
stores (a test re-runs the fit and compares). Each layer type is fitted on its own rows
of `kwstiny.profile.reference`; the features are those of `kwstiny.profile.features`.
See `targets.MVP_COEFFICIENTS` for what each coefficient stands for.
"""

from __future__ import annotations

import numpy as np

from kwstiny.profile.features import features
from kwstiny.profile.reference import CLOCK_HZ, measured_layers


def _solve(rows, columns, target) -> list[float]:
    x = np.array([[column(row) for column in columns] for row in rows], dtype=float)
    y = np.array([target(row) for row in rows], dtype=float)
    solution, *_ = np.linalg.lstsq(x, y, rcond=None)
    return [float(v) for v in solution]


def fit_mvp(layers=None) -> dict[str, dict[str, float]]:
    """The MVP coefficients fitted to `layers` (default: every row of the reference)."""
    layers = measured_layers() if layers is None else tuple(layers)

    def of(*opcodes):
        return [layer for layer in layers if layer.opcode in opcodes]

    def feature(name):
        return lambda layer: getattr(features(layer.op), name)

    def one(layer):
        return 1.0

    def acc(layer):
        return layer.acc_cycles

    def cpu(layer):
        return layer.cpu_cycles

    def wall(layer):
        return layer.time_s * CLOCK_HZ

    conv, depthwise = of("conv_2d"), of("depthwise_conv_2d")
    c = {}
    a_mac, a_out, a_in = _solve(conv, [feature("valid_macs"), feature("outputs"), feature("inputs")], acc)
    c_base, c_tap = _solve(conv, [one, feature("taps")], cpu)
    t_acc, t_cpu = _solve(conv, [acc, cpu], wall)
    c["conv_2d"] = dict(acc_per_mac=a_mac, acc_per_output=a_out, acc_per_input=a_in,
                        cpu_base=c_base, cpu_per_tap=c_tap, time_acc=t_acc, time_cpu=t_cpu)

    d_mac, d_out = _solve(depthwise, [feature("valid_macs"), feature("outputs")], acc)
    # The vendor's depthwise kernel builds and starts one accelerator program per output
    # position; the channels are the vector the MVP runs, so CPU work is per step.
    d_base, d_cpu_step = _solve(depthwise, [one, feature("positions")], cpu)
    # acc and cpu cycles rise together on every depthwise row, so only one time
    # coefficient can be fitted: the accelerator's is taken from the convolutions.
    (d_t_cpu,) = _solve(depthwise, [cpu], lambda layer: wall(layer) - t_acc * layer.acc_cycles)
    c["depthwise_conv_2d"] = dict(acc_per_mac=d_mac, acc_per_output=d_out, cpu_base=d_base,
                                  cpu_per_step=d_cpu_step, time_acc=t_acc, time_cpu=d_t_cpu)

    (add_out,) = _solve(of("add"), [feature("outputs")], acc)
    (add_base,) = _solve(of("add"), [one], cpu)
    c["add"] = dict(acc_per_output=add_out, cpu_base=add_base)

    (pool_in,) = _solve(of("average_pool_2d"), [feature("inputs")], acc)
    (pool_base,) = _solve(of("average_pool_2d"), [one], cpu)
    c["pool"] = dict(acc_per_input=pool_in, cpu_base=pool_base)

    # One measured row: keep the convolution's per-MAC/output/input rates, fit the rest.
    def fc_rates(layer):
        f = features(layer.op)
        return a_mac * f.macs + a_out * f.outputs + a_in * f.inputs

    (fc_base,) = _solve(of("fully_connected"), [one], lambda layer: acc(layer) - fc_rates(layer))
    (fc_cpu,) = _solve(of("fully_connected"), [one], cpu)
    c["fully_connected"] = dict(acc_base=fc_base, cpu_base=fc_cpu)
    return c


def fit_cpu_only_ops() -> dict[str, float]:
    """Measured CPU cycles of the layers the MVP left to the Cortex-M33 (one row each)."""
    return {layer.opcode: layer.cpu_cycles for layer in measured_layers() if layer.acc_cycles == 0}


def fit_cortex_m33(kernels=None) -> dict[str, dict[str, float]]:
    """Instructions per unit of each feature, per CMSIS-NN kernel, by non-negative least
    squares on the instruction counts measured under QEMU (see `reference`), or on
    `kernels` (a subset of them)."""
    from scipy.optimize import nnls

    from kwstiny.profile.reference import measured_kernels
    from kwstiny.profile.targets import M33_FEATURES, cmsis_nn_kernel, feature_value

    groups: dict[str, list] = {}
    for kernel in measured_kernels() if kernels is None else kernels:
        groups.setdefault(cmsis_nn_kernel(kernel.op), []).append(kernel)
    result = {}
    for name, kernels in sorted(groups.items()):
        columns = M33_FEATURES[name]
        x = np.array([[feature_value(features(k.op), c) for c in columns] for k in kernels], float)
        y = np.array([k.instructions for k in kernels], float)
        solution, _ = nnls(x, y)
        result[name] = {c: float(v) for c, v in zip(columns, solution)}
    return result


def calibrate_cpi(instructions: dict[str, dict[str, float]]) -> tuple[float, float]:
    """(cycles per instruction, cycles of TFLM's per-layer overhead) from the reference
    profile's two CPU-only layers: reshape runs no kernel, so its cycles are the
    overhead; softmax's remaining cycles over arm_softmax_s8's counted instructions
    give the cycles per instruction."""
    from kwstiny.profile.reference import measured_kernels

    cycles = fit_cpu_only_ops()
    overhead = cycles["reshape"]
    softmax = [k for k in measured_kernels()
               if k.op.opcode == "softmax" and k.op.outputs[0].size == 2][0]
    return (cycles["softmax"] - overhead) / softmax.instructions, overhead


def fit_state_ops(rows=None) -> dict[str, dict[str, float]]:
    """Instructions per unit of each feature for the streaming state ops (TFLM reference
    kernels), by least squares on their QEMU counts minus the same model's reshape
    layer (`reference.measured_state_ops`), or on `rows` (a subset of them). The result
    is what a layer runs beyond a layer without kernel work, whose cycles
    `targets.M33_LAYER_OVERHEAD` already holds: it may be negative for an op that runs
    less than reshape does (var_handle)."""
    from kwstiny.profile.reference import measured_state_ops
    from kwstiny.profile.targets import M33_STATE_FEATURES, feature_value

    groups: dict[str, list] = {}
    for row in measured_state_ops() if rows is None else rows:
        groups.setdefault(row.op.opcode, []).append(row)
    result = {}
    for name, members in sorted(groups.items()):
        columns = M33_STATE_FEATURES[name]
        x = np.array([[feature_value(features(r.op), c) for c in columns] for r in members], float)
        y = np.array([r.instructions - r.baseline for r in members], float)
        solution, *_ = np.linalg.lstsq(x, y, rcond=None)
        result[name] = {c: float(v) for c, v in zip(columns, solution)}
    return result
