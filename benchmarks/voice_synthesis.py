"""How many voices each synthesis engine has here, how long one clip takes to synthesize,
and what voice perturbation (WORLD) adds per clip.

For each engine, a few of its voices (spread over its list) say a few keyword-sized texts
at 16 kHz; each clip is timed once after a warm-up call (wall clock: the subprocess
engines' CPU is not in this process). Then each clip is perturbed with the default
VoicePerturbation (probability 1) and timed (wall and this process's CPU). With
--dataset, the synthetic_alexa recipe at one scale is made three ways in a temporary
KWSTINY_HOME (as it is; with every engine; with every engine and perturbation) and timed
(wall, and CPU of this process and the engines' processes).
Writes benchmarks/results/voice_synthesis.json.

    python benchmarks/voice_synthesis.py [--voices 6] [--dataset test]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kwstiny.data.recipes import load_recipe  # noqa: E402
from kwstiny.data.synthetic import build_dataset  # noqa: E402
from kwstiny.data.perturb import VoicePerturbation, perturb_voice  # noqa: E402
from kwstiny.data.synth import (ENGINES, EVALUATION_ONLY, evaluation_voices,  # noqa: E402
                                synthesize, voices)
from kwstiny.errors import KwstinyError  # noqa: E402
from kwstiny.paths import write_json  # noqa: E402

OUT = Path(__file__).parent / "results" / "voice_synthesis.json"
TEXTS = ("computer", "hey jarvis", "alexa, what time is it")
RATE = 16000
# Engine shares for the "every engine" datasets (an example, not a tuned choice).
ALL_ENGINES = {"espeak-ng": 0.55, "flite": 0.1, "pico": 0.15, "festival": 0.08,
               "gnuspeech": 0.12}


def spread(items: tuple, n: int) -> list:
    """n items evenly spaced over the list (all of them when there are fewer)."""
    if len(items) <= n:
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, n).astype(int)]


def median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def measure_engine(engine: str, listed: tuple, n_voices: int, settings) -> dict:
    chosen = spread(listed, n_voices)
    synthesize(TEXTS[0], chosen[0], RATE)  # warm-up: first process start, module load
    synth_s, audio_s, perturb_wall, perturb_cpu = [], [], [], []
    for k, voice in enumerate(chosen):
        for text in TEXTS:
            began = time.perf_counter()
            audio = synthesize(text, voice, RATE)
            synth_s.append(time.perf_counter() - began)
            audio_s.append(len(audio) / RATE)
            rng = np.random.default_rng(k)
            wall, cpu = time.perf_counter(), time.process_time()
            perturb_voice(audio, RATE, rng, settings)
            perturb_wall.append(time.perf_counter() - wall)
            perturb_cpu.append(time.process_time() - cpu)
    return {
        "voices": len(listed), "voices_timed": [v.id for v in chosen], "clips_timed": len(synth_s),
        "clip_seconds_median": median(audio_s),
        "synthesis_s_per_clip_median": median(synth_s),
        "synthesis_s_per_clip_max": round(max(synth_s), 4),
        "synthesis_real_time_factor": round(sum(synth_s) / sum(audio_s), 4),
        "perturbation_wall_s_per_clip_median": median(perturb_wall),
        "perturbation_cpu_s_per_clip_median": median(perturb_cpu),
        "perturbation_cpu_s_per_audio_second": round(sum(perturb_cpu) / sum(audio_s), 4),
    }


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children: the engines' subprocesses,
    and festival's and GnuSpeech's kept processes, which build_dataset stops at its end
    (on a shared machine this is the fair figure; wall time depends on the load)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_datasets(scale: str) -> dict:
    base = load_recipe("synthetic_alexa")
    variants = {
        "as_is": base,
        "every_engine": dataclasses.replace(base, engines=ALL_ENGINES),
        "every_engine_perturbed": dataclasses.replace(
            base, engines=ALL_ENGINES, perturbation=VoicePerturbation()),
    }
    results = {"scale": scale, "engines": ALL_ENGINES, "workers": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="kwstiny_voices_bench_") as home:
        for name, recipe in variants.items():
            load = os.getloadavg()[0]
            began, cpu_began = time.perf_counter(), cpu_seconds()
            root = build_dataset(recipe, scale, progress=False, root=Path(home) / name)
            seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu_began
            summary = json.loads((root / "dataset.json").read_text())
            clips = sum(summary["clips"].values())
            results[name] = {"seconds": round(seconds, 1), "clips": clips,
                             "clips_per_second": round(clips / seconds, 2),
                             "cpu_seconds": round(cpu, 1),
                             "cpu_seconds_per_clip": round(cpu / clips, 4),
                             "voices_used": summary["voices_used"],
                             "load_average_at_start": round(load, 2)}
            print(name, results[name], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=6, help="voices timed per engine")
    parser.add_argument("--dataset", default=None, help="also time a synthetic_alexa scale")
    args = parser.parse_args()
    settings = VoicePerturbation(probability=1.0)
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_at_start": round(os.getloadavg()[0], 2)},
        "texts": list(TEXTS), "sample_rate": RATE,
        "perturbation": {k: v for k, v in vars(settings).items()},
        "evaluation_only_installed": sorted(v.id for v in evaluation_voices()),
        "evaluation_only_rule": sorted(EVALUATION_ONLY), "engines": {}, "missing": {},
    }
    for engine in ENGINES:
        try:
            listed = voices((engine,))[engine]
        except KwstinyError as error:
            results["missing"][engine] = str(error)
            continue
        results["engines"][engine] = measure_engine(engine, listed, args.voices, settings)
        print(engine, results["engines"][engine], flush=True)
    results["training_voices_total"] = sum(e["voices"] for e in results["engines"].values())
    if args.dataset:
        results["dataset"] = measure_datasets(args.dataset)
    write_json(OUT, results)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
