"""Target cost models: how long each layer of an int8 model takes on an EFR32xG24.

Two targets, both at a clock you choose (78 MHz by default):

`CortexM33` (`--accelerator none`): TFLM with CMSIS-NN kernels on the Cortex-M33.
    cycles = M33_LAYER_OVERHEAD + M33_CPI x instructions(kernel, sizes)
    - instructions: per CMSIS-NN kernel (the one TFLM's CMSIS-NN build picks for the
      layer), a linear function of the layer's sizes (`features.Features`: MACs on real
      input, output elements, output positions, im2col elements, weight elements,
      input elements, 1).
      `M33_INSTRUCTIONS[kernel][feature]` is the instructions per unit of that feature,
      fitted (`fit.fit_cortex_m33`) to instruction counts measured under QEMU
      (`reference.CMSIS_NN_INSTRUCTIONS`). Summed over TENet12 they come within 1 % of
      the instructions a whole TFLM + CMSIS-NN inference executes under QEMU
      (`reference.TFLM_TENET12_LAYER_INSTRUCTIONS`). These counts are real; the next two
      numbers turn them into cycles and are the weak part of the model.
    - M33_LAYER_OVERHEAD: cycles TFLM spends per layer outside the kernel: the reshape
      row of the device profile (a layer with no kernel work).
    - M33_CPI: cycles per instruction: the device profile's softmax row, minus the
      overhead, over the instructions arm_softmax_s8 executes for 2 classes. One point:
      the CMSIS-NN estimate is good to perhaps +-30 %, not better. Flash wait states
      for weights, which this single kernel barely reads, are not in it; calibrating on
      whole-layer instructions instead (softmax and reshape under QEMU: 1300 and 200)
      would give 1.64 cycles per instruction and TENet12 8 % slower.
    - streaming state ops (var_handle, read_variable, assign_variable, call_once, and
      the concatenation and strided_slice that shift a ring buffer), int8 state only:
      TFLM runs its reference kernels for them in CMSIS-NN builds too. Their
      instructions (`M33_STATE_OP_INSTRUCTIONS`, fitted by `fit.fit_state_ops`) are
      measured per layer in the kwstiny firmware under QEMU (`reference.
      measured_state_ops`), minus the same run's reshape layer: what the layer runs
      beyond a layer without kernel work (negative for var_handle, which runs less).
      Copies are per byte of state plus, for strided_slice, per copied row.
    Layers whose kernel kwstiny has not measured (float kernels, TFLM reference kernels
    such as mean or transpose) get no estimate and are listed, never counted as zero.

`MVP` (`--accelerator MVP`): the Silicon Labs MVP kernels where the accelerator can run
    the layer, the Cortex-M33 model for the rest. Fitted (`fit.fit_mvp`) to the per-layer
    profile measured on a real EFR32xG24 (`reference.TABLE`). `MVP_COEFFICIENTS[type]`:
    - acc_per_mac: accelerator cycles per MAC on real input (the MVP skips padding taps);
    - acc_per_output / acc_per_input: accelerator cycles per output / input element
      (bias, requantization, loads and stores);
    - acc_base: fixed accelerator cycles of a layer (fully connected: its one measured
      row, after the convolution's per-MAC/output/input rates);
    - cpu_base, cpu_per_tap, cpu_per_step: CPU cycles the MVP driver spends on a layer
      (programming the accelerator per kernel tap; the depthwise driver per output
      step: Silicon Labs' optimized depthwise kernel, sli_mvp_ml_depthwise_conv2d_opt,
      builds and starts one accelerator program per output position and lets the MVP
      loop over the channels, so its CPU cycles do not grow with the channel count, as
      the board showed: ~78.5 k cycles for 49 steps at 96 and at 150 channels);
    - time_acc, time_cpu: wall time = time_acc x acc cycles + time_cpu x CPU cycles.
      For convolutions both are ~0.98 (the CPU waits for the MVP; its counter runs a
      little ahead of the wall clock). For depthwise layers the CPU work largely overlaps
      the accelerator (time_cpu ~0.42; acc and CPU cycles rise together on every
      measured row, so time_acc is the convolution's). Add, pooling and fully connected
      layers are too short for the ~30 us timer; they are taken as serial (1 and 1).
    Which layers the MVP runs follows Silicon Labs' documentation: int8 conv_2d,
    depthwise_conv_2d, transpose_conv, fully_connected, add, average and max pooling,
    without dilation, with every array dimension within the MVP's limits (1024 elements;
    2048 int8 values packed in pairs when the channel count is even). Odd channel counts
    run one value at a time; kwstiny doubles the fitted accelerator cycles for them (an
    assumption, the reference has no such layer). max_pool_2d and transpose_conv use the
    average pool's and convolution's coefficients (no measured row).
"""

