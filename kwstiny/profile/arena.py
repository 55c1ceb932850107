"""The tensor arena of a TFLM build for another machine, computed from the graph.

TFLM's arena has two parts. The head holds the activations (and the kernels' scratch
buffers), placed by TFLM's greedy memory planner: its size does not depend on the
machine. The tail holds what TFLM and the kernels allocate once: the allocator objects,
one TfLiteEvalTensor per tensor, one NodeAndRegistration per operator, each operator's
parsed options, each kernel's OpData and per-channel data, and TfLiteTensors for the
model's inputs and outputs. Those structs hold pointers, so the tail depends on the ABI.

`arena()` replays those allocations in TFLM's order (TFLM 90b983c2b:
`micro_allocator.cc`, `micro_interpreter.cc`, the kernels' Init and Prepare), each
aligned as TFLM aligns it, with the struct sizes `benchmarks/tflm_struct_sizes`
measured by compiling TFLM's headers for x86-64 and for the Cortex-M33 (`STRUCT_SIZES`).
`tests/test_profile_arena.py` checks it three ways on TENet12 (the alexa shapes):
  - the plan equals the head the tflite-micro runtime reports, byte for byte;
  - with the runtime's own (64-bit) sizes, each of its allocation records comes out
    as the runtime reports it; its total within 32 B (the runtime's wheel is a newer
    TFLM than the headers the sizes were measured on);
  - for the Cortex-M33 it gives what kwstiny's firmware measured under QEMU for that
    model: 51,780 B with TFLM's reference kernels, 53,604 B with its CMSIS-NN kernels
    (`kernels="cmsis_nn"`: their OpData and the scratch buffers CMSIS-NN's
    get_buffer_size functions ask for), and 51,796 B / 53,620 B for the trained alexa
    model, whose fully connected layer has a bias (firmware/README.md,
    benchmarks/results/firmware_qemu.json).

`kernels="mvp"`: the Silicon Labs MVP kernels as MLTK shipped them when the board
profile in `reference` was made (MLTK c9e49c4, Nov 2022; the model's metadata is dated
2022-12-10; `cpp/shared/gecko_sdk/tflite_micro_mvp_kernels/kernels`): their OpData (the accelerator's parameter struct),
a float16 bias and a float16 scaler per output channel instead of TFLM's int32
multiplier and shift, a float16 bias for fully connected layers, and, because MLTK's
BRD2601 board config sets SL_MVP_OPTIMIZE_SPEED, a scratch buffer per convolution
holding its input as float16 (`sli_mvp_ml_conv2d_s8_get_scratch_buffer_size`), planned
in the head with the activations. Layers the MVP does not run (reshape, softmax) keep
TFLM's reference OpData (CMSIS-NN's softmax OpData takes the same 64 aligned bytes). On the alexa model this gives 64,948 B; the board reported 65.1 kB.
"""

from __future__ import annotations

from dataclasses import dataclass

from kwstiny.tflite import Graph, Operator

