"""Instructions of a streaming model's state ops on the emulated Cortex-M33, per layer.

A streaming .tflite (kwstiny.streaming_export) keeps each layer's recent inputs in TFLM
resource variables: VAR_HANDLE, READ_VARIABLE, CONCATENATION, STRIDED_SLICE and
ASSIGN_VARIABLE per streamed layer, CALL_ONCE for the zero state. TFLM runs them with
its reference kernels in CMSIS-NN builds as well (CMSIS-NN has none of them), so one
reference-kernel firmware measures them for both.

For the streaming alexa spec and a few variants of it (channels, kernel size,
dilations, frames per invoke, mel channels: other state and slice sizes), a random-
weight int8 streaming model is loaded over the serial line into the kwstiny firmware
on QEMU mps2-an505 (-icount shift=0), and the firmware's per-layer profile is read
INVOKES times after the first invoke (which also runs CALL_ONCE's zero-state graph).
The firmware's counter steps in 50 instructions; the mean over invokes is kept (the
counter's phase differs from invoke to invoke, so the mean resolves finer than a step).
Each model's RESHAPE row (a layer without kernel work) is kept too: the cost model
takes a layer's kernel instructions as its instructions minus that row's
(kwstiny.profile.fit.fit_state_ops).

    TFLM_ROOT=/path/to/tflite-micro python benchmarks/tflm_state_ops.py [--invokes 12]

Writes benchmarks/results/tflm_state_ops_qemu.json; copied unchanged to
kwstiny/profile/data/tflm_state_ops_qemu.json (a test checks they are equal).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "tflm_state_ops_qemu.json"
SPEC = "keyword_spotting_alexa_streaming"
KINDS = ("VAR_HANDLE", "READ_VARIABLE", "CONCATENATION", "STRIDED_SLICE", "ASSIGN_VARIABLE",
         "CALL_ONCE", "RESHAPE")
# spec overrides: the streaming alexa model itself, then other state and slice sizes
VARIANTS = {
    "alexa": {},
    "c64_k3_fpi4": {"model.options.channels": 64, "model.options.kernel_size": 3,
                    "model.options.dilations": (1, 2, 4, 8, 16), "streaming.frames_per_invoke": 4},
    "c16_k5_fpi12_mel40": {"model.options.channels": 16, "model.options.dilations": (1, 3, 9),
                           "streaming.frames_per_invoke": 12,
                           "frontend.filterbank_n_channels": 40},
    "c128_k3_fpi2": {"model.options.channels": 128, "model.options.kernel_size": 3,
                     "model.options.dilations": (1, 16), "streaming.frames_per_invoke": 2},
}


def tensor_row(t) -> list:
    return [list(t.shape), t.dtype, bool(t.constant)]


def measure(name: str, overrides: dict, image: Path, invokes: int, workdir: Path) -> dict:
    from kwstiny.device.client import DeviceClient
    from kwstiny.device.emulator import QemuBoard
    from kwstiny.models.random_int8 import random_streaming_int8
    from kwstiny.spec import load_spec
    from kwstiny.tflite import read_graph

    spec = load_spec(SPEC).with_overrides(overrides)
    data = random_streaming_int8(spec, seed=0)
    (workdir / f"{name}.tflite").write_bytes(data)
    graph = read_graph(data)
    rng = np.random.default_rng(0)
    with QemuBoard(image) as board, DeviceClient(board.url) as client:
        info = client.load_model(data)
        shape = info.input.shape
        client.profile(rng.integers(-128, 128, size=shape, dtype=np.int8), info)  # zero state
        runs = []
        for _ in range(invokes):
            total, events = client.profile(rng.integers(-128, 128, size=shape, dtype=np.int8), info)
            if [e.op for e in events] != [op.opcode.upper() for op in graph.operators]:
                raise SystemExit(f"{name}: the profile's layers are not the graph's operators")
            runs.append((total, [e.ticks for e in events]))
    ticks = np.array([r[1] for r in runs], dtype=float)
    layers = []
    for op, column in zip(graph.operators, ticks.T):
        if op.opcode.upper() not in KINDS:
            continue
        layers.append({"index": op.index, "op": op.opcode.upper(),
                       "inputs": [tensor_row(t) if t is not None else None for t in op.inputs],
                       "outputs": [tensor_row(t) for t in op.outputs],
                       "options": {k: v for k, v in op.options.items()
                                   if isinstance(v, (int, float, str, bool))},
                       "instructions": round(float(column.mean()), 1),
                       "min": int(column.min()), "max": int(column.max())})
    return {"overrides": {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
            "frames_per_invoke": spec.streaming.frames_per_invoke,
            "invoke_instructions": round(float(np.mean([r[0] for r in runs])), 1),
            "layers": layers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invokes", type=int, default=12)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    tflm_root = os.environ.get("TFLM_ROOT")
    if not tflm_root:
        raise SystemExit("set TFLM_ROOT to a tflite-micro checkout built with TFLM's Makefile")
    from kwstiny.device.firmware import build_firmware

    with tempfile.TemporaryDirectory(prefix="kwstiny-state-ops-") as tmp:
        tmp = Path(tmp)
        image = build_firmware("qemu_an505", tflm_root=tflm_root, build_dir=tmp / "build")
        models = {}
        for name, overrides in VARIANTS.items():
            models[name] = measure(name, overrides, image, args.invokes, tmp)
            print(name, models[name]["invoke_instructions"], "instructions per invoke", flush=True)
    write_json(args.output, {
        "what": "instructions of a streaming model's state-op layers (TFLM reference kernels) "
                "on Cortex-M33 under QEMU -icount, per layer, mean over invokes",
        "firmware": "kwstiny firmware, qemu_an505, TFLM reference kernels, models loaded over "
                    "the serial line; per-layer profile (TFLM profiler events)",
        "spec": SPEC,
        "weights": "random int8 (kwstiny.models.random_int8.random_streaming_int8, seed 0)",
        "counter": "emulated instructions (QEMU -icount shift=0; SysTick ticks x 50)",
        "invokes": args.invokes,
        "models": models,
        "provenance": provenance(),
    })
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
