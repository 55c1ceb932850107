"""Which real recordings a keyword model misses, and how they differ from its synthetic
validation keywords: per clip, the model's detection score and a few measurable traits.

    python benchmarks/real_clip_scores.py RUN [RUN ...] [--word computer] [--synthetic 400]

A clip's score is one more than the highest threshold at which the detector finds the
keyword in the clip's true-detection window (about the keyword's highest window average
there). Counting the clips whose score is above a threshold gives `kwstiny evaluate
--clips`' clean curve wherever detection is monotone in the threshold: compared with the
real-voice ablation rows, equal from threshold 184 up; below it a fire just before the
window can suppress the true one, and the curve there counts up to 7 of 411 fewer. Each real
recording of WORD in ../shared/real_dev and up to --synthetic clean keyword clips of the
model's own validation voices go through the same protocol (kwstiny.stream.clip_evaluation:
1 s lead, 1 s tail, -65 dBFS floor). Traits per clip: speech duration, speech level,
noise floor (its quietest 10 % of 10 ms frames), their difference, median pitch (pYIN over
the speech), and the frequency under which 99 % of the speech's energy lies (band limits
of microphones and codecs). For each trait the JSON has Spearman's rho with the score on
the real clips, the real detection rate per trait quartile at the model's threshold (Wilson
95 %), and the trait's quartiles on real and synthetic clips side by side: a trait whose
real range lies outside the synthetic one and whose quartiles split detection is a gap in
the training data. The synthetic clips' detection is also broken down by engine (each
engine's held-out voices). Evaluation only: nothing here trains or tunes on the recordings.
Writes benchmarks/results/real_clip_scores/RUN.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from kwstiny.paths import write_json  # noqa: E402
from kwstiny.stats import wilson  # noqa: E402
from provenance import provenance  # noqa: E402

REAL_DEV = ROOT.parent / "shared" / "real_dev"
OUT = ROOT / "benchmarks" / "results" / "real_clip_scores"
TRAITS = ("speech_s", "speech_dbfs", "floor_dbfs", "speech_over_floor_db", "pitch_hz",
          "band_99_hz")


def clip_score(classes, settings, stream) -> int:
    """One more than the highest threshold at which the detector (suppression included)
    finds the stream's keyword in its true-detection window; 0 when it never does."""
    from kwstiny.stream.evaluation import threshold_curve

    found = [p["threshold"] for p in threshold_curve(classes, settings, [stream])
             if p["detected"]]
    return max(found) + 1 if found else 0


