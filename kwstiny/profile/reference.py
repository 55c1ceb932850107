"""Measurements the target cost models are fitted to (`kwstiny.profile.fit`).

1. `TABLE`: the per-layer profile MLTK measured on a real EFR32xG24 (Cortex-M33 at 78 MHz
   with the MVP accelerator) for its TENet12 `keyword_spotting_alexa` model, from the
   reference page `shared/reference/002_391131a8fbeca5fc.txt` (`mltk profile ... --device
   --accelerator MVP`). Numbers are as printed there (k = 1e3, M = 1e6, m = 1e-3 s,
   u = 1e-6 s); times come from a timer with a resolution of about 30 us, so single small
   layers carry a large relative error.
2. `CMSIS_NN_INSTRUCTIONS` (package data `data/cmsis_nn_instructions.json`): instructions that CMSIS-NN's int8 kernels execute on a
   Cortex-M33, counted by `benchmarks/cmsis_nn_icount/run.sh` (QEMU mps2-an505 with
   -icount; CMSIS-NN 99f736a6, arm-none-eabi-gcc 12.2 -O2) for TENet12's layer shapes and
   size variants. These are instructions, not cycles: `targets.CortexM33` turns them into
   cycles with a cycles-per-instruction figure calibrated on row 1's CPU-only layers.
3. `TFLM_TENET12_LAYER_INSTRUCTIONS` (`data/tflm_qemu_layers_tenet12.json`): a whole TENet12 inference in TFLM + CMSIS-NN under
   QEMU, per layer, to check that the kernel model adds up (`benchmarks/tflm_qemu_layers`).
4. `measured_state_ops()` (`data/tflm_state_ops_qemu.json`): the state-op layers of
   streaming models (resource variables, concatenation, strided slice: TFLM reference
   kernels, in CMSIS-NN builds too) in the kwstiny firmware under QEMU, per layer, with
   each model's reshape layer (`benchmarks/tflm_state_ops.py`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kwstiny.tflite import Operator, Tensor

DATA_DIR = Path(__file__).resolve().parent / "data"


def _data(name: str) -> dict:
    """A measured table, as the benchmark that measured it wrote it."""
    return json.loads((DATA_DIR / name).read_text())


CLOCK_HZ = 78e6
# The page's summary lines for the whole inference.
TOTAL_TIME_S = 57.0e-3
TOTAL_ACC_CYCLES = 4.1e6
TOTAL_CPU_CYCLES = 825.0e3
TOTAL_MACS = 4.562e6      # `mltk summarize` total
TOTAL_OPS = 9.247e6       # `mltk summarize` total (the profiler prints 9.4M, see counts.py)
TOTAL_RAM_BYTES = 65.1e3  # "RAM, Runtime Memory Size": the board's MVP build's tensor arena

# Measured outside this profile, on an EFR32xG24 + MVP profile of a wider TENet (reported
# in kwstiny's issue 17): a depthwise layer with 49 output steps took about 78.5 k CPU
# cycles at 96 channels and at 150 channels alike. Never fitted on: a held-out check.
WIDER_TENET_DEPTHWISE = {"steps": 49, "channels": (96, 150), "cpu_cycles": 78.5e3}

# index | opcode | ops | MACs | accelerator cycles | CPU cycles | time (s) | input shapes | output shape | options
TABLE = """
    0 | conv_2d | 2.5M | 1.2M | 930.7k | 11.3k | 11.8m | 1x118x1x108,32x3x1x108,32 | 1x118x1x32 | Padding:Same stride:1x1 activation:None
    1 | conv_2d | 759.0k | 362.5k | 307.9k | 5.2k | 3.9m | 1x118x1x32,96x1x1x32,96 | 1x118x1x96 | Padding:Valid stride:1x1 activation:Relu
    2 | depthwise_conv_2d | 118.9k | 51.0k | 91.9k | 88.9k | 1.6m | 1x118x1x96,1x9x1x96,96 | 1x59x1x96 | Multiplier:1 padding:Same stride:2x2 activation:Relu
    3 | conv_2d | 364.4k | 181.2k | 145.7k | 5.3k | 1.9m | 1x59x1x96,32x1x1x96,32 | 1x59x1x32 | Padding:Valid stride:1x1 activation:None
    4 | conv_2d | 126.5k | 60.4k | 52.9k | 5.1k | 690.0u | 1x118x1x32,32x1x1x32,32 | 1x59x1x32 | Padding:Same stride:2x2 activation:Relu
    5 | add | 1.9k | 0 | 6.6k | 2.8k | 90.0u | 1x59x1x32,1x59x1x32 | 1x59x1x32 | Activation:Relu
    6 | conv_2d | 379.5k | 181.2k | 154.0k | 5.2k | 2.0m | 1x59x1x32,96x1x1x32,96 | 1x59x1x96 | Padding:Valid stride:1x1 activation:Relu
    7 | depthwise_conv_2d | 118.9k | 51.0k | 90.4k | 88.7k | 1.6m | 1x59x1x96,1x9x1x96,96 | 1x59x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    8 | conv_2d | 364.4k | 181.2k | 145.7k | 5.3k | 1.9m | 1x59x1x96,32x1x1x96,32 | 1x59x1x32 | Padding:Valid stride:1x1 activation:None
    9 | add | 1.9k | 0 | 6.6k | 2.7k | 120.0u | 1x59x1x32,1x59x1x32 | 1x59x1x32 | Activation:Relu
    10 | conv_2d | 379.5k | 181.2k | 154.0k | 5.2k | 2.0m | 1x59x1x32,96x1x1x32,96 | 1x59x1x96 | Padding:Valid stride:1x1 activation:Relu
    11 | depthwise_conv_2d | 118.9k | 51.0k | 90.4k | 88.7k | 1.6m | 1x59x1x96,1x9x1x96,96 | 1x59x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    12 | conv_2d | 364.4k | 181.2k | 145.7k | 5.3k | 1.9m | 1x59x1x96,32x1x1x96,32 | 1x59x1x32 | Padding:Valid stride:1x1 activation:None
    13 | add | 1.9k | 0 | 6.6k | 2.7k | 120.0u | 1x59x1x32,1x59x1x32 | 1x59x1x32 | Activation:Relu
    14 | conv_2d | 379.5k | 181.2k | 154.0k | 5.2k | 2.0m | 1x59x1x32,96x1x1x32,96 | 1x59x1x96 | Padding:Valid stride:1x1 activation:Relu
    15 | depthwise_conv_2d | 118.9k | 51.0k | 90.4k | 88.7k | 1.6m | 1x59x1x96,1x9x1x96,96 | 1x59x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    16 | conv_2d | 364.4k | 181.2k | 145.7k | 5.3k | 1.9m | 1x59x1x96,32x1x1x96,32 | 1x59x1x32 | Padding:Valid stride:1x1 activation:None
    17 | add | 1.9k | 0 | 6.6k | 2.7k | 120.0u | 1x59x1x32,1x59x1x32 | 1x59x1x32 | Activation:Relu
    18 | conv_2d | 379.5k | 181.2k | 154.5k | 5.2k | 2.0m | 1x59x1x32,96x1x1x32,96 | 1x59x1x96 | Padding:Valid stride:1x1 activation:Relu
    19 | depthwise_conv_2d | 60.5k | 25.9k | 45.7k | 45.6k | 840.0u | 1x59x1x96,1x9x1x96,96 | 1x30x1x96 | Multiplier:1 padding:Same stride:2x2 activation:Relu
    20 | conv_2d | 185.3k | 92.2k | 74.2k | 5.3k | 960.0u | 1x30x1x96,32x1x1x96,32 | 1x30x1x32 | Padding:Valid stride:1x1 activation:None
    21 | conv_2d | 64.3k | 30.7k | 27.4k | 5.1k | 390.0u | 1x59x1x32,32x1x1x32,32 | 1x30x1x32 | Padding:Same stride:2x2 activation:Relu
    22 | add | 960.0 | 0 | 3.4k | 2.7k | 90.0u | 1x30x1x32,1x30x1x32 | 1x30x1x32 | Activation:Relu
    23 | conv_2d | 193.0k | 92.2k | 78.6k | 5.2k | 1.1m | 1x30x1x32,96x1x1x32,96 | 1x30x1x96 | Padding:Valid stride:1x1 activation:Relu
    24 | depthwise_conv_2d | 60.5k | 25.9k | 44.6k | 45.7k | 840.0u | 1x30x1x96,1x9x1x96,96 | 1x30x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    25 | conv_2d | 185.3k | 92.2k | 74.2k | 5.3k | 960.0u | 1x30x1x96,32x1x1x96,32 | 1x30x1x32 | Padding:Valid stride:1x1 activation:None
    26 | add | 960.0 | 0 | 3.4k | 2.7k | 90.0u | 1x30x1x32,1x30x1x32 | 1x30x1x32 | Activation:Relu
    27 | conv_2d | 193.0k | 92.2k | 78.6k | 5.2k | 1.1m | 1x30x1x32,96x1x1x32,96 | 1x30x1x96 | Padding:Valid stride:1x1 activation:Relu
    28 | depthwise_conv_2d | 60.5k | 25.9k | 44.6k | 45.7k | 810.0u | 1x30x1x96,1x9x1x96,96 | 1x30x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    29 | conv_2d | 185.3k | 92.2k | 74.2k | 5.3k | 960.0u | 1x30x1x96,32x1x1x96,32 | 1x30x1x32 | Padding:Valid stride:1x1 activation:None
    30 | add | 960.0 | 0 | 3.4k | 2.7k | 90.0u | 1x30x1x32,1x30x1x32 | 1x30x1x32 | Activation:Relu
    31 | conv_2d | 193.0k | 92.2k | 78.6k | 5.2k | 1.1m | 1x30x1x32,96x1x1x32,96 | 1x30x1x96 | Padding:Valid stride:1x1 activation:Relu
    32 | depthwise_conv_2d | 60.5k | 25.9k | 44.6k | 45.7k | 810.0u | 1x30x1x96,1x9x1x96,96 | 1x30x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    33 | conv_2d | 185.3k | 92.2k | 74.2k | 5.3k | 990.0u | 1x30x1x96,32x1x1x96,32 | 1x30x1x32 | Padding:Valid stride:1x1 activation:None
    34 | add | 960.0 | 0 | 3.4k | 2.7k | 90.0u | 1x30x1x32,1x30x1x32 | 1x30x1x32 | Activation:Relu
    35 | conv_2d | 193.0k | 92.2k | 78.6k | 5.2k | 1.1m | 1x30x1x32,96x1x1x32,96 | 1x30x1x96 | Padding:Valid stride:1x1 activation:Relu
    36 | depthwise_conv_2d | 30.2k | 13.0k | 22.3k | 23.4k | 420.0u | 1x30x1x96,1x9x1x96,96 | 1x15x1x96 | Multiplier:1 padding:Same stride:2x2 activation:Relu
    37 | conv_2d | 92.6k | 46.1k | 37.2k | 5.2k | 510.0u | 1x15x1x96,32x1x1x96,32 | 1x15x1x32 | Padding:Valid stride:1x1 activation:None
    38 | conv_2d | 32.2k | 15.4k | 13.7k | 5.1k | 240.0u | 1x30x1x32,32x1x1x32,32 | 1x15x1x32 | Padding:Same stride:2x2 activation:Relu
    39 | add | 480.0 | 0 | 1.7k | 2.7k | 60.0u | 1x15x1x32,1x15x1x32 | 1x15x1x32 | Activation:Relu
    40 | conv_2d | 96.5k | 46.1k | 39.4k | 5.2k | 570.0u | 1x15x1x32,96x1x1x32,96 | 1x15x1x96 | Padding:Valid stride:1x1 activation:Relu
    41 | depthwise_conv_2d | 30.2k | 13.0k | 20.8k | 23.4k | 390.0u | 1x15x1x96,1x9x1x96,96 | 1x15x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    42 | conv_2d | 92.6k | 46.1k | 37.2k | 5.2k | 540.0u | 1x15x1x96,32x1x1x96,32 | 1x15x1x32 | Padding:Valid stride:1x1 activation:None
    43 | add | 480.0 | 0 | 1.7k | 2.7k | 60.0u | 1x15x1x32,1x15x1x32 | 1x15x1x32 | Activation:Relu
    44 | conv_2d | 96.5k | 46.1k | 39.4k | 5.2k | 540.0u | 1x15x1x32,96x1x1x32,96 | 1x15x1x96 | Padding:Valid stride:1x1 activation:Relu
    45 | depthwise_conv_2d | 30.2k | 13.0k | 20.8k | 23.4k | 420.0u | 1x15x1x96,1x9x1x96,96 | 1x15x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    46 | conv_2d | 92.6k | 46.1k | 37.2k | 5.2k | 510.0u | 1x15x1x96,32x1x1x96,32 | 1x15x1x32 | Padding:Valid stride:1x1 activation:None
    47 | add | 480.0 | 0 | 1.7k | 2.7k | 30.0u | 1x15x1x32,1x15x1x32 | 1x15x1x32 | Activation:Relu
    48 | conv_2d | 96.5k | 46.1k | 39.4k | 5.2k | 570.0u | 1x15x1x32,96x1x1x32,96 | 1x15x1x96 | Padding:Valid stride:1x1 activation:Relu
    49 | depthwise_conv_2d | 30.2k | 13.0k | 20.8k | 23.4k | 420.0u | 1x15x1x96,1x9x1x96,96 | 1x15x1x96 | Multiplier:1 padding:Same stride:1x1 activation:Relu
    50 | conv_2d | 92.6k | 46.1k | 37.2k | 5.2k | 510.0u | 1x15x1x96,32x1x1x96,32 | 1x15x1x32 | Padding:Valid stride:1x1 activation:None
    51 | add | 480.0 | 0 | 1.7k | 2.7k | 60.0u | 1x15x1x32,1x15x1x32 | 1x15x1x32 | Activation:Relu
    52 | average_pool_2d | 512.0 | 0 | 309.0 | 3.9k | 60.0u | 1x15x1x32 | 1x1x1x32 | Padding:Valid stride:1x15 filter:1x15 activation:None
    53 | reshape | 0 | 0 | 0 | 595.0 | 0 | 1x1x1x32,2 | 1x32 | Type=none
    54 | fully_connected | 130.0 | 64.0 | 123.0 | 2.1k | 30.0u | 1x32,2x32,2 | 1x2 | Activation:None
    55 | softmax | 10.0 | 0 | 0 | 2.4k | 30.0u | 1x2 | 1x2 | Type=softmaxoptions
