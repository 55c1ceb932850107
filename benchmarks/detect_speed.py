"""Throughput of `kwstiny detect` on the alexa model, on one core: TFLM and LiteRT.

The model is the trained keyword_spotting_alexa .tflite when the lead's run directory
has one ($KWSTINY_HOME/models/keyword_spotting_alexa/), else an int8 TENet12 with random
weights and the alexa spec's metadata (kwstiny.models.random_int8; the cost of an
inference does not depend on the weights). The audio is the alexa_stream
recipe's streams (speech of held-out voices, keywords, noise), made on first use.

The process is pinned to one core (as `taskset -c 0`) and `detect` runs over the files
several times; the best wall-clock and process-CPU times are kept (on a shared machine
the CPU figure is the fair one: it leaves out time spent waiting for the core). The
real-time factor is seconds of audio per second of compute. Where the time goes is
measured too: an instrumented pass splits it into frontend, model input, interpreter
invoke, detector and the rest; a bare-invoke loop gives the interpreter's floor; with
`perf` installed, the TFLM kernels' shares; and how often the dynamically quantized
window keeps its maximum from one inference to the next (the only case in which any
part of an inference could be reused exactly).

With a TFLM built for the host (kwstiny/firmware/README.md, section TFLM), `--tflm-root` also
measures the board's own code path on the laptop: the host build of kwstiny's firmware
(C frontend, TFLM with the library's kernels, C detector) fed over its serial protocol
by `kwstiny detect --device`, firmware and client pinned to the same core, and checks
that it fires the same detections as the Python TFLM runtime. Host builds run int8
DEPTHWISE_CONV_2D with kwstiny's vectorizable kernel (kwstiny/firmware/kernels/); with
`--library-depthwise` the TFLM library's own kernel runs it instead.

    python benchmarks/detect_speed.py [--scale test] [--repeats 3] [--cpu 0]
                                      [--tflm-root DIR [--tflm-lib LIB] [--tflm-flags TEXT]
                                       [--library-depthwise]] [--out FILE]

Writes benchmarks/results/detect_speed.json (or --out).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kwstiny import paths  # noqa: E402
from kwstiny.paths import write_json  # noqa: E402
from provenance import provenance  # noqa: E402
from timing import best_time  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "detect_speed.json"
SPEC = "keyword_spotting_alexa"
TARGET = 100.0


def alexa_model(workdir: Path) -> tuple[Path, dict]:
    """The trained alexa .tflite if there is one, else a random-weight TENet12."""
    trained = paths.run_dir(SPEC) / f"{SPEC}.tflite"
    if trained.is_file():
        return trained, {"weights": "trained", "path": str(trained)}
    from kwstiny.models.random_int8 import random_tenet12_int8
    from kwstiny.spec import load_spec

    data = random_tenet12_int8(load_spec(SPEC), calibration_count=32)
    path = workdir / f"{SPEC}-random.tflite"
    path.write_bytes(data)
    return path, {"weights": f"random (no trained model at {trained})", "path": None}


def stream_files(scale: str) -> list[Path]:
    from kwstiny.data.long_audio import load_streams
    from kwstiny.data.recipes import load_recipe

    root = load_recipe("alexa_stream").prepare(scale)
    return [s.path for s in load_streams(root)]


def detect_throughput(model: Path, files, runtime: str, repeats: int) -> tuple[dict, list]:
    """`kwstiny detect` (the command's function, output discarded) over the files: the
    timings, and the detection events (as JSON objects) of the last run."""
    from kwstiny.stream.classify import detect

    found = []
    times = best_time(lambda: found.append(detect(str(model), files, runtime=runtime,
                                                  emit=lambda line: None)), repeats)
    audio_s = sum(_duration(f) for f in files)
    return ({**times, "audio_s": audio_s, "detections": len(found[-1]),
             "realtime_factor_wall": audio_s / times["wall_s"],
             "realtime_factor_cpu": audio_s / times["cpu_s"]},
            [event.to_json() for event in found[-1]])


def _duration(path: Path) -> float:
    import soundfile
    info = soundfile.info(str(path))
    return info.frames / info.samplerate


def breakdown(model: Path, files, runtime: str) -> dict:
    """CPU seconds per stage of the stream loop, from one instrumented pass."""
    from kwstiny.stream import loop
    from kwstiny.stream.classify import make_classifier
    from kwstiny.stream.sources import FileSource

    classifier = make_classifier(str(model), runtime)
    spent = {"frontend": 0.0, "model_input": 0.0, "invoke": 0.0, "detector": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start
        return wrapper

    classifier.frontend.push = timed("frontend", classifier.frontend.push)
    classifier.detector.update = timed("detector", classifier.detector.update)
    interpreter = classifier.model._interp
    interpreter.invoke = timed("invoke", interpreter.invoke)
    original_model_input = loop.model_input
    loop.model_input = timed("model_input", original_model_input)
    inferences = 0
    start = time.process_time()
    try:
        with FileSource(files, classifier.sample_rate, block_ms=1000) as source:
            for segment in source.segments():
                inferences += sum(1 for _ in classifier.run(segment))
    finally:
        loop.model_input = original_model_input
    total = time.process_time() - start
    spent["reading_audio_and_python"] = total - sum(spent.values())
    return {"cpu_s": total, "inferences": inferences,
            "seconds": {k: round(v, 4) for k, v in spent.items()},
            "share": {k: round(v / total, 4) for k, v in spent.items()},
            "ms_per_inference": {k: round(1000 * v / inferences, 4) for k, v in spent.items()}}


def bare_invoke_ms(model: Path, runtime: str, n: int = 200) -> float:
    """The interpreter alone: best of 3 blocks of n invokes on a fixed input."""
    from kwstiny.inference import TfliteModel

    tflite = TfliteModel(model, runtime=runtime)
    x = np.random.default_rng(0).integers(-128, 128, tflite.input_shape).astype(tflite.input_dtype)
    if runtime == "tflm":
        tflite._interp.set_input(x, 0)
    else:
        tflite._interp.set_tensor(tflite._input["index"], x)
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(n):
            tflite._interp.invoke()
        best = min(best, (time.process_time() - start) / n)
    return 1000 * best


def window_max_kept(model: Path, files) -> dict:
    """How often an inference's window has the same maximum as the previous one. The
    dynamic quantizer maps the window's maximum to +127, so only then are the int8
    values of the frames two windows share equal, and only then could an incremental
    ("streaming") execution reuse any earlier result exactly."""
    from kwstiny.data.audio import read_audio
    from kwstiny.frontend import Frontend
    from kwstiny.frontend.settings import FrontendSettings
    from kwstiny.tflite import read_metadata

    from kwstiny.spec import DetectionSettings

    metadata = read_metadata(model)
    settings = FrontendSettings.from_metadata(metadata)
    hop = DetectionSettings.from_metadata(metadata).latency_ms // settings.window_step_ms
    kept = total = 0
    for path in files:
        frames = Frontend(settings).push(read_audio(path, settings.sample_rate_hz))
        maxima = [int(frames[end - settings.n_frames:end].max())
                  for end in range(settings.n_frames, len(frames) + 1, hop)]
        kept += sum(a == b for a, b in zip(maxima, maxima[1:]))
        total += max(0, len(maxima) - 1)
    return {"pairs": total, "same_maximum": kept, "share": kept / total if total else None}


def perf_kernels(model: Path, cpu: int) -> dict | None:
    """The TFLM interpreter's hottest functions by `perf record` (None without perf)."""
    perf = shutil.which("perf")
    if not perf:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        code = ("import numpy as np\nfrom kwstiny.inference import TfliteModel\n"
                f"m = TfliteModel({str(model)!r})\n"
                "x = np.random.default_rng(0).integers(-128, 128, m.input_shape).astype(np.int8)\n"
                "m._interp.set_input(x, 0)\nfor _ in range(300): m._interp.invoke()\n")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        record = subprocess.run([perf, "record", "-q", "-o", str(data), "taskset", "-c",
                                 str(cpu), sys.executable, "-c", code],
                                capture_output=True, env=env)
        if record.returncode != 0:
            return {"error": record.stderr.decode(errors="replace")[-300:]}
        return perf_report(perf, data)


def perf_report(perf: str, data: Path) -> dict:
    """Functions with at least 1 % of the samples in a perf.data, as shares."""
    report = subprocess.run([perf, "report", "-i", str(data), "--no-children", "--stdio",
                             "--sort", "symbol", "--percent-limit", "1"],
                            capture_output=True, text=True)
    shares = {}
    for line in report.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0].endswith("%") and parts[1].startswith("["):
            # Some perf versions append empty columns as " -      -".
            name = re.sub(r"(\s+-)+\s*$", "", parts[2].strip())[:120]
            shares[name] = float(parts[0].rstrip("%")) / 100
    return shares