from __future__ import annotations

from dataclasses import dataclass

from kwstiny.errors import KwstinyError
from kwstiny.profile.features import Features, features
from kwstiny.tflite import Operator

DEFAULT_CLOCK_HZ = 78_000_000

# Builtin operators with a kernel in TFLM, read from the registration functions of the
# tflite-micro runtime kwstiny uses (0.dev20261023182759, `Register_*` symbols).
TFLM_BUILTINS = frozenset("""
abs add add_n arg_max arg_min assign_variable average_pool_2d batch_matmul batch_to_space_nd
broadcast_args broadcast_to call_once cast ceil concatenation conv_2d cos cumsum
depth_to_space depthwise_conv_2d dequantize div elu embedding_lookup equal exp expand_dims
fill floor floor_div floor_mod fully_connected gather gather_nd greater greater_equal
hard_swish if l2_normalization l2_pool_2d leaky_relu less less_equal log logical_and
logical_not logical_or logistic log_softmax maximum max_pool_2d mean minimum mirror_pad mul
neg not_equal pack pad padv2 prelu quantize read_variable reduce_max reduce_min relu relu6
reshape resize_bilinear resize_nearest_neighbor reverse_v2 round rsqrt select_v2 shape sin
slice softmax space_to_batch_nd space_to_depth split split_v sqrt square squared_difference
squeeze strided_slice sub sum svdf tanh transpose transpose_conv
unidirectional_sequence_lstm unpack var_handle while zeros_like
""".split())
# Tensor types TFLM kernels handle at all.
TFLM_TYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "float32", "bool", "resource"})

# -- Cortex-M33 + CMSIS-NN --------------------------------------------------------------
# kernel -> {feature: instructions per unit}; `fit.fit_cortex_m33()` reproduces these.
M33_INSTRUCTIONS: dict[str, dict[str, float]] = {
    "add": {"outputs": 83.54, "one": 106.1},
    "average_pool_2d": {"inputs": 6.685, "outputs": 0.0, "one": 645.5},
    "batch_matmul": {"macs": 1.893, "outputs": 51.34, "one": 1250.0},
    "conv": {"valid_macs": 1.463, "outputs": 83.35, "im2col": 8.717, "one": 0.0},
    "conv_1x1": {"valid_macs": 1.409, "outputs": 40.59, "weights": 4.253, "one": 26.8},
    "conv_1x1_strided": {"valid_macs": 4.781, "outputs": 75.57, "positions": 110.7, "one": 135.0},
    "depthwise": {"valid_macs": 1.762, "outputs": 30.89, "im2col": 6.846, "positions": 608.0},
    "depthwise_3x3": {"valid_macs": 5.592, "outputs": 27.66},
    "fully_connected": {"macs": 1.855, "outputs": 54.39, "one": 122.5},
    "max_pool_2d": {"inputs": 4.817, "outputs": 13.84, "one": 82.95},
    "mul": {"outputs": 33.63, "one": 55.46},
    "softmax": {"outputs": 488.7, "one": 351.1},
}
M33_FEATURES = {
    "conv_1x1": ("valid_macs", "outputs", "weights", "one"),
    "conv_1x1_strided": ("valid_macs", "outputs", "positions", "one"),
    "conv": ("valid_macs", "outputs", "im2col", "one"),
    "depthwise_3x3": ("valid_macs", "outputs"),
    "depthwise": ("valid_macs", "outputs", "im2col", "positions"),
    "fully_connected": ("macs", "outputs", "one"),
    "batch_matmul": ("macs", "outputs", "one"),
    "add": ("outputs", "one"),
    "mul": ("outputs", "one"),
    "average_pool_2d": ("inputs", "outputs", "one"),
    "max_pool_2d": ("inputs", "outputs", "one"),
    "softmax": ("outputs", "one"),
    "no_kernel": (),
}
# Streaming state ops (TFLM reference kernels): instructions beyond a reshape layer per
# unit of feature; `fit.fit_state_ops()` reproduces these.
M33_STATE_OP_INSTRUCTIONS: dict[str, dict[str, float]] = {
    "assign_variable": {"inputs": 0.5623, "one": 31.55},
    "call_once": {"one": -135.4},
    "concatenation": {"outputs": 0.5616, "one": 604.7},
    "read_variable": {"outputs": 0.562, "one": 19.92},
    "strided_slice": {"outputs": 0.5175, "positions": 85.0, "one": 600.6},
    "var_handle": {"one": -116.0},
}
M33_STATE_FEATURES = {
    "call_once": ("one",),
    "var_handle": ("one",),
    "read_variable": ("outputs", "one"),
    "assign_variable": ("inputs", "one"),   # the state written (+1: the resource handle)
    "concatenation": ("outputs", "one"),
    "strided_slice": ("outputs", "positions", "one"),
}
M33_LAYER_OVERHEAD = 595.0
M33_CPI = 1.504

