"""The streaming alexa model against issue 15's targets: MACs per second of audio (<= 2 M),
TFLM arena (<= 40 KB), `kwstiny detect` on the TFLM Python runtime (>= 300x real time,
one core), with the window model (keyword_spotting_alexa) measured the same way beside it.

Models: each spec's trained .tflite when its run directory has one, else int8 models
with random weights and the spec's metadata (kwstiny.models.random_int8; cost and speed
do not depend on the weights, detections do). Audio: the alexa_stream recipe's streams,
made on first use. The process is pinned to one core; `detect` runs over the files
several times and the best wall-clock and process-CPU times are kept (the CPU figure is
the fair one on a shared machine). The duty cycles come from `kwstiny profile`'s cost
models at each model's own schedule (the streaming model's state ops: their QEMU-measured
model, benchmarks/tflm_state_ops.py); where layers have no cycle model they would be
lower bounds, and say so.

    python benchmarks/streaming_alexa.py [--scale test] [--repeats 3] [--cpu 0]
                                         [--spec keyword_spotting_alexa_streaming] [--out FILE]

Writes benchmarks/results/streaming_alexa.json (or --out).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny import paths  # noqa: E402
from kwstiny.paths import write_json  # noqa: E402
from detect_speed import _duration, alexa_model, bare_invoke_ms, detect_throughput, stream_files  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "streaming_alexa.json"
TARGETS = {"macs_per_s_of_audio": 2e6, "arena_bytes": 40 * 1024, "realtime_factor_tflm": 300.0}


def streaming_model(spec_name: str, workdir: Path) -> tuple[Path, dict]:
    """The trained streaming .tflite if there is one, else random weights."""
    trained = paths.run_dir(spec_name) / f"{spec_name}.tflite"
    if trained.is_file():
        return trained, {"weights": "trained", "path": str(trained)}
    from kwstiny.models.random_int8 import random_streaming_int8
    from kwstiny.spec import load_spec

    path = workdir / f"{spec_name}-random.tflite"
    path.write_bytes(random_streaming_int8(load_spec(spec_name), seed=0))
    return path, {"weights": f"random (no trained model at {trained})", "path": None}


def costs(model: Path) -> dict:
    """MACs, schedule, arena and the duty cycle on both targets."""
    from kwstiny.profile.memory import measure_arena
    from kwstiny.profile.report import profile, summarize

    summary = summarize(model)
    arena = measure_arena(model)
    result = {"macs_per_invoke": summary["totals"]["macs"], "schedule": summary["schedule"],
              "arena_bytes": arena.bytes, "file_bytes": summary["totals"]["file_size"],
              "parameters": summary["totals"]["parameters"], "targets": {}}
    for accelerator in ("none", "MVP"):
        p = profile(model, accelerator=accelerator, measure_memory=False)
        result["targets"][accelerator] = {
            "time_per_invoke_s": p["totals"]["time_s"],
            "complete": p["totals"]["complete"],
            "layers_without_estimate": len(p["totals"]["layers_without_estimate"]),
            "duty_cycle": p["schedule"].get("duty_cycle"),
            "duty_cycle_is_lower_bound": p["schedule"].get("duty_cycle_is_lower_bound")}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="test", choices=["test", "demo", "full"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--spec", default="keyword_spotting_alexa_streaming")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    os.sched_setaffinity(0, {args.cpu})         # one core, as taskset -c CPU
    with tempfile.TemporaryDirectory() as tmp:
        files = stream_files(args.scale)
        result = {
            "what": "streaming alexa model vs the window model: MACs/s, arena, detect speed",
            "audio": {"recipe": "alexa_stream", "scale": args.scale, "files": len(files),
                      "seconds": round(sum(_duration(f) for f in files), 2)},
            "machine": {"cpu": platform.processor() or platform.machine(),
                        "cores_on_machine": os.cpu_count(), "pinned_to_cpu": args.cpu,
                        "load_average_at_start": os.getloadavg()},
            "repeats": args.repeats, "targets": TARGETS, "models": {},
        }
        models = {"streaming": streaming_model(args.spec, Path(tmp)),
                  "window": alexa_model(Path(tmp))}
        for kind, (model, info) in models.items():
            entry = {**info, **costs(model)}
            entry["detect_tflm"], _ = detect_throughput(model, files, "tflm", args.repeats)
            entry["bare_invoke_ms_tflm"] = bare_invoke_ms(model, "tflm")
            result["models"][kind] = entry
        streaming = result["models"]["streaming"]
        result["targets_met"] = {
            "macs_per_s_of_audio": streaming["schedule"]["macs_per_s_of_audio"]
            <= TARGETS["macs_per_s_of_audio"],
            "arena_bytes": streaming["arena_bytes"] <= TARGETS["arena_bytes"],
            "realtime_factor_tflm": streaming["detect_tflm"]["realtime_factor_cpu"]
            >= TARGETS["realtime_factor_tflm"],
        }
        result["load_average_at_end"] = os.getloadavg()
    write_json(args.out, result)
    for kind, entry in result["models"].items():
        print(f"{kind:9}: {entry['schedule']['macs_per_s_of_audio'] / 1e6:.2f} M MAC/s, arena "
              f"{entry['arena_bytes']:,} B, detect {entry['detect_tflm']['realtime_factor_cpu']:.0f}x "
              f"real time (CPU), MVP duty cycle "
              f"{'>= ' if entry['targets']['MVP']['duty_cycle_is_lower_bound'] else ''}"
              f"{100 * (entry['targets']['MVP']['duty_cycle'] or 0):.1f} %")
    print(f"targets met: {result['targets_met']} -> {args.out}")


if __name__ == "__main__":
    main()