def host_board_throughput(model: Path, files, tflm_root: str, tflm_lib: str | None,
                          tflm_flags: str | None, kwstiny_depthwise: bool, repeats: int,
                          build_dir: Path) -> tuple[dict, list]:
    """`kwstiny detect --device` against the host firmware built with a prebuilt TFLM:
    the timings, and the detection events (as JSON objects) of the last run.

    The firmware process inherits this process's one-core affinity, so client and
    board share the core; the wall time is the fair figure. The board's own invoke time
    comes from the tick count it sends with each inference (nanoseconds on the host)."""
    from kwstiny.device.client import DeviceClient
    from kwstiny.device.emulator import HostBoard
    from kwstiny.device.firmware import build_firmware
    from kwstiny.stream.classify import detect

    lib = Path(tflm_lib).resolve() if tflm_lib else None
    cmsis_nn = "_cmsis_nn" in str(lib) if lib else False
    options = {"TFLM_LIB": str(lib)} if lib else {}
    options["KWSTINY_HOST_DEPTHWISE"] = "ON" if kwstiny_depthwise else "OFF"
    firmware = build_firmware("host", tflm_root=tflm_root, cmsis_nn=cmsis_nn, options=options,
                              build_dir=build_dir)
    ticks: list[int] = []
    original = DeviceClient.stream_audio

    def counting(self, samples, *args, **kwargs):
        records = original(self, samples, *args, **kwargs)
        ticks.extend(t for _end, t, _raw in records.scores)
        return records

    events = []
    with HostBoard(firmware) as board:
        with DeviceClient(board.url) as client:
            kernel_names = client.info()["kernels"]

        def run():
            ticks.clear()  # keep the last run's
            events.append(detect(str(model), files, board=True, port=board.url,
                                 emit=lambda line: None))
        run()  # loads the model onto the board
        # The tick counts are collected in the timed runs (a list append per block of
        # audio); perf gets a run of its own, as it slows the firmware down.
        DeviceClient.stream_audio = counting
        try:
            cpu_before = _process_cpu_s(board.process.pid)
            times = best_time(run, repeats)
            firmware_cpu = (_process_cpu_s(board.process.pid) - cpu_before) / repeats
        finally:
            DeviceClient.stream_audio = original
        board_ticks = list(ticks)
        kernels = run_under_perf(board.process.pid, run, build_dir)
    audio_s = sum(_duration(f) for f in files)
    return ({"tflm_lib": str(lib) if lib else "found under TFLM_ROOT/gen",
             "tflm_build_flags": tflm_flags, "cmsis_nn": cmsis_nn, "kernels": kernel_names,
             **times,
             "firmware_cpu_s_mean": firmware_cpu, "audio_s": audio_s,
             "inferences": len(board_ticks),
             "board_invoke_ms": float(np.mean(board_ticks)) / 1e6 if board_ticks else None,
             "detections": len(events[-1]), "realtime_factor_wall": audio_s / times["wall_s"],
             "perf_firmware_functions": kernels},
            [event.to_json() for event in events[-1]])