def traits(recording, rate: int) -> dict:
    """Measurable traits of one recording (see the module notes)."""
    import librosa

    audio = recording.audio.astype(np.float64)
    a, b = recording.speech
    speech = audio[a:b] if b > a else audio
    hop = rate // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    energy = np.sort(np.mean(frames ** 2, axis=1))
    floor = float(np.mean(energy[: max(1, len(energy) // 10)]))
    level = float(np.mean(speech ** 2))
    f0, voiced, _ = librosa.pyin(speech.astype(np.float32), fmin=60, fmax=450, sr=rate,
                                 frame_length=1024)
    pitch = float(np.nanmedian(f0[voiced])) if np.any(voiced) else float("nan")
    power = np.mean(np.abs(librosa.stft(speech.astype(np.float32), n_fft=512)) ** 2, axis=1)
    cumulative = np.cumsum(power) / max(power.sum(), 1e-20)
    band = float(librosa.fft_frequencies(sr=rate, n_fft=512)[np.searchsorted(cumulative, 0.99)])

    def db(x):
        return float(10 * np.log10(x + 1e-12))

    return {"speech_s": (b - a) / rate, "speech_dbfs": db(level), "floor_dbfs": db(floor),
            "speech_over_floor_db": db(level) - db(floor), "pitch_hz": pitch,
            "band_99_hz": band}


def synthetic_recordings(spec, rate: int, word: str, most: int):
    """Up to `most` clean keyword clips of the spec's validation voices, as Recordings,
    and each one's voice (group: engine.voice...)."""
    from kwstiny.data.index import load_index
    from kwstiny.data.synthetic import speech_bounds
    from kwstiny.stream.clip_evaluation import Recording

    index = load_index(spec.dataset, rate, progress=False)
    clips = [c for c in index.split("validation") if c.label == word]
    picked = [clips[i] for i in np.linspace(0, len(clips) - 1, min(most, len(clips)),
                                            dtype=int)] if clips else []
    out = []
    for clip in picked:
        audio = index.read(clip)
        out.append(Recording(clip.path, audio, speech_bounds(audio, rate, -40.0)))
    return out, [clip.group for clip in picked]


def quartile_rates(values, detected) -> list[dict]:
    """Detection rate of the clips in each quartile of one trait (NaN traits left out)."""
    values, detected = np.asarray(values, float), np.asarray(detected, bool)
    keep = ~np.isnan(values)
    values, detected = values[keep], detected[keep]
    edges = np.quantile(values, [0, 0.25, 0.5, 0.75, 1.0])
    bins = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, 3)
    return [{"from": float(edges[q]), "to": float(edges[q + 1]),
             "detected": wilson(int(detected[bins == q].sum()), int((bins == q).sum()))}
            for q in range(4)]


def by_engine(voices: list[str], scores: list[int], threshold: int) -> dict:
    """Detection rate at the threshold and median score of the clips of each engine."""
    engines = sorted({v.split(".", 1)[0] for v in voices})
    out = {}
    for engine in engines:
        mine = [s for v, s in zip(voices, scores) if v.split(".", 1)[0] == engine]
        out[engine] = {"voices": sorted({v for v in voices if v.split(".", 1)[0] == engine}
                                        )[:20],
                       "detected": wilson(sum(s > threshold for s in mine), len(mine)),
                       "median_score": float(np.median(mine))}
    return out


def spearman(x, y) -> float:
    from scipy.stats import spearmanr

    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = ~np.isnan(x)
    return float(spearmanr(x[keep], y[keep]).statistic)


def quartiles(values) -> list[float]:
    values = np.asarray(values, float)
    return [round(float(v), 2) for v in np.nanquantile(values, [0.0, 0.25, 0.5, 0.75, 1.0])]


def measure(model: str, word: str, most: int, runtime: str,
            threshold: int | None = None) -> dict:
    from kwstiny.inference import open_tflite
    from kwstiny.progress import progress_bar
    from kwstiny.spec import load_run_spec
    from kwstiny.stream.clip_evaluation import NoiseBank, load_recordings, score_recordings
    from kwstiny.stream.loop import StreamClassifier

    tflite, path = open_tflite(model, runtime)
    classifier = StreamClassifier(tflite)
    classes, settings, rate = classifier.classes, classifier.detection, classifier.sample_rate
    if threshold is None:
        threshold = settings.class_thresholds.get(word, settings.detection_threshold)
    spec = load_run_spec(tflite.metadata.get("name", ""))
    real, _ = load_recordings(REAL_DEV / word, rate)
    synthetic, voices = synthetic_recordings(spec, rate, word, most)
    noise = NoiseBank(rate)
    sets = {}
    with progress_bar() as bar:
        for name, recordings in (("real", real), ("synthetic validation", synthetic)):
            task = bar.add_task(f"{name}: {len(recordings)} clips", total=2 * len(recordings))
            scored = score_recordings(classifier, recordings, word, "keyword", None, noise,
                                      bar, task)
            scores = [clip_score(classes, settings, s) for s in scored]
            described = []
            for recording in recordings:
                described.append(traits(recording, rate))
                bar.advance(task)
            sets[name] = {"files": [str(r.path.name) for r in recordings], "scores": scores,
                          "traits": described}
    real_set, synthetic_set = sets["real"], sets["synthetic validation"]
    detected = [s > threshold for s in real_set["scores"]]
    by_trait = {}
    for trait in TRAITS:
        values = [t[trait] for t in real_set["traits"]]
        by_trait[trait] = {
            "spearman_with_score": round(spearman(values, real_set["scores"]), 3),
            "real_quartiles": quartiles(values),
            "synthetic_quartiles": quartiles([t[trait] for t in synthetic_set["traits"]]),
            "detected_by_real_quartile": quartile_rates(values, detected)}
    return {
        "model": str(path), "word": word, "runtime": runtime, "threshold": threshold,
        "score_quartiles": {name: quartiles(s["scores"]) for name, s in sets.items()},
        "detected_at_threshold": {name: wilson(sum(v > threshold for v in s["scores"]),
                                               len(s["scores"])) for name, s in sets.items()},
        # Detected at every threshold below the score: the clean curve of evaluate --clips.
        "curve_detected": {name: [int(sum(v > t for v in s["scores"])) for t in range(256)]
                           for name, s in sets.items()},
        # Held-out voices of each engine: which kinds of voice the model carries over to.
        "synthetic_detected_by_engine": by_engine(voices, synthetic_set["scores"], threshold),
        "by_trait": by_trait,
        "clips": {name: [{"file": f, "score": sc, **{k: round(v, 2) for k, v in tr.items()}}
                         for f, sc, tr in zip(s["files"], s["scores"], s["traits"])]
                  for name, s in sets.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", metavar="RUN")
    parser.add_argument("--word", default="computer")
    parser.add_argument("--synthetic", type=int, default=400,
                        help="how many synthetic validation keyword clips to score")
    parser.add_argument("--runtime", choices=["tflm", "litert"], default="litert")
    parser.add_argument("--threshold", type=int, default=None,
                        help="the threshold the quartile detection rates use (default: the "
                             "one in the model's metadata, the last `kwstiny calibrate`)")
    args = parser.parse_args()
    for model in args.models:
        result = {**measure(model, args.word, args.synthetic, args.runtime, args.threshold),
                  "provenance": provenance()}
        name = Path(model).name if Path(model).exists() else model
        write_json(OUT / f"{name}.json", result)
        print(f"{name}: threshold {result['threshold']}; score quartiles "
              f"{result['score_quartiles']}")
        for engine, r in result["synthetic_detected_by_engine"].items():
            d = r["detected"]
            print(f"  validation voices of {engine:<10} {d['count']}/{d['of']} detected, "
                  f"median score {r['median_score']:.0f}")
        for trait, r in result["by_trait"].items():
            rates = " ".join(f"{q['detected']['count']}/{q['detected']['of']}"
                             for q in r["detected_by_real_quartile"])
            print(f"  {trait:<22} rho {r['spearman_with_score']:+.2f}  real "
                  f"{r['real_quartiles']}  synthetic {r['synthetic_quartiles']}  "
                  f"detected by quartile {rates}")


if __name__ == "__main__":
    main()