"""


# kernel h w cin cout kh kw stride valid_MACs outputs inputs instructions
# ('same' padding; h x w x cin input; max pooling: VALID windows of kh x 1)
# Rows of benchmarks/cmsis_nn_icount/instructions.json, shipped as package data.
CMSIS_NN_INSTRUCTIONS = "\n".join(
    " ".join(str(row[k]) for k in ("kernel", "h", "w", "cin", "cout", "kh", "kw", "stride",
                                    "macs", "outputs", "inputs", "insn"))
    for row in _data("cmsis_nn_instructions.json")["rows"])


# Instructions of one whole TFLM + CMSIS-NN inference of TENet12 on a Cortex-M33 under QEMU,
# per layer (TFLM profiler events; benchmarks/tflm_qemu_layers/run.sh, resolution 50
# instructions): checks that the per-kernel instruction model adds up inside TFLM.
# benchmarks/tflm_qemu_layers/layers_tenet12.json, shipped as package data.
_LAYERS = _data("tflm_qemu_layers_tenet12.json")
TFLM_TENET12_INVOKE_INSTRUCTIONS = int(_LAYERS["invoke_instructions"])
TFLM_TENET12_LAYER_INSTRUCTIONS = tuple(int(layer["instructions"]) for layer in _LAYERS["layers"])

@dataclass(frozen=True)
class MeasuredLayer:
    index: int
    opcode: str
    ops: float
    macs: float
    acc_cycles: float
    cpu_cycles: float
    time_s: float
    op: Operator          # the layer rebuilt from its shapes and options


_SUFFIX = {"k": 1e3, "M": 1e6, "m": 1e-3, "u": 1e-6}


def _number(text: str) -> float:
    text = text.strip()
    if text and text[-1] in _SUFFIX:
        return float(text[:-1]) * _SUFFIX[text[-1]]
    return float(text)


def _options(text: str) -> dict:
    """'Padding:Same stride:2x2 activation:Relu' -> tflite-style options (MLTK prints WxH)."""
    options = {}
    for item in text.replace("=", ":").split():
        key, _, value = item.partition(":")
        key = key.lower()
        if key == "padding":
            options["padding"] = value.lower()
        elif key == "stride":
            options["stride_w"], options["stride_h"] = (int(v) for v in value.split("x"))
        elif key == "filter":
            options["filter_width"], options["filter_height"] = (int(v) for v in value.split("x"))
        elif key == "activation":
            options["fused_activation_function"] = value.lower()
        elif key == "multiplier":
            options["depth_multiplier"] = int(value)
    return options


_BYTES = {"int8": 1, "int16": 2, "int32": 4, "resource": 0}


def _shaped_tensor(index: int, shape: tuple[int, ...], dtype: str, constant: bool) -> Tensor:
    return Tensor(index=index, name=f"t{index}", shape=tuple(shape), dtype=dtype,
                  constant=constant, nbytes=math.prod(shape) * _BYTES.get(dtype, 4))


def _tensor(index: int, text: str, dtype: str, constant: bool) -> Tensor:
    return _shaped_tensor(index, tuple(int(d) for d in text.split("x")), dtype, constant)


@lru_cache(maxsize=1)
def measured_layers() -> tuple[MeasuredLayer, ...]:
    layers = []
    for line in TABLE.strip().splitlines():
        cells = [c.strip() for c in line.split("|")]
        index, opcode = int(cells[0]), cells[1]
        shapes = cells[7].split(",")
        inputs = []
        for position, shape in enumerate(shapes):
            # convs and fully connected: (data, weights, int32 bias); reshape: (data, int32 shape)
            is_int32 = (position == 2) or (opcode == "reshape" and position == 1)
            inputs.append(_tensor(3 * index + position, shape, "int32" if is_int32 else "int8",
                                  constant=position > 0 and opcode != "add"))
        output = _tensor(1000 + index, cells[8], "int8", constant=False)
        op = Operator(index=index, opcode=opcode, inputs=tuple(inputs), outputs=(output,),
                      options=_options(cells[9]))
        layers.append(MeasuredLayer(index, opcode, *(_number(c) for c in cells[2:7]), op))
    return tuple(layers)


@dataclass(frozen=True)
class MeasuredKernel:
    instructions: float
    op: Operator          # the kernel's call rebuilt as a tflite operator


def _same(size: int, stride: int) -> int:
    return (size + stride - 1) // stride


@lru_cache(maxsize=1)
def measured_kernels() -> tuple[MeasuredKernel, ...]:
    kernels = []
    for n, line in enumerate(CMSIS_NN_INSTRUCTIONS.strip().splitlines()):
        kind, *numbers = line.split()
        h, w, cin, cout, kh, kw, stride, _, outputs, _, insn = (int(v) for v in numbers)
        t = lambda i, shape, dtype="int8", constant=False: _tensor(
            100 * n + i, "x".join(str(d) for d in shape), dtype, constant)
        sw = stride if w > 1 else 1
        if kind in ("conv_2d", "depthwise_conv_2d"):
            out = (1, _same(h, stride), _same(w, sw), cout)
            weights = (cout, kh, kw, cin) if kind == "conv_2d" else (1, kh, kw, cout)
            inputs = (t(0, (1, h, w, cin)), t(1, weights, constant=True),
                      t(2, (cout,), "int32", True))
            options = {"padding": "same", "stride_h": stride, "stride_w": sw}
            if kind == "depthwise_conv_2d":
                options["depth_multiplier"] = 1
        elif kind in ("add", "mul"):
            out, inputs, options = (h,), (t(0, (h,)), t(1, (h,))), {}
        elif kind in ("average_pool_2d", "max_pool_2d"):
            out = (1, h // kh, 1, cout)
            inputs = (t(0, (1, h, 1, cin)),)
            options = {"padding": "valid", "stride_h": kh, "stride_w": 1,
                       "filter_height": kh, "filter_width": 1}
        elif kind == "fully_connected":
            out = (1, cout)
            inputs = (t(0, (1, cin)), t(1, (cout, cin), constant=True),
                      t(2, (cout,), "int32", True))
            options = {}
        elif kind == "softmax":
            out, inputs, options = (1, cin), (t(0, (1, cin)),), {}
        elif kind == "batch_matmul":
            out = (1, h, cout)
            inputs = (t(0, (1, h, cin)), t(1, (1, cin, cout)))
            options = {}
        else:
            raise ValueError(f"unknown kernel {kind!r} in CMSIS_NN_INSTRUCTIONS")
        op = Operator(index=n, opcode=kind, inputs=inputs, outputs=(t(9, out),), options=options)
        kernels.append(MeasuredKernel(float(insn), op))
    return tuple(kernels)


def with_fc_bias(graph):
    """`graph` with a bias on its fully connected layer, as the trained alexa model has
    (TABLE row 54 has three inputs): the random-weight TENet12 builder's converter
    leaves the zero bias out, one tensor fewer, which changes the arena a little."""
    fc = next(op for op in graph.operators if op.opcode == "fully_connected")
    if fc.input(2) is not None:
        return graph
    units = fc.outputs[0].shape[-1]
    bias = Tensor(len(graph.tensors), "fc_bias", (units,), "int32", True, 4 * units)
    with_bias = dataclasses.replace(fc, inputs=fc.inputs[:2] + (bias,))
    return dataclasses.replace(graph, tensors=graph.tensors + (bias,), operators=tuple(
        with_bias if op is fc else op for op in graph.operators))


@dataclass(frozen=True)
class MeasuredStateOp:
    model: str            # the benchmark's model variant
    instructions: float   # the whole layer under QEMU (mean over invokes)
    baseline: float       # the same model's reshape layer: a layer without kernel work
    op: Operator          # the layer rebuilt from its shapes and options


@lru_cache(maxsize=1)
def measured_state_ops() -> tuple[MeasuredStateOp, ...]:
    """The state-op rows of benchmarks/tflm_state_ops.py, shipped as package data."""
    rows = []
    for model, entry in _data("tflm_state_ops_qemu.json")["models"].items():
        layers = entry["layers"]
        baseline = next(layer["instructions"] for layer in layers if layer["op"] == "RESHAPE")
        for layer in layers:
            if layer["op"] == "RESHAPE":
                continue
            n = len(rows)

            def tensor(i, cell):
                return None if cell is None else _shaped_tensor(100 * n + i, *cell)

            inputs = tuple(tensor(i, c) for i, c in enumerate(layer["inputs"]))
            outputs = tuple(tensor(50 + i, c) for i, c in enumerate(layer["outputs"]))
            op = Operator(index=layer["index"], opcode=layer["op"].lower(), inputs=inputs,
                          outputs=outputs, options=dict(layer["options"]))
            rows.append(MeasuredStateOp(model, float(layer["instructions"]), float(baseline), op))
    return tuple(rows)