def run_under_perf(pid: int, run, workdir: Path) -> dict | None:
    """Calls `run()` with perf recording the running process `pid`; that process's
    hottest functions (None, after running all the same, without perf)."""
    perf = shutil.which("perf")
    if not perf:
        run()
        return None
    data = workdir / "perf-firmware.data"
    record = subprocess.Popen([perf, "record", "-q", "-p", str(pid), "-o", str(data)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)  # perf attaches
    try:
        run()
    finally:
        record.send_signal(signal.SIGINT)
        _out, err = record.communicate(timeout=60)
    if record.returncode not in (0, -signal.SIGINT) or not data.is_file():
        return {"error": err.decode(errors="replace")[-300:]}
    return perf_report(perf, data)


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="test", choices=["test", "demo", "full"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--tflm-root", default=os.environ.get("TFLM_ROOT"),
                        help="a tflite-micro checkout built for the host (default: TFLM_ROOT)")
    parser.add_argument("--tflm-lib", help="the host libtensorflow-microlite.a to link "
                        "(default: the one under TFLM_ROOT/gen; a path with _cmsis_nn "
                        "means CMSIS-NN kernels)")
    parser.add_argument("--tflm-flags", help="how that library was built, recorded as given "
                        "(e.g. the make variables)")
    parser.add_argument("--library-depthwise", action="store_true",
                        help="run DEPTHWISE_CONV_2D with the TFLM library's kernel, not kwstiny's")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    os.sched_setaffinity(0, {args.cpu})         # one core, as taskset -c CPU
    with tempfile.TemporaryDirectory() as tmp:
        model, model_info = alexa_model(Path(tmp))
        from kwstiny.tflite import read_metadata
        metadata = read_metadata(model)
        files = stream_files(args.scale)
        result = {
            "what": "kwstiny detect throughput on the alexa model (TENet12 int8), one core",
            "model": {**model_info, "bytes": model.stat().st_size, "name": metadata.get("name"),
                      "latency_ms": metadata.get("latency_ms")},
            "audio": {"recipe": "alexa_stream", "scale": args.scale, "files": len(files),
                      "seconds": round(sum(_duration(f) for f in files), 2)},
            "machine": {"cpu": platform.processor() or platform.machine(),
                        "cores_on_machine": os.cpu_count(), "pinned_to_cpu": args.cpu,
                        "load_average_at_start": os.getloadavg()},
            "repeats": args.repeats,
            "target_realtime_factor_tflm": TARGET,
            "detect": {}, "bare_invoke_ms": {}, "breakdown": {},
        }
        events = {}
        for runtime in ("tflm", "litert"):
            result["detect"][runtime], events[runtime] = detect_throughput(
                model, files, runtime, args.repeats)
            result["bare_invoke_ms"][runtime] = bare_invoke_ms(model, runtime)
            result["breakdown"][runtime] = breakdown(model, files, runtime)
        latency = metadata.get("latency_ms", 200)
        invoke = result["bare_invoke_ms"]["tflm"]
        # One full invoke every latency_ms, and nothing else: the most TFLM can give.
        result["tflm_ceiling_realtime_factor"] = latency / invoke
        kept = window_max_kept(model, files)
        result["window_maximum_kept"] = kept
        # Even if every inference whose window kept its maximum cost nothing at all, the
        # others still need a full invoke, and every inference its frontend and Python.
        other_ms = sum(v for k, v in result["breakdown"]["tflm"]["ms_per_inference"].items()
                       if k != "invoke")
        if kept["share"] is not None:
            result["exact_reuse_upper_bound_realtime_factor"] = latency / (
                (1 - kept["share"]) * invoke + other_ms)
        result["perf_tflm_kernels"] = perf_kernels(model, args.cpu)
        if args.tflm_root:
            host, events["host_firmware"] = host_board_throughput(
                model, files, args.tflm_root, args.tflm_lib, args.tflm_flags,
                not args.library_depthwise, args.repeats, Path(tmp) / "host-firmware")
            host["same_detections_as_python_tflm"] = events["host_firmware"] == events["tflm"]
            result["detect"]["host_firmware"] = host
            result["target_met_host_firmware"] = host["realtime_factor_wall"] >= TARGET
        tflm = result["detect"]["tflm"]
        result["target_met"] = tflm["realtime_factor_cpu"] >= TARGET
        result["load_average_at_end"] = os.getloadavg()
    write_json(args.out, {**result, "provenance": provenance()})
    print(f"TFLM  : {tflm['realtime_factor_cpu']:.1f}x real time (CPU time; wall "
          f"{tflm['realtime_factor_wall']:.1f}x), bare invoke {invoke:.2f} ms -> ceiling "
          f"{latency / invoke:.1f}x at latency {latency} ms")
    lite = result["detect"]["litert"]
    print(f"LiteRT: {lite['realtime_factor_cpu']:.1f}x real time (CPU time; wall "
          f"{lite['realtime_factor_wall']:.1f}x), bare invoke "
          f"{result['bare_invoke_ms']['litert']:.3f} ms")
    if "host_firmware" in result["detect"]:
        host = result["detect"]["host_firmware"]
        print(f"host firmware (TFLM, {host['kernels']} kernels): "
              f"{host['realtime_factor_wall']:.1f}x real time (wall), board invoke "
              f"{host['board_invoke_ms']:.2f} ms, same detections as Python TFLM: "
              f"{host['same_detections_as_python_tflm']}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