# benchmarks/tflm_struct_sizes/struct_sizes.json: name -> (size, alignment) in bytes.
# host64: x86-64 with USE_TFLM_COMPRESSION, as the tflite-micro wheel is built;
# cortex_m33: arm-none-eabi-gcc 12.2 -mcpu=cortex-m33 (short enums), as the firmware.
STRUCT_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "host64": {
        "SingleArenaBufferAllocator": (72, 8), "RecordingSingleArenaBufferAllocator": (104, 8),
        "GreedyMemoryPlanner": (72, 8), "MicroAllocator": (72, 8),
        "RecordingMicroAllocator": (272, 8), "SubgraphAllocations": (24, 8),
        "TfLiteEvalTensor": (24, 8), "NodeAndRegistration": (64, 8), "TfLiteTensor": (64, 8),
        "TfLiteAffineQuantization": (24, 8), "pointer": (8, 8), "ScratchBufferHandle": (8, 8),
        "conv_2d_params": (28, 4), "depthwise_conv_2d_params": (28, 4), "add_params": (8, 4),
        "pool_params": (40, 4), "reshape_params": (36, 4), "fully_connected_params": (16, 4),
        "softmax_params": (4, 4), "OpDataConv": (80, 8), "OpDataFullyConnected": (72, 8),
        "OpDataAdd": (60, 4), "OpDataPooling": (32, 4), "SoftmaxParams": (80, 8),
        "mul_params": (4, 4), "OpDataMul": (36, 4),
    },
    "cortex_m33": {
        "SingleArenaBufferAllocator": (36, 4), "RecordingSingleArenaBufferAllocator": (52, 4),
        "GreedyMemoryPlanner": (44, 4), "MicroAllocator": (36, 4),
        "RecordingMicroAllocator": (124, 4), "SubgraphAllocations": (8, 4),
        "TfLiteEvalTensor": (12, 4), "NodeAndRegistration": (32, 4), "TfLiteTensor": (32, 4),
        "TfLiteAffineQuantization": (12, 4), "pointer": (4, 4), "ScratchBufferHandle": (4, 4),
        "conv_2d_params": (28, 4), "depthwise_conv_2d_params": (28, 4), "add_params": (2, 1),
        "pool_params": (40, 4), "reshape_params": (36, 4), "fully_connected_params": (5, 1),
        "softmax_params": (4, 4), "OpDataConv": (56, 4), "OpDataFullyConnected": (48, 4),
        "OpDataAdd": (60, 4), "OpDataPooling": (32, 4), "SoftmaxParams": (56, 8),
        "mul_params": (1, 1), "OpDataMul": (36, 4),
    },
}
# TFLM's CMSIS-NN kernels' OpData on the Cortex-M33 (same benchmark, sizes.cc): TFLM's
# reference OpData plus buffer indices (kernels/cmsis_nn/*.cc).
CMSIS_NN_OPDATA = {"conv_2d": 60, "depthwise_conv_2d": 60, "fully_connected": 72,
                   "average_pool_2d": 36, "max_pool_2d": 36, "add": 60, "softmax": 64}
# The MVP kernels' OpData on the Cortex-M33 (same benchmark, mvp_sizes.cc).
MVP_OPDATA = {"conv_2d": 128, "depthwise_conv_2d": 124, "add": 84, "pool": 84,
              "fully_connected": 100}

KERNEL_BUFFER_ALIGNMENT = 16   # MicroArenaBufferAlignment(): kernels' persistent buffers
PLAN_ALIGNMENT = 16            # every planned buffer's size is rounded up to this

# opcode -> (its parsed options, its TFLM reference kernel's OpData; None: no OpData)
_TFLM_KERNELS = {
    "conv_2d": ("conv_2d_params", "OpDataConv"),
    "depthwise_conv_2d": ("depthwise_conv_2d_params", "OpDataConv"),
    "add": ("add_params", "OpDataAdd"),
    "average_pool_2d": ("pool_params", "OpDataPooling"),
    "max_pool_2d": ("pool_params", "OpDataPooling"),
    "fully_connected": ("fully_connected_params", "OpDataFullyConnected"),
    "softmax": ("softmax_params", "SoftmaxParams"),
    "reshape": ("reshape_params", None),
    "mul": ("mul_params", "OpDataMul"),  # CMSIS-NN's mul keeps the same OpData
}
_MVP_KIND = {"conv_2d": "conv_2d", "depthwise_conv_2d": "depthwise_conv_2d", "add": "add",
             "average_pool_2d": "pool", "max_pool_2d": "pool",
             "fully_connected": "fully_connected"}


@dataclass(frozen=True)
class ArenaPlan:
    """A computed arena: `head` (planned activations and scratch) + `tail` (persistent)."""

    head: int
    tail: int
    records: dict          # tail bytes per allocation record, named as TFLM's recorder does

    @property
    def total(self) -> int:
        return self.head + self.tail


def unsupported_ops(graph: Graph) -> list[str]:
    """Ops whose allocations kwstiny has not measured (no arena computed for them)."""
    return sorted({op.opcode for op in graph.operators if op.opcode not in _TFLM_KERNELS})