# -- MVP ----------------------------------------------------------------------------------
MVP_COEFFICIENTS: dict[str, dict[str, float]] = {
    "conv_2d": {"acc_per_mac": 0.7475, "acc_per_output": 3.026, "acc_per_input": 0.782,
                "cpu_base": 2178.0, "cpu_per_tap": 3041.0, "time_acc": 0.9773, "time_cpu": 0.9784},
    "depthwise_conv_2d": {"acc_per_mac": 1.51, "acc_per_output": 2.885, "cpu_base": 1120.0,
                          "cpu_per_step": 1485.0, "time_acc": 0.9773, "time_cpu": 0.4193},
    "add": {"acc_per_output": 3.507, "cpu_base": 2708.0},
    "pool": {"acc_per_input": 0.6438, "cpu_base": 3900.0},
    "fully_connected": {"acc_base": 44.08, "cpu_base": 2100.0},
}
MVP_OPS = {"conv_2d": "conv_2d", "transpose_conv": "conv_2d", "depthwise_conv_2d":
           "depthwise_conv_2d", "fully_connected": "fully_connected", "add": "add",
           "average_pool_2d": "pool", "max_pool_2d": "pool"}
MVP_MAX_DIM = 1024          # elements per array dimension
MVP_MAX_STRIDE = 2047       # elements between two rows (width x channels)


@dataclass(frozen=True)
class LayerEstimate:
    """Cycles and time of one layer. `where`: 'MVP', 'CPU' or 'unsupported'. Cycles are
    None where kwstiny has no model for the layer (`note` says why). `extrapolation`:
    why the layer lies outside the data its cost model was fitted on ('' inside it)."""

    where: str
    acc_cycles: float | None
    cpu_cycles: float | None
    time_s: float | None
    note: str = ""
    extrapolation: str = ""

    @property
    def estimated(self) -> bool:
        return self.time_s is not None


def feature_value(f: Features, name: str) -> float:
    return 1.0 if name == "one" else float(getattr(f, name))


def tflm_cannot_run(op: Operator) -> str | None:
    """Why the TFLM runtime cannot run `op` at all, or None."""
    if op.opcode == "custom":
        return f"custom op '{op.custom_code}' has no kernel in TFLM"
    if op.opcode not in TFLM_BUILTINS:
        return f"TFLM has no kernel for {op.opcode}"
    odd = sorted({t.dtype for t in op.inputs + op.outputs if t is not None} - TFLM_TYPES)
    if odd:
        return f"TFLM kernels do not take {', '.join(odd)} tensors"
    return None


