"""Speed of the C frontend's batch API against TensorFlow's audio_microfrontend op.

Both compute the keyword_spotting_alexa spectrogram (16 kHz, 30/10 ms, 108 channels,
noise reduction) of the same clips, in the same run, on one core each; the number
reported is the real-time factor (seconds of audio per second of compute, best of
several repeats because the machine may be shared). Both wall-clock and process CPU
time are recorded; on a busy shared machine the CPU-time figure is the fair one (it
leaves out time spent waiting for a core). TensorFlow's op has no DC notch,
so ours is timed both with the spec's DC notch and without it. Also recorded: the
streaming API in 10 ms pushes, the C state size, and the Cortex-M33 code size.

    python benchmarks/frontend_speed.py [--clips 200] [--repeats 7]

Writes benchmarks/results/frontend_speed.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from kwstiny.frontend import Frontend, FrontendSettings, compute_frames, state_bytes, to_int16
from kwstiny.paths import write_json
from provenance import provenance
from timing import best_time

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "frontend_speed.json"


def alexa_settings() -> FrontendSettings:
    """The keyword_spotting_alexa frontend (as in kwstiny/model_specs/, without importing the
    model code): the benchmark needs only the frontend."""
    return FrontendSettings(
        sample_rate_hz=16000, sample_length_ms=1200, window_size_ms=30, window_step_ms=10,
        filterbank_n_channels=108, filterbank_lower_band_limit=125.0,
        filterbank_upper_band_limit=7500.0, noise_reduction_enable=True,
        noise_reduction_smoothing_bits=10, noise_reduction_even_smoothing=0.025,
        noise_reduction_odd_smoothing=0.06, noise_reduction_min_signal_remaining=0.40,
        dc_notch_filter_enable=True, dc_notch_filter_coefficient=0.95,
        quantize_dynamic_scale_enable=True, quantize_dynamic_scale_range_db=40.0)


def make_clips(n: int, settings: FrontendSettings) -> list[np.ndarray]:
    """Speech-like test audio: harmonic bursts in noise, at random levels."""
    rng = np.random.default_rng(0)
    t = np.arange(settings.sample_length) / settings.sample_rate_hz
    clips = []
    for _ in range(n):
        pitch = rng.uniform(90, 250) * (1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t))
        voice = sum(np.sin(2 * np.pi * k * np.cumsum(pitch) / settings.sample_rate_hz) / k
                    for k in range(1, 6))
        gate = np.sin(2 * np.pi * rng.uniform(1, 4) * t) > 0
        audio = 10 ** rng.uniform(-2, -0.5) * voice * gate + 0.01 * rng.standard_normal(len(t))
        clips.append(to_int16(np.clip(audio, -1, 1).astype(np.float32)))
    return clips


def rates(times: dict, audio_s: float, frames: int | None = None) -> dict:
    out = dict(times)
    out["realtime_factor_wall"] = audio_s / times["wall_s"]
    out["realtime_factor_cpu"] = audio_s / times["cpu_s"]
    if frames:
        out["us_per_frame_cpu"] = 1e6 * times["cpu_s"] / frames
    return out


def tensorflow_op(clips, settings: FrontendSettings, repeats: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    from tensorflow.lite.experimental.microfrontend.python.ops import \
        audio_microfrontend_op as microfrontend
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    s = settings
    options = dict(
        sample_rate=s.sample_rate_hz, window_size=s.window_size_ms, window_step=s.window_step_ms,
        num_channels=s.filterbank_n_channels, upper_band_limit=s.filterbank_upper_band_limit,
        lower_band_limit=s.filterbank_lower_band_limit,
        smoothing_bits=s.noise_reduction_smoothing_bits,
        even_smoothing=s.noise_reduction_even_smoothing,
        odd_smoothing=s.noise_reduction_odd_smoothing,
        min_signal_remaining=s.noise_reduction_min_signal_remaining, enable_pcan=s.pcan_enable,
        enable_log=s.log_scale_enable, scale_shift=s.log_scale_shift)
    tensors = [tf.constant(c) for c in clips]

    def eager():
        for x in tensors:
            microfrontend.audio_microfrontend(x, **options)

    stacked = tf.constant(np.stack(clips))
    graph = tf.function(lambda batch: tf.map_fn(
        lambda x: microfrontend.audio_microfrontend(x, **options), batch,
        fn_output_signature=tf.uint16))
    graph(stacked)  # trace once

    eager()  # warm up
    return {"eager_per_clip": best_time(eager, repeats),
            "tf_function_map_fn": best_time(lambda: graph(stacked), repeats),
            "tensorflow_version": tf.__version__}


def arm_footprint() -> dict | None:
    """Cortex-M33 code size of the C sources (arm-none-eabi-gcc -Os) and, if QEMU is
    installed, the state size measured on the emulated core (32-bit pointers)."""
    cc, size = shutil.which("arm-none-eabi-gcc"), shutil.which("arm-none-eabi-size")
    if cc is None or size is None:
        return None
    flags = ["-mcpu=cortex-m33", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16", "-Os",
             "-std=c99", "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections"]
    c_dir = ROOT / "kwstiny" / "frontend" / "c"
    sources = sorted(c_dir.glob("*.c"))
    result: dict = {"compiler": subprocess.run([cc, "--version"], capture_output=True,
                                               text=True).stdout.splitlines()[0],
                    "flags": " ".join(flags)}
    with tempfile.TemporaryDirectory() as tmp:
        objects = []
        for source in sources:
            obj = Path(tmp) / (source.stem + ".o")
            subprocess.run([cc, *flags, "-c", str(source), "-o", str(obj)], check=True)
            objects.append(str(obj))
        rows = [line.split() for line in subprocess.run(
            [size, *objects], check=True, capture_output=True, text=True).stdout.splitlines()[1:]]
        result["text_bytes_per_file"] = {Path(row[-1]).stem: int(row[0]) for row in rows}
        result["text_bytes_total"] = sum(int(row[0]) for row in rows)
        result["data_bytes_total"] = sum(int(row[1]) for row in rows)
        result["bss_bytes_total"] = sum(int(row[2]) for row in rows)
        result["note"] = "objects before linking; libm (used only at init) not counted"
        qemu = shutil.which("qemu-system-arm")
        if qemu:
            elf, console = Path(tmp) / "hash.elf", Path(tmp) / "console.txt"
            tests_c = ROOT / "tests" / "c"
            subprocess.run([cc, *flags, "-DKWS_SEMIHOSTING", f"-I{c_dir}", "--specs=nosys.specs",
                            "-nostartfiles", "-T", str(tests_c / "qemu_mps2_an505.ld"),
                            str(tests_c / "qemu_startup.c"), str(tests_c / "kws_frontend_hash.c"),
                            *map(str, sources), "-lm", "-o", str(elf)], check=True)
            subprocess.run([qemu, "-M", "mps2-an505", "-cpu", "cortex-m33", "-nographic",
                            "-semihosting-config", "enable=on,target=native,chardev=console",
                            "-chardev", f"file,id=console,path={console}", "-kernel", str(elf)],
                           check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
            states = {line.split()[0]: int(line.split()[-1])
                      for line in console.read_text().strip().splitlines()}
            result["state_bytes_alexa_on_qemu_mps2_an505"] = states["alexa"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    settings = alexa_settings()
    plain = settings.replace(dc_notch_filter_enable=False)
    clips = make_clips(args.clips, settings)
    audio_s = len(clips) * settings.sample_length / settings.sample_rate_hz
    load_before = os.getloadavg()

    ours = {name: best_time(lambda s=s: compute_frames(clips, s, workers=1), args.repeats)
            for name, s in (("alexa", settings), ("alexa_no_dc_notch", plain))}
    both_cores = best_time(lambda: compute_frames(clips, settings, workers=2), args.repeats)

    def stream():
        frontend = Frontend(settings)
        for clip in clips[:20]:
            for at in range(0, len(clip), settings.step_samples):
                frontend.push(clip[at:at + settings.step_samples])
    stream_s = best_time(stream, args.repeats)
    stream_audio_s = 20 * settings.sample_length / settings.sample_rate_hz

    tf_times = tensorflow_op(clips, plain, args.repeats)
    tf_eager = rates(tf_times["eager_per_clip"], audio_s)
    tf_graph = rates(tf_times["tf_function_map_fn"], audio_s)
    tf_best = max(tf_eager["realtime_factor_cpu"], tf_graph["realtime_factor_cpu"])
    frames = len(clips) * settings.n_frames
    ours_alexa = rates(ours["alexa"], audio_s, frames)
    ours_plain = rates(ours["alexa_no_dc_notch"], audio_s, frames)
    result = {
        "what": "real-time factor = seconds of audio / seconds of compute (best of repeats); "
                "_cpu uses process CPU time, _wall wall-clock time",
        "settings": "keyword_spotting_alexa frontend: 16 kHz, 30/10 ms, 512-point FFT, "
                    "108 channels, noise reduction (min 0.40), log scale",
        "clips": len(clips), "clip_seconds": settings.sample_length_ms / 1000,
        "audio_seconds": audio_s, "frames": frames, "repeats": args.repeats,
        "kwstiny_batch_one_core": {"with_dc_notch": ours_alexa, "without_dc_notch": ours_plain},
        "kwstiny_batch_two_workers": rates(both_cores, audio_s),
        "kwstiny_streaming_10ms_pushes": rates(stream_s, stream_audio_s),
        "tensorflow_op_one_thread": {
            "eager_per_clip": tf_eager, "tf_function_map_fn": tf_graph,
            "realtime_factor_cpu_best": tf_best,
            "tensorflow_version": tf_times["tensorflow_version"],
            "settings_note": "no DC notch (the op has none); compare with without_dc_notch",
        },
        "speedup_vs_tensorflow_cpu": ours_plain["realtime_factor_cpu"] / tf_best,
        "c_state_bytes": state_bytes(settings),
        "cortex_m33": arm_footprint(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor(), "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": os.getloadavg()},
    }
    write_json(OUT, {**result, "provenance": provenance()})
    print(f"kwstiny batch, one core: {ours_alexa['realtime_factor_cpu']:.0f}x real time "
          f"({ours_plain['realtime_factor_cpu']:.0f}x without DC notch; wall clock "
          f"{ours_alexa['realtime_factor_wall']:.0f}x); TensorFlow op: {tf_best:.0f}x "
          f"(CPU time); C state {result['c_state_bytes']} bytes")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