def memory_plan(graph: Graph, scratch: dict[int, int] | None = None) -> int:
    """Bytes TFLM's GreedyMemoryPlanner needs for the graph's activations and the
    kernels' scratch buffers (`scratch`: operator index -> bytes, live during that op)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for tensor in graph.inputs:  # lifetimes in TFLM's "allocation scopes": op i is i + 1
        first.setdefault(tensor.index, 0)
        last[tensor.index] = 0
    for scope, op in enumerate(graph.operators, start=1):
        for tensor in op.outputs:
            first.setdefault(tensor.index, scope)
        for tensor in op.inputs + op.outputs:
            if tensor is not None:
                last[tensor.index] = scope
    for tensor in graph.outputs:
        first.setdefault(tensor.index, len(graph.operators))
        last[tensor.index] = len(graph.operators)

    def aligned(size: int) -> int:
        return -(-size // PLAN_ALIGNMENT) * PLAN_ALIGNMENT

    buffers = [(aligned(t.nbytes), first[t.index], last[t.index]) for t in graph.tensors
               if not t.constant and t.nbytes and t.index in first]
    buffers += [(aligned(size), index + 1, index + 1) for index, size in (scratch or {}).items()]
    return _greedy(buffers)


def _greedy(buffers: list[tuple[int, int, int]]) -> int:
    """TFLM's greedy planner: largest first (ties: last added first), each at the lowest
    offset that does not overlap a buffer placed before it and alive at the same time."""
    if not buffers:
        return 0
    order = sorted(reversed(range(len(buffers))), key=lambda i: -buffers[i][0])
    placed: list[tuple[int, int]] = []  # (offset, buffer), by offset
    top = 0
    for i in order:
        size, begin, end = buffers[i]
        offset = 0
        for other_offset, j in placed:
            other_size, other_begin, other_end = buffers[j]
            if other_end < begin or other_begin > end:
                continue
            if other_offset - offset >= size:
                break
            offset = max(offset, other_offset + other_size)
        position = next((p for p, (o, _) in enumerate(placed) if o > offset), len(placed))
        placed.insert(position, (offset, i))
        top = max(top, offset + size)
    return top


def _per_channel(op: Operator) -> int:
    """Channels a TFLM kernel keeps an int32 multiplier and shift for (0: none)."""
    if op.opcode in ("conv_2d", "depthwise_conv_2d"):
        return op.outputs[0].shape[-1]
    if op.opcode == "fully_connected":
        scales = len(op.inputs[1].scale) if op.inputs[1] is not None else 0
        return scales if scales > 1 else 0
    return 0


def _cmsis_nn_scratch(op: Operator) -> int:
    """Scratch bytes TFLM's CMSIS-NN kernel asks for on a Cortex-M33 (DSP extension,
    GCC), from CMSIS-NN's get_buffer_size functions at the commit TFLM pins (4ab83cc)."""
    o = op.options
    if op.opcode == "conv_2d":
        _, kh, kw, depth = op.inputs[1].shape
        if kh * kw == 1:
            return 0  # 1x1: arm_convolve_1x1_s8(_fast) needs none (built with GCC)
        # arm_convolve_s8, and 1 x N kernels, which take its buffer on DSP cores
        columns = kh * kw * depth
        return 2 * (columns + (-columns) % 4) * 2  # two im2col columns of int16
    if op.opcode == "depthwise_conv_2d":
        _, kh, kw, _ = op.inputs[1].shape
        same_channels = op.inputs[0].shape[-1] == op.outputs[0].shape[-1]
        dilated = o.get("dilation_h_factor", 1) != 1 or o.get("dilation_w_factor", 1) != 1
        if not same_channels or dilated or op.inputs[0].shape[0] != 1:
            return 0  # arm_depthwise_conv_s8: no buffer
        if (kh, kw) == (3, 3) and _padding(op) <= 1:
            return 0  # arm_depthwise_conv_3x3_s8
        return op.inputs[0].shape[-1] * kh * kw * 2  # arm_depthwise_conv_s8_opt: int16
    if op.opcode == "average_pool_2d":
        return op.inputs[0].shape[-1] * 4  # arm_avgpool_s8: an int32 per channel
    return 0


