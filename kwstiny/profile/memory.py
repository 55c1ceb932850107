"""RAM and flash a model needs on the device.

RAM is the tensor arena that TensorFlow Lite Micro really needs, found by running the
model in the `tflite-micro` Python runtime (the same interpreter and memory planner as
the firmware) and searching for the smallest arena with which it allocates and invokes.
The probes run in a child process (`_arena_probe`): a too-small arena can crash the
runtime. The runtime's own allocation report at that size equals the figure.

The runtime here is a 64-bit build: its bookkeeping records (one per tensor and per
node) hold pointers, which are half as wide on a Cortex-M33, so the device needs less
than this figure; `bookkeeping_bytes` says how much of it those records are, and
`kwstiny.profile.arena` computes the arena of a Cortex-M33 build (checked against this
runtime's head and records, and against the firmware under QEMU).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kwstiny.errors import KwstinyError
from kwstiny.profile.targets import tflm_cannot_run
from kwstiny.tflite import read_graph

# Largest arena tried before giving up (a keyword model needs tens of kilobytes).
MAX_ARENA = 64 * 1024 * 1024
_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")
_HEAD = re.compile(r"Arena allocation head (\d+) bytes")
_RECORD = re.compile(r"'([^']+)' used (\d+) bytes")
# Allocation records made of pointer-holding structs (sizes depend on the pointer width).
_POINTER_RECORDS = ("TfLiteEvalTensor data", "NodeAndRegistration struct",
                    "Persistent TfLiteTensor data")


@dataclass(frozen=True)
class ArenaSize:
    """The smallest working tensor arena, and what the runtime said around it."""

    bytes: int               # smallest arena with which the model allocates and invokes
    reported: int            # the runtime's "Arena allocation total" at that size
    records: dict            # the runtime's allocation records at that size (name -> bytes)
    below_error: str         # what the runtime said one byte below the minimum
    probes: int              # arena sizes tried
    head: int = 0            # of `reported`: the planned activations and scratch buffers

    @property
    def bookkeeping_bytes(self) -> int:
        return sum(self.records.get(name, 0) for name in _POINTER_RECORDS)


class _Prober:
    """Drives one child process; restarts it when a probe crashes the runtime."""

    def __init__(self, path: Path, inputs: int):
        self.path, self.inputs, self.child, self.count = path, inputs, None, 0
        self.cache: dict[int, dict] = {}

    def __call__(self, size: int) -> dict:
        if size in self.cache:
            return self.cache[size]
        self.count += 1
        if self.child is None or self.child.poll() is not None:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "kwstiny.profile._arena_probe", str(self.path),
                 str(self.inputs)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, cwd=Path(__file__).resolve().parents[2])
        self.child.stdin.write(f"{size}\n")
        self.child.stdin.flush()
        line = self.child.stdout.readline()
        if line:
            result = json.loads(line)
        else:  # the runtime crashed the child
            self.child.wait()
            detail = self.child.stderr.read().strip().splitlines()[-1:] or ["no message"]
            result = {"size": size, "ok": False,
                      "log": f"runtime crashed (exit {self.child.returncode}): {detail[0]}"}
            self.child = None
        self.cache[size] = result
        return result

    def close(self):
        if self.child is not None and self.child.poll() is None:
            self.child.stdin.close()
            self.child.wait(timeout=30)


def measure_arena(model: bytes | str | Path) -> ArenaSize:
    """Find the smallest tensor arena with which TFLM allocates and invokes `model`.

    Raises KwstinyError when the runtime cannot run the model at any size (an op it has
    no kernel for, a float16 tensor ...), quoting what the runtime said."""
    if isinstance(model, (str, Path)):
        model = Path(model).read_bytes()
    graph = read_graph(model)
    for op in graph.operators:
        reason = tflm_cannot_run(op)
        if reason:
            raise KwstinyError(f"the TFLM runtime cannot run this model: layer {op.index} "
                               f"({op.label}): {reason}")
    with tempfile.TemporaryDirectory(prefix="kwstiny-arena-") as tmp:
        path = Path(tmp) / "model.tflite"
        path.write_bytes(model)
        prober = _Prober(path, len(graph.inputs))
        try:
            return _search(prober)
        finally:
            prober.close()


def _search(probe) -> ArenaSize:
    size, failed = 64 * 1024, 0
    while True:  # grow until it works; a failure with room to spare is not about size
        result = probe(size)
        if result["ok"]:
            break
        if size >= MAX_ARENA or not _too_small(result["log"]):
            raise KwstinyError("the TFLM runtime cannot run this model: "
                               + _last_lines(result["log"]))
        failed, size = size, size * 4
    # The report at a roomy size is the requirement up to alignment; search just below it.
    working = _reported(result["log"]) or size
    if not probe(working)["ok"]:
        working = size
    low = max(failed, working - 1024)
    while low > failed and probe(low)["ok"]:
        low = max(failed, low - 4 * (working - low))
    high = working  # invariant: probe(high) ok, probe(low) fails (or low == 0)
    while high - low > 1:
        middle = (low + high) // 2
        if probe(middle)["ok"]:
            high = middle
        else:
            low = middle
    best = probe(high)
    below = probe(high - 1)
    head = _HEAD.search(best["log"])
    return ArenaSize(bytes=high, reported=_reported(best["log"]) or 0,
                     records={name: int(n) for name, n in _RECORD.findall(best["log"])},
                     below_error=_last_lines(below["log"]), probes=probe.count,
                     head=int(head.group(1)) if head else 0)


def _reported(log: str) -> int | None:
    match = _TOTAL.search(log)
    return int(match.group(1)) if match else None


def _too_small(log: str) -> bool:
    return any(s in log for s in ("Failed to allocate", "Failed to resize", "missing:",
                                  "Failed starting model allocation", "crashed"))


def _last_lines(log: str, n: int = 3) -> str:
    lines = [line.strip() for line in log.strip().splitlines() if line.strip()]
    return " / ".join(lines[-n:]) if lines else "no message"


# -- flash: the runtime's code ------------------------------------------------------------
# Measured by benchmarks/tflm_code_size/run.sh: a program that loads, allocates and invokes
# a model with TFLM + CMSIS-NN for Cortex-M33 (TFLM's own make: cortex_m_generic,
# cortex-m33, OPTIMIZED_KERNEL_DIR=cmsis_nn, release_with_logs; arm-none-eabi-gcc 12.2,
# -Os, --gc-sections), text + data bytes. `framework`: no kernel registered; `first_kernel`: what conv_2d adds
# (its code and the int8 helpers most kernels share); `kernels`: what each other kernel
# adds on top of conv_2d.
RUNTIME_CODE: dict = {
    "framework": 22289,
    "first_kernel": 33848,
    "kernels": {
        "depthwise_conv_2d": 17160, "fully_connected": 16868, "add": 11580, "sub": 9480,
        "mul": 9716, "div": 7368, "average_pool_2d": 3528, "max_pool_2d": 3712,
        "reshape": 1676, "squeeze": 1252, "expand_dims": 1452, "softmax": 8884,
        "log_softmax": 6360, "mean": 5140, "sum": 5404, "reduce_max": 3360, "quantize": 2848,
        "dequantize": 1288, "logistic": 5412, "tanh": 5836, "relu": 1308, "relu6": 1044,
        "leaky_relu": 1580, "hard_swish": 1596, "prelu": 4252, "concatenation": 4380,
        "strided_slice": 12412, "slice": 2732, "pad": 5260, "padv2": 5260, "transpose": 2976,
        "batch_matmul": 13540, "squared_difference": 7440, "rsqrt": 3036, "sqrt": 912,
        "exp": 1664, "log": 1440, "gather": 2396, "split": 1888, "split_v": 2000, "pack": 1412,
        "unpack": 1228, "shape": 568, "fill": 1448, "transpose_conv": 8568,
        "resize_nearest_neighbor": 3104, "maximum": 7088, "minimum": 7088, "cast": 1868,
        "svdf": 13352, "unidirectional_sequence_lstm": 18160
    },
    # checks: the kernels of TENet12 / of a transformer block linked in one program
    "linked_together": {"tenet12": 92792, "transformer_block": 115304},
}


@dataclass(frozen=True)
class CodeSize:
    bytes: int | None     # framework + kernels, None when no measurement applies
    kernels: tuple[str, ...]
    unmeasured: tuple[str, ...]  # kernels with no measurement (left out of `bytes`)


def runtime_code(opcodes) -> CodeSize:
    """Flash for TFLM's framework and the kernels of `opcodes` (one each)."""
    if not RUNTIME_CODE:
        return CodeSize(None, (), tuple(sorted(set(opcodes))))
    kernels = sorted(set(opcodes))
    known = [k for k in kernels if k == "conv_2d" or k in RUNTIME_CODE["kernels"]]
    total = RUNTIME_CODE["framework"]
    if known:
        # the first kernel brings the shared int8 helpers; measured with conv_2d
        total += RUNTIME_CODE["first_kernel"]
        total += sum(RUNTIME_CODE["kernels"][k] for k in known if k != "conv_2d")
    return CodeSize(total, tuple(known), tuple(k for k in kernels if k not in known))
