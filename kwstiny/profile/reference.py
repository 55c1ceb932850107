"""Measurements the target cost models are fitted to (`kwstiny.profile.fit`).

1. `TABLE`: the per-layer profile MLTK measured on a real EFR32xG24 (Cortex-M33 at 78 MHz
   with the MVP accelerator) for its TENet12 `keyword_spotting_alexa` model, from the
   reference page `shared/reference/002_391131a8fbeca5fc.txt` (`mltk profile ... --device
   --accelerator MVP`). Numbers are as printed there (k = 1e3, M = 1e6, m = 1e-3 s,
   u = 1e-6 s); times come from a timer with a resolution of about 30 us, so single small
   layers carry a large relative error.
2. `CMSIS_NN_INSTRUCTIONS`: instructions that CMSIS-NN's int8 kernels execute on a
   Cortex-M33, counted by `benchmarks/cmsis_nn_icount/run.sh` (QEMU mps2-an505 with
   -icount; CMSIS-NN 99f736a6, arm-none-eabi-gcc 12.2 -O2) for TENet12's layer shapes and
   size variants. These are instructions, not cycles: `targets.CortexM33` turns them into
   cycles with a cycles-per-instruction figure calibrated on row 1's CPU-only layers.
3. `TFLM_TENET12_LAYER_INSTRUCTIONS`: a whole TENet12 inference in TFLM + CMSIS-NN under
   QEMU, per layer, to check that the kernel model adds up (`benchmarks/tflm_qemu_layers`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from kwstiny.tflite import Operator, Tensor

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
CMSIS_NN_INSTRUCTIONS = """
    conv_2d 118 1 108 32 3 1 1 1216512 3776 12744 2309850
    conv_2d 59 1 108 32 3 1 1 604800 1888 6372 1167050
    conv_2d 30 1 108 32 3 1 1 304128 960 3240 587400
    conv_2d 59 1 32 32 3 1 1 179200 1888 1888 420650
    conv_2d 59 1 64 64 5 1 1 1183744 3776 3776 2238800
    conv_2d 30 1 16 48 3 1 1 67584 1440 480 192400
    conv_2d 118 1 32 96 1 1 1 362496 11328 3776 981500
    conv_2d 118 1 96 32 1 1 1 362496 3776 11328 677050
    conv_2d 118 1 32 32 1 1 2 60416 1888 3776 438200
    conv_2d 59 1 32 96 1 1 1 181248 5664 1888 499350
    conv_2d 59 1 96 32 1 1 1 181248 1888 5664 345250
    conv_2d 59 1 32 32 1 1 2 30720 960 1888 222850
    conv_2d 30 1 32 96 1 1 1 92160 2880 960 259200
    conv_2d 30 1 96 32 1 1 1 92160 960 2880 180000
    conv_2d 30 1 32 32 1 1 2 15360 480 960 111500
    conv_2d 15 1 32 96 1 1 1 46080 1440 480 138200
    conv_2d 15 1 96 32 1 1 1 46080 480 1440 96750
    conv_2d 15 1 32 32 1 1 2 8192 256 480 59550
    conv_2d 59 1 64 64 1 1 1 241664 3776 3776 511600
    conv_2d 59 1 16 128 1 1 1 120832 7552 944 487050
    conv_2d 59 1 128 16 1 1 1 120832 944 7552 217400
    conv_2d 59 1 64 16 1 1 2 30720 480 3776 186600
    conv_2d 30 1 96 64 1 1 2 92160 960 2880 514950
    depthwise_conv_2d 118 1 96 96 9 1 1 100032 11328 11328 1295500
    depthwise_conv_2d 118 1 96 96 9 1 2 50016 5664 11328 647800
    depthwise_conv_2d 59 1 96 96 9 1 1 49056 5664 5664 645700
    depthwise_conv_2d 59 1 96 96 9 1 2 24768 2880 5664 327950
    depthwise_conv_2d 30 1 96 96 9 1 1 24000 2880 2880 326300
    depthwise_conv_2d 30 1 96 96 9 1 2 12000 1440 2880 163250
    depthwise_conv_2d 15 1 96 96 9 1 1 11040 1440 1440 161050
    depthwise_conv_2d 15 1 96 96 9 1 2 5760 768 1440 85650
    depthwise_conv_2d 59 1 32 32 3 1 1 5600 1888 1888 137600
    depthwise_conv_2d 59 1 64 64 5 1 1 18496 3776 3776 320350
    depthwise_conv_2d 59 1 48 48 7 1 1 19248 2832 2832 292750
    conv_2d 49 10 1 64 10 4 2 270720 8000 490 1116550
    conv_2d 25 5 64 64 1 1 1 512000 8000 8000 1065000
    conv_2d 25 5 32 32 3 3 1 971776 4000 4000 2234700
    conv_2d 40 20 8 16 3 3 2 219008 3200 6400 662700
    depthwise_conv_2d 25 5 64 64 3 3 1 60736 8000 8000 560950
    depthwise_conv_2d 40 20 16 16 3 3 1 109504 12800 12800 966450
    depthwise_conv_2d 40 20 16 16 5 5 2 72944 3200 12800 897250
    add 1888 1 0 0 1 1 1 0 1888 3776 157850
    add 960 1 0 0 1 1 1 0 960 1920 80300
    add 480 1 0 0 1 1 1 0 480 960 40200
    add 3776 1 0 0 1 1 1 0 3776 7552 315550
    average_pool_2d 15 1 32 32 15 1 15 0 32 480 3850
    average_pool_2d 59 1 32 32 59 1 59 0 32 1888 13450
    average_pool_2d 30 1 64 64 30 1 30 0 64 1920 13300
    fully_connected 1 1 32 2 1 1 1 64 2 32 350
    fully_connected 1 1 64 12 1 1 1 768 12 64 2200
    fully_connected 1 1 256 64 1 1 1 16384 64 256 34000
    softmax 1 1 2 2 1 1 1 0 2 2 1200
    softmax 1 1 12 12 1 1 1 0 12 12 6400
    softmax 1 1 35 35 1 1 1 0 35 35 17400
    mul 480 1 0 0 1 1 1 0 480 960 16200
    mul 1888 1 0 0 1 1 1 0 1888 3776 63550
    mul 3776 1 0 0 1 1 1 0 3776 7552 127050
    max_pool_2d 30 1 32 32 2 1 2 0 480 960 11350
    max_pool_2d 118 1 32 32 2 1 2 0 1888 3776 44400
    max_pool_2d 59 1 64 64 3 1 3 0 1216 3776 35100
    batch_matmul 16 1 64 16 1 1 1 16384 256 2048 45400
    batch_matmul 32 1 64 32 1 1 1 65536 1024 4096 177850
    batch_matmul 50 1 32 50 1 1 1 80000 2500 3200 281000
