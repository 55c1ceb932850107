"""Cost of each room / microphone / channel / real-noise ingredient per training sample,
and what the Debian packages of real recordings hold.

Each configuration builds the same training samples (keyword_spotting_alexa frontend and
default augmentation, plus one ingredient switched on for every sample) from real speech
clips, on one core; the figure is milliseconds per sample, best of several repeats, wall
clock and CPU (CPU includes ffmpeg's child processes). Also timed: simulating the room
bank and making the real-noise tracks (both once per setting, then cached).

    python benchmarks/augment_stages.py [--samples 40] [--repeats 3]

Writes benchmarks/results/augment_stages.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "augment_stages.json"


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def best(run, repeats: int) -> dict:
    wall = cpu = float("inf")
    for _ in range(repeats):
        w, c = time.perf_counter(), cpu_now()
        run()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, cpu_now() - c)
    return {"wall_s": wall, "cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ["KWSTINY_HOME"] = tempfile.mkdtemp(prefix="kwstiny-augment-bench-")

    from kwstiny.data import real_noise
    from kwstiny.data.audio import read_audio, write_wav
    from kwstiny.data.channel import CODECS
    from kwstiny.data.noise import make_noise
    from kwstiny.data.samples import CLIP, SampleRecipe, WaveAugmenter, augment_files, build_sample
    from kwstiny.paths import write_json
    from kwstiny.spec import load_spec

    spec = load_spec("keyword_spotting_alexa")
    rate = spec.frontend.sample_rate_hz
    clips = [read_audio(p, rate) for p in real_noise.recordings("speech_en")[100:100 + args.samples]]
    noise_dir = Path(os.environ["KWSTINY_HOME"]) / "noise"
    noise = [str(write_wav(noise_dir / f"{k}.wav", make_noise(k, 30, rate, 1), rate))
             for k in ("white", "pink", "brown", "hum50")]

    # One-off costs, each then cached.
    base = spec.augment
    rooms_on = dataclasses.replace(base, room_probability=1.0)
    start = time.perf_counter()
    _, bank = augment_files(rooms_on, rate)
    bank_seconds = time.perf_counter() - start
    sources = tuple(real_noise.SOURCES)
    start = time.perf_counter()
    real_files, _ = augment_files(dataclasses.replace(base, real_noise=sources), rate)
    real_seconds = time.perf_counter() - start

    configs = {
        "baseline (default augmentation)": {},
        "room": {"room_probability": 1.0},
        "mic_eq": {"mic_eq_probability": 1.0},
        "band_limit": {"band_limit_probability": 1.0},
        "clipping": {"clipping_probability": 1.0},
        "agc": {"agc_probability": 1.0},
        **{f"codec {c}": {"codec_probability": 1.0, "codecs": (c,)} for c in CODECS},
        "real_noise (all sources, every noised window)": {"real_noise": sources,
                                                          "real_noise_share": 1.0},
        "suggested mix (see README)": SUGGESTED,
    }
    results = {}
    for name, overrides in configs.items():
        augment = dataclasses.replace(base, **overrides)
        augmenter = WaveAugmenter(augment, noise, rate, real_files, bank)
        recipes = [SampleRecipe(CLIP, k, 0, 1000 + k, True) for k in range(len(clips))]

        def run():
            for recipe in recipes:
                build_sample(recipe, clips[recipe.clip], spec.frontend, augment, augmenter,
                             (0.2, 0.5))

        run()  # warm caches (noise files, filters)
        timing = best(run, args.repeats)
        results[name] = {"ms_per_sample_wall": round(1000 * timing["wall_s"] / len(recipes), 2),
                         "ms_per_sample_cpu": round(1000 * timing["cpu_s"] / len(recipes), 2)}
        print(f"{name:48s} {results[name]['ms_per_sample_cpu']:8.2f} ms CPU / sample")
    baseline = results["baseline (default augmentation)"]["ms_per_sample_cpu"]
    for value in results.values():
        value["extra_ms_cpu"] = round(value["ms_per_sample_cpu"] - baseline, 2)

    inventory = real_noise.inventory(rate)
    speech = sum(v.get("minutes", 0) for v in inventory.values() if v.get("kind") == "speech")
    write_json(OUT, {
        "what": "per-sample cost of each augmentation ingredient (one core), one-off costs, "
                "and the real recordings the Debian packages hold",
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "cores": os.cpu_count(), "python": platform.python_version()},
        "samples": len(clips), "repeats": args.repeats,
        "clips": "asterisk-core-sounds-en-wav prompts 100.. (real speech), 2 s windows "
                 "with warm-up, keyword_spotting_alexa frontend",
        "per_sample": results,
        "room_bank": {"rooms": rooms_on.room_count, "seconds": round(bank_seconds, 1),
                      "ms_per_room": round(1000 * bank_seconds / rooms_on.room_count, 1)},
        "real_noise_tracks": {"sources": list(sources), "files": len(real_files),
                              "seconds": round(real_seconds, 1)},
        "real_recordings": inventory,
        "real_speech_hours": round(speech / 60, 2),
    })
    print(f"room bank: {bank_seconds:.1f} s; real-noise tracks: {real_seconds:.1f} s; "
          f"wrote {OUT}")


# The mix the README suggests for a spec that should hold up on real voices.
SUGGESTED = dict(room_probability=0.5, mic_eq_probability=0.5, band_limit_probability=0.3,
                 agc_probability=0.2, clipping_probability=0.05, codec_probability=0.1,
                 real_noise=("speech_en", "speech_fr", "speech_it", "speech_ru", "letters",
                             "music", "alerts"), real_noise_share=0.5)


if __name__ == "__main__":
    main()