def _padding(op: Operator) -> int:
    """The larger of the top and left 'same' padding of a convolution."""
    if op.options.get("padding") != "same":
        return 0
    pads = []
    for axis, stride_key in ((1, "stride_h"), (2, "stride_w")):
        size, out = op.inputs[0].shape[axis], op.outputs[0].shape[axis]
        kernel, stride = op.inputs[1].shape[axis], op.options.get(stride_key, 1)
        pads.append(max((out - 1) * stride + kernel - size, 0) // 2)
    return max(pads)


def arena(graph: Graph, abi: str = "cortex_m33", kernels: str = "tflm",
          recording: bool = False, mvp_optimize_speed: bool = True) -> ArenaPlan:
    """The arena TFLM needs for `graph` on `abi` ('cortex_m33' or 'host64') with
    `kernels` 'tflm' (its reference kernels), 'cmsis_nn' (TFLM's CMSIS-NN kernels, on the
    Cortex-M33) or 'mvp' (Silicon Labs' MVP kernels where the MVP runs the layer). `recording`: the RecordingMicroAllocator the tflite-micro
    Python runtime uses instead of the firmware's MicroAllocator. `mvp_optimize_speed`:
    SL_MVP_OPTIMIZE_SPEED's float16 input copies (MLTK's board build; the Gecko SDK's
    default leaves them out). Raises KeyError
    naming an op whose allocations kwstiny has not measured."""
    from kwstiny.profile.targets import MVP

    sizes = STRUCT_SIZES[abi]
    missing = unsupported_ops(graph)
    if missing:
        raise KeyError(", ".join(missing))
    if kernels not in ("tflm", "cmsis_nn", "mvp"):
        raise ValueError(f"unknown kernels {kernels!r}")
    mvp = MVP() if kernels == "mvp" else None
    if kernels != "tflm" and abi != "cortex_m33":
        raise ValueError(f"the {kernels} kernels' sizes are measured for the Cortex-M33 only")
    on_mvp = {op.index: mvp is not None and op.opcode in _MVP_KIND and
              mvp.not_accelerated(op) is None for op in graph.operators}

    tail = 0
    records: dict[str, int] = {}

    def allocate(record: str, size: int, alignment: int) -> None:
        nonlocal tail
        before = tail
        tail = -(-(tail + size) // alignment) * alignment  # the tail grows downwards
        records[record] = records.get(record, 0) + tail - before

    def struct(record: str, name: str, count: int = 1) -> None:
        size, alignment = sizes[name]
        allocate(record, size * count, alignment)

    prefix = "Recording" if recording else ""
    struct("allocators", prefix + "SingleArenaBufferAllocator")
    struct("allocators", "GreedyMemoryPlanner")
    struct("allocators", prefix + "MicroAllocator")
    struct("allocators", "pointer", 2)  # MicroBuiltinDataAllocator: vtable + allocator
    struct("allocators", "SubgraphAllocations")
    struct("TfLiteEvalTensor data", "TfLiteEvalTensor", len(graph.tensors))
    struct("NodeAndRegistration struct", "NodeAndRegistration", len(graph.operators))
    for op in graph.operators:
        struct("builtin data", _TFLM_KERNELS[op.opcode][0])
    for op in graph.operators:  # the kernels' Init
        opdata = _TFLM_KERNELS[op.opcode][1]
        if on_mvp[op.index]:
            allocate("Persistent buffer data", MVP_OPDATA[_MVP_KIND[op.opcode]],
                     KERNEL_BUFFER_ALIGNMENT)
        elif kernels == "cmsis_nn" and op.opcode in CMSIS_NN_OPDATA:
            allocate("Persistent buffer data", CMSIS_NN_OPDATA[op.opcode], KERNEL_BUFFER_ALIGNMENT)
        elif opdata is not None:
            allocate("Persistent buffer data", sizes[opdata][0], KERNEL_BUFFER_ALIGNMENT)
    scratch = {}
    for op in graph.operators:  # the kernels' Prepare
        if on_mvp[op.index]:
            if op.opcode in ("conv_2d", "depthwise_conv_2d"):
                for _ in range(2):  # float16 bias, float16 output scaler
                    allocate("Persistent buffer data", 2 * op.outputs[0].shape[-1],
                             KERNEL_BUFFER_ALIGNMENT)
            if op.opcode == "conv_2d" and mvp_optimize_speed:  # its input as float16
                scratch[op.index] = 2 * op.inputs[0].size
            if op.opcode == "fully_connected" and op.input(2) is not None:
                allocate("Persistent buffer data", 2 * op.outputs[0].shape[-1],
                         KERNEL_BUFFER_ALIGNMENT)
        elif _per_channel(op):
            for _ in range(2):  # int32 multiplier, int32 shift
                allocate("Persistent buffer data", 4 * _per_channel(op), KERNEL_BUFFER_ALIGNMENT)
        if kernels == "cmsis_nn" and _cmsis_nn_scratch(op):
            scratch[op.index] = _cmsis_nn_scratch(op)
    if scratch:  # MicroAllocator::FinishModelAllocation: one handle per scratch buffer
        struct("scratch buffer handles", "ScratchBufferHandle", len(scratch))
    for tensors in (graph.inputs, graph.outputs):  # MicroInterpreter::AllocateTensors
        allocate("Persistent buffer data", sizes["pointer"][0] * len(tensors),
                 KERNEL_BUFFER_ALIGNMENT)
        for tensor in tensors:
            struct("Persistent TfLiteTensor data", "TfLiteTensor")
            struct("Persistent TfLiteTensor quantization data", "TfLiteAffineQuantization")
            allocate("Persistent TfLiteTensor quantization data",
                     4 + 4 * max(1, len(tensor.zero_point)), 4)  # zero points, TfLiteIntArray
    return ArenaPlan(head=memory_plan(graph, scratch), tail=tail, records=records)


# What the computed figure is, for `profile`'s RAM line.
BOARD_BASIS = {
    "none": "computed for a Cortex-M33 build with TFLM's CMSIS-NN kernels, the ones the "
            "time estimate is for (kwstiny.profile.arena)",
    "MVP": "computed for the board's MVP build: Silicon Labs' MVP kernels with "
           "SL_MVP_OPTIMIZE_SPEED, as MLTK builds for the BRD2601 (kwstiny.profile.arena)",
}


def board_arena(graph: Graph, host_head: int, accelerator: str) -> dict:
    """The arena of the board's build for `accelerator` ('none' or 'MVP'): {'bytes',
    'head', 'tail', 'basis'}, or {'bytes': None, 'basis': why it was not computed}.
    `host_head`: the head the tflite-micro runtime reported; the computed plan must
    equal it, or kwstiny does not trust its own."""
    data = [t for op in graph.operators for t in (op.inputs[:1] + op.outputs) if t is not None]
    if any(t.dtype != "int8" for t in data):
        return {"bytes": None, "basis": "not computed: kwstiny computes it for int8 models only"}
    missing = unsupported_ops(graph)
    if missing:
        return {"bytes": None, "basis": "not computed: kwstiny has not measured what TFLM "
                                         "allocates for " + ", ".join(missing)}
    reference = arena(graph)
    if host_head and reference.head != host_head:
        return {"bytes": None, "basis": f"not computed: kwstiny's memory plan ({reference.head} "
                                        f"B) differs from the runtime's ({host_head} B)"}
    plan = arena(graph, kernels="mvp" if accelerator == "MVP" else "cmsis_nn")
    return {"bytes": plan.total, "head": plan.head, "tail": plan.tail,
            "basis": BOARD_BASIS[accelerator]}