def _int8(op: Operator) -> bool:
    data = [t for t in op.inputs[:1] + op.outputs if t is not None]
    return all(t.dtype == "int8" for t in data)


def state_op_kind(op: Operator) -> str | None:
    """The measured state-op kind of `op` (a TFLM reference kernel), or None. Only int8
    data was measured: the copies are per byte, the features per element."""
    if op.opcode not in M33_STATE_FEATURES:
        return None
    data = [t for t in op.inputs + op.outputs
            if t is not None and not t.constant and t.dtype != "resource"]
    return op.opcode if all(t.dtype == "int8" for t in data) else None


def cmsis_nn_kernel(op: Operator) -> str | None:
    """The measured CMSIS-NN kernel class TFLM would run `op` with, or None."""
    if op.opcode in ("reshape", "squeeze", "expand_dims"):
        return "no_kernel"  # TFLM only copies the data, when it copies at all
    if not _int8(op):
        return None
    o = op.options
    dilated = o.get("dilation_h_factor", 1) != 1 or o.get("dilation_w_factor", 1) != 1
    if op.opcode == "conv_2d":
        _, kh, kw, _ = op.inputs[1].shape
        if kh * kw == 1 and not dilated:
            strided = o.get("stride_h", 1) != 1 or o.get("stride_w", 1) != 1
            return "conv_1x1_strided" if strided else "conv_1x1"
        return "conv"
    if op.opcode == "depthwise_conv_2d":
        _, kh, kw, _ = op.inputs[1].shape
        if (kh, kw) == (3, 3) and o.get("depth_multiplier", 1) == 1 and not dilated:
            return "depthwise_3x3"
        return "depthwise"
    if op.opcode in M33_FEATURES:
        return op.opcode
    return None


class CortexM33:
    """TFLM with CMSIS-NN kernels on the Cortex-M33, no accelerator."""

    name = "none"
    title = "Cortex-M33, CMSIS-NN kernels"

    def __init__(self, clock_hz: float = DEFAULT_CLOCK_HZ):
        if not clock_hz or clock_hz <= 0:
            raise KwstinyError(f"clock must be a positive frequency in Hz, got {clock_hz!r}")
        self.clock_hz = float(clock_hz)

    def cannot_run(self, op: Operator) -> str | None:
        return tflm_cannot_run(op)

    def cpu_cycles(self, op: Operator) -> float | None:
        state = state_op_kind(op)
        kernel = cmsis_nn_kernel(op) if state is None else None
        if kernel is None and state is None:
            return None
        f = features(op)
        rates = M33_STATE_OP_INSTRUCTIONS[state] if state else M33_INSTRUCTIONS.get(kernel, {})
        instructions = sum(rate * feature_value(f, name) for name, rate in rates.items())
        return M33_LAYER_OVERHEAD + M33_CPI * instructions

    def estimate(self, op: Operator) -> LayerEstimate:
        reason = self.cannot_run(op)
        if reason:
            return LayerEstimate("unsupported", None, None, None, reason)
        cycles = self.cpu_cycles(op)
        if cycles is None:
            kind = op.inputs[0].dtype if op.inputs and op.inputs[0] is not None else "?"
            return LayerEstimate("CPU", None, None, None,
                                 f"no cycle model for {kind} {op.opcode} on the Cortex-M33")
        from kwstiny.profile.domain import m33_extrapolation, state_op_extrapolation

        state = state_op_kind(op)
        why = state_op_extrapolation(state, op) if state else m33_extrapolation(cmsis_nn_kernel(op), op)
        return LayerEstimate("CPU", 0.0, cycles, cycles / self.clock_hz, extrapolation=why)