"""


# Instructions of one whole TFLM + CMSIS-NN inference of TENet12 on a Cortex-M33 under QEMU,
# per layer (TFLM profiler events; benchmarks/tflm_qemu_layers/run.sh, resolution 50
# instructions): checks that the per-kernel instruction model adds up inside TFLM.
TFLM_TENET12_INVOKE_INSTRUCTIONS = 15667250
TFLM_TENET12_LAYER_INSTRUCTIONS = (
    2310100, 981800, 648250, 345500, 438450, 156500, 499600, 646100, 345500, 156550, 499650,
    646100, 345550, 156550, 499650, 646100, 345550, 156500, 499600, 328400, 180300, 223100,
    80000, 259500, 326700, 180300, 79950, 259450, 326700, 180300, 79900, 259450, 326700,
    180300, 79900, 259450, 163650, 97000, 111750, 40350, 138500, 161500, 97000, 40350, 138450,
    161450, 97000, 40350, 138450, 161450, 97000, 40350, 4150, 250, 700, 1300,
)

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


def _tensor(index: int, text: str, dtype: str, constant: bool) -> Tensor:
    shape = tuple(int(d) for d in text.split("x"))
    size = 1
    for d in shape:
        size *= d
    return Tensor(index=index, name=f"t{index}", shape=shape, dtype=dtype, constant=constant,
                  nbytes=size * (4 if dtype == "int32" else 1))


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
