"""The alexa model (int8 TENet12) on the emulated Cortex-M33, through the serial protocol.

For TFLM's reference kernels and for CMSIS-NN: the firmware's text/data/bss with the
model linked in (with the full op table and with only the model's ops), the int8
outputs against the tflite-micro Python runtime on N random inputs (byte for byte),
QEMU instructions per inference (`-icount shift=0`: emulated instructions, not
cycles), the per-layer profile, and the time to load the model over QEMU's UART.

With --model, a trained alexa .tflite runs on features of its spec's voice-held-out
test split (half keyword, half unknown clips). Without it, a TENet12 with random weights
runs on random inputs (the proof is byte identity, not accuracy); its final layer is
scaled down so the softmax is not saturated and outputs vary.

    TFLM_ROOT=/path/to/tflite-micro python benchmarks/firmware_qemu.py [--inputs 20] \
        [--model MODEL]     # a spec name, run directory or .tflite, as for `kwstiny profile`

TFLM_ROOT is a tflite-micro checkout where TFLM's own Makefile built the Cortex-M33
libraries (kwstiny/firmware/README.md). Writes benchmarks/results/firmware_qemu.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from kwstiny.device.client import DeviceClient
from kwstiny.device.emulator import QemuBoard
from kwstiny.device.firmware import build_firmware
from kwstiny.inference import TfliteModel
from kwstiny.paths import resolve_tflite, write_json
from provenance import provenance

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "firmware_qemu.json"
LEAN_ARENA = 56 * 1024
MODEL_OPS = "CONV_2D;DEPTHWISE_CONV_2D;ADD;AVERAGE_POOL_2D;RESHAPE;FULLY_CONNECTED;SOFTMAX"


def alexa_model(path: Path) -> bytes:
    from kwstiny.models.random_int8 import random_tenet12_int8
    from kwstiny.spec import load_spec

    data = random_tenet12_int8(load_spec("keyword_spotting_alexa"), final_layer_scale=0.02)
    path.write_bytes(data)
    return data


def test_split_inputs(model: bytes, count: int) -> list:
    """`count` test-split feature windows of the model's spec, alternating its classes."""
    from kwstiny import tflite
    from kwstiny.data.pipeline import SpecData
    from kwstiny.spec import load_spec

    spec = load_spec(tflite.read_metadata(model)["name"])
    with SpecData(spec) as data:
        x, y = data.features("test")
    rng = np.random.default_rng(1)
    per_class = [rng.permutation(np.flatnonzero(y == c)) for c in range(len(spec.classes))]
    picks = [per_class[i % len(per_class)][i // len(per_class)] for i in range(count)]
    return [x[i].astype(np.int8)[None] for i in picks]


def sizes(image: Path) -> dict:
    out = subprocess.run(["arm-none-eabi-size", str(image)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[1].split()
    return {"text": int(out[0]), "data": int(out[1]), "bss": int(out[2])}


def reference_outputs(model: bytes, inputs: list) -> list:
    """The tflite-micro Python runtime's raw int8 outputs."""
    interpreter = TfliteModel(model)
    return [interpreter.invoke_raw(x) for x in inputs]


def run_variant(kernels: str, model_path: Path, model: bytes, inputs: list, want: list,
                build_root: Path, tflm_root: str) -> dict:
    cmsis = kernels == "cmsis_nn"
    full = build_firmware("qemu_an505", tflm_root=tflm_root, cmsis_nn=cmsis, model=model_path,
                          build_dir=build_root / f"{kernels}-full")
    only = build_firmware("qemu_an505", tflm_root=tflm_root, cmsis_nn=cmsis, model=model_path,
                          build_dir=build_root / f"{kernels}-model-ops",
                          options={"KWSTINY_OPS": MODEL_OPS})
    # What a product image would be: the model linked in, its ops only, an arena just
    # above what it uses, and no room for models sent over serial.
    lean = build_firmware("qemu_an505", tflm_root=tflm_root, cmsis_nn=cmsis, model=model_path,
                          build_dir=build_root / f"{kernels}-lean",
                          options={"KWSTINY_OPS": MODEL_OPS, "KWSTINY_ARENA_BYTES": LEAN_ARENA,
                                   "KWSTINY_MODEL_SLOT_BYTES": 16})
    with QemuBoard(full) as board, DeviceClient(board.url) as client:
        info = client.info()
        assert info["kernels"] == kernels, info
        described = client.model_info()
        outputs, ticks = [], []
        for x in inputs:
            out, t = client.invoke(x, described)
            outputs.append(out)
            ticks.append(t)
        total, events = client.profile(inputs[0], described)
    with QemuBoard(lean) as board, DeviceClient(board.url) as client:
        lean_model = client.model_info()  # the linked model runs in the small arena
        lean_ok = client.invoke(inputs[0], lean_model)[0].tobytes() == want[0].tobytes()
    identical = sum(o.tobytes() == w.tobytes() for o, w in zip(outputs, want))
    return {
        "firmware_full_op_table": {"ops": len(info["ops"]), **sizes(full)},
        "firmware_model_ops_only": {"ops": MODEL_OPS.split(";"), **sizes(only)},
        "firmware_lean": {"ops": MODEL_OPS.split(";"), "arena": LEAN_ARENA, "serial_model_slot": 16,
                          "runs_and_matches": lean_ok, **sizes(lean)},
        "ram": {"arena_used": described.arena_used, "arena_reserved": info["arena"],
                "ram_total": info["ram_total"], "ram_free": info["ram_free"]},
        "byte_identical_outputs": identical,
        "inputs": len(inputs),
        "distinct_outputs": len({o.tobytes() for o in outputs}),
        "emulated_instructions_per_inference": {
            "mean": float(np.mean(ticks)), "min": int(min(ticks)), "max": int(max(ticks))},
        "profile": {"total": total, "layers": [
            {"index": e.index, "op": e.op, "emulated_instructions": e.ticks} for e in events]},
    }


def load_time(model: bytes, build_root: Path, tflm_root: str) -> dict:
    image = build_firmware("qemu_an505", tflm_root=tflm_root, build_dir=build_root / "no-model")
    with QemuBoard(image) as board, DeviceClient(board.url) as client:
        client.info()
        start = time.perf_counter()
        client.load_model(model)
        seconds = time.perf_counter() - start
    return {"bytes": len(model), "seconds": round(seconds, 2),
            "bytes_per_second": round(len(model) / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=20)
    parser.add_argument("--model", default=None,
                        help="a trained alexa model (spec name, run directory or .tflite)")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    tflm_root = os.environ.get("TFLM_ROOT")
    if not tflm_root:
        raise SystemExit("set TFLM_ROOT to a tflite-micro checkout built with TFLM's Makefile")
    with tempfile.TemporaryDirectory(prefix="kwstiny-fw-bench-") as tmp:
        tmp = Path(tmp)
        model_path = tmp / "alexa_tenet12_int8.tflite"
        if args.model:
            model = resolve_tflite(args.model).read_bytes()
            model_path.write_bytes(model)
            inputs = test_split_inputs(model, args.inputs)
            what = f"the trained {args.model} .tflite on its test-split features"
        else:
            model = alexa_model(model_path)
            rng = np.random.default_rng(1)
            inputs = [rng.integers(-128, 128, size=(1, 118, 1, 108), dtype=np.int8)
                      for _ in range(args.inputs)]
            what = "int8 TENet12 (alexa input 118x1x108, 2 classes, random weights) on random inputs"
        want = reference_outputs(model, inputs)
        results = {
            "what": f"{what}, on QEMU mps2-an505 (Cortex-M33) through the kwstiny serial protocol",
            "counter": "emulated instructions (QEMU -icount shift=0; SysTick ticks x 50), not cycles",
            "model_bytes": len(model),
            "kernels": {},
        }
        for kernels in ("reference", "cmsis_nn"):
            results["kernels"][kernels] = run_variant(kernels, model_path, model, inputs, want,
                                                      tmp / "build", tflm_root)
            print(kernels, results["kernels"][kernels]["emulated_instructions_per_inference"],
                  results["kernels"][kernels]["byte_identical_outputs"], "identical", flush=True)
        ref = results["kernels"]["reference"]["emulated_instructions_per_inference"]["mean"]
        cmsis = results["kernels"]["cmsis_nn"]["emulated_instructions_per_inference"]["mean"]
        results["cmsis_nn_speedup"] = round(ref / cmsis, 2)
        results["model_load_over_uart"] = load_time(model, tmp / "build", tflm_root)
    write_json(args.output, {**results, "provenance": provenance()})
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