class MVP(CortexM33):
    """The EFR32xG24's MVP accelerator, with the Cortex-M33 running what it cannot."""

    name = "MVP"
    title = "MVP accelerator, Cortex-M33 for the rest"

    def __init__(self, clock_hz: float = DEFAULT_CLOCK_HZ,
                 coefficients: dict[str, dict[str, float]] | None = None):
        super().__init__(clock_hz)
        # other coefficients than the stored fit: the leave-one-shape-out checks
        self.coefficients = MVP_COEFFICIENTS if coefficients is None else coefficients

    def not_accelerated(self, op: Operator) -> str | None:
        """Why the MVP does not run `op` (it then runs on the CPU), or None."""
        if op.opcode not in MVP_OPS:
            return f"the MVP does not run {op.opcode}"
        if not _int8(op):
            return "the MVP runs int8 layers only"
        o = op.options
        if o.get("dilation_h_factor", 1) != 1 or o.get("dilation_w_factor", 1) != 1:
            return "the MVP does not run dilated convolutions"
        for tensor in (op.inputs[0], op.outputs[0]):
            shape = tensor.shape
            channels = shape[-1] if shape else 1
            packed = channels // 2 if channels % 2 == 0 else channels
            width = shape[-2] if len(shape) >= 3 else 1
            if packed > MVP_MAX_DIM or any(d > MVP_MAX_DIM for d in shape[:-1]):
                return f"a {tensor.shape_text()} tensor exceeds the MVP's array size"
            if len(shape) >= 3 and width * packed > MVP_MAX_STRIDE:
                return f"a {tensor.shape_text()} tensor exceeds the MVP's row stride"
        return None

    def estimate(self, op: Operator) -> LayerEstimate:
        reason = self.cannot_run(op)
        if reason:
            return LayerEstimate("unsupported", None, None, None, reason)
        why_not = self.not_accelerated(op)
        if why_not:
            fallback = super().estimate(op)
            notes = "; ".join(n for n in (why_not if op.opcode in MVP_OPS else "", fallback.note) if n)
            return LayerEstimate(fallback.where, fallback.acc_cycles, fallback.cpu_cycles,
                                 fallback.time_s, notes, fallback.extrapolation)
        kind = MVP_OPS[op.opcode]
        c = self.coefficients[kind]
        f = features(op)
        conv = self.coefficients["conv_2d"]
        if kind == "conv_2d":
            acc = (c["acc_per_mac"] * f.valid_macs + c["acc_per_output"] * f.outputs
                   + c["acc_per_input"] * f.inputs)
            cpu = c["cpu_base"] + c["cpu_per_tap"] * f.taps
        elif kind == "depthwise_conv_2d":
            acc = c["acc_per_mac"] * f.valid_macs + c["acc_per_output"] * f.outputs
            cpu = c["cpu_base"] + c["cpu_per_step"] * f.positions
        elif kind == "fully_connected":
            acc = (conv["acc_per_mac"] * f.macs + conv["acc_per_output"] * f.outputs
                   + conv["acc_per_input"] * f.inputs + c["acc_base"])
            cpu = c["cpu_base"]
        elif kind == "add":
            acc, cpu = c["acc_per_output"] * f.outputs, c["cpu_base"]
        else:  # pooling
            acc, cpu = c["acc_per_input"] * f.inputs, c["cpu_base"]
        note = ""
        channels = op.inputs[0].shape[-1] if op.inputs[0].shape else 1
        if channels % 2:
            acc *= 2
            note = "odd channel count: one int8 value per MVP step (assumed half rate)"
        time_cycles = c.get("time_acc", 1.0) * acc + c.get("time_cpu", 1.0) * cpu
        from kwstiny.profile.domain import mvp_extrapolation

        return LayerEstimate("MVP", acc, cpu, time_cycles / self.clock_hz, note,
                             mvp_extrapolation(kind, op))


TARGETS = {"none": CortexM33, "mvp": MVP}


def target(accelerator: str | None = "none", clock_hz: float = DEFAULT_CLOCK_HZ) -> CortexM33:
    """The cost model for `--accelerator` (none or MVP, any case) at `clock_hz`."""
    key = (accelerator or "none").lower()
    if key not in TARGETS:
        raise KwstinyError(f"unknown accelerator {accelerator!r}: use none or MVP")
    return TARGETS[key](clock_hz)
