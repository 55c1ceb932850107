"""`kwstiny evaluate MODEL --clips DIR [--negatives DIR ...]`: a keyword model on
recordings, one keyword per file (real people's recordings, such as ../shared/real_dev).

Protocol (also in the README):
- Each recording is one stream through exactly what `kwstiny detect` runs (the model's
  frontend, the model every latency_ms, its detector settings). A recording is padded with
  1.0 s before it (the frontend's noise estimate settles, as in training) and 1.0 s after
  it (the last windows see the whole keyword); the whole stream carries a -65 dBFS white
  noise floor, as every training sample does.
- Positives (DIR): a recording is detected when the keyword class fires between its start
  and 1.5 s after it ends. Conditions: clean, and mixed with the project's generated noise
  (pink, brown, white, babble in turn) at each --snr (default 10 and 5 dB), the noise's
  RMS set against the RMS of the recording's speech (the part within 40 dB of its
  loudest 10 ms).
- Negatives (each --negatives DIR): a recording false-fires when any keyword class fires.
- A long stream: every positive, each followed by 1-2 negative recordings, with 0.3-1.2 s
  gaps, over a pink/babble noise bed 20 dB below the median speech level; then a keyword-free
  stream of the negatives alone. FRR and false accepts per hour as `evaluate --stream`
  scores them (a true detection lands 1.0 s before to 1.5 s after a keyword's end).
- Every rate has its count and 95 % interval (Wilson for proportions, exact Poisson for
  false accepts per hour). The curves replay each stream's scores through the detector at
  every threshold 0-255.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.data.audio import audio_problem, read_audio
from kwstiny.errors import KwstinyError
from kwstiny.progress import console, progress_bar
from kwstiny.stats import describe, poisson_rate, wilson
from kwstiny.stream.detector import run_detector
from kwstiny.stream.evaluation import (AFTER_S, THRESHOLDS, StreamScores, match_detections,
                                       summarize, threshold_curve)
from kwstiny.stream.loop import StreamClassifier

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
LEAD_S, TAIL_S = 1.0, 1.0
NOISE_FLOOR_DBFS = -65.0
NOISE_KINDS = ("pink", "brown", "white", "babble")
BED_KINDS = ("pink", "babble")
BED_SNR_DB = 20.0
_NOISE_BED_S = 60.0
_SPEECH_FLOOR_DB = -40.0


@dataclass
class Recording:
    path: Path
    audio: np.ndarray
    speech: tuple[int, int]      # first and last + 1 sample of the speech

    @property
    def speech_rms(self) -> float:
        a, b = self.speech
        part = self.audio[a:b] if b > a else self.audio
        return float(np.sqrt(np.mean(part.astype(np.float64) ** 2)) + 1e-12)


def recording_files(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise KwstinyError(f"{folder} is not a folder of recordings")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise KwstinyError(f"{folder} holds no recordings ({', '.join(AUDIO_SUFFIXES)})")
    return files


def load_recordings(folder: str | Path, rate: int) -> tuple[list[Recording], list[dict]]:
    """Every readable recording in `folder`; unreadable ones are listed, not fatal."""
    from kwstiny.data.synthetic import speech_bounds

    recordings, skipped = [], []
    for path in recording_files(folder):
        problem = audio_problem(path)
        if problem is None:
            try:
                audio = read_audio(path, rate)
            except KwstinyError as error:
                problem = str(error)
        if problem is None and not np.any(audio):
            problem = "silent"
        if problem is not None:
            skipped.append({"file": str(path), "problem": problem})
            continue
        recordings.append(Recording(path, audio, speech_bounds(audio, rate, _SPEECH_FLOOR_DB)))
    if not recordings:
        raise KwstinyError(f"{folder}: none of its {len(skipped)} recordings is readable")
    return recordings, skipped


class NoiseBank:
    """A minute of each kind of the project's generated noise, cut at seeded offsets."""

    def __init__(self, rate: int, seed: int = 9090):
        self.rate, self.seed, self.beds = rate, seed, {}

    def bed(self, kind: str) -> np.ndarray:
        if kind not in self.beds:
            from kwstiny.data.keyword_recipe import STREAM_SENTENCES
            from kwstiny.data.noise import make_noise
            from kwstiny.data.synth import voices

            speakers = voices(("espeak-ng",))["espeak-ng"][::40] if kind == "babble" else ()
            self.beds[kind] = make_noise(kind, _NOISE_BED_S, self.rate,
                                         self.seed + NOISE_KINDS.index(kind),
                                         voices=speakers, sentences=STREAM_SENTENCES)
        return self.beds[kind]

    def piece(self, kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
        bed = self.bed(kind)
        reps = int(np.ceil((n + len(bed)) / len(bed)))
        looped = np.tile(bed, reps)
        start = int(rng.integers(0, len(bed)))
        return looped[start:start + n].astype(np.float32)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)


def padded(recording: Recording, rate: int, rng: np.random.Generator,
           noise: np.ndarray | None = None) -> np.ndarray:
    """The recording with its lead and tail, noise floor and (optional) added noise."""
    lead, tail = int(LEAD_S * rate), int(TAIL_S * rate)
    audio = np.concatenate([np.zeros(lead, np.float32), recording.audio,
                            np.zeros(tail, np.float32)])
    audio = audio + rng.normal(0.0, 10 ** (NOISE_FLOOR_DBFS / 20), audio.size).astype(np.float32)
    if noise is not None:
        audio = audio + noise
    return np.clip(audio, -1.0, 1.0)


def condition_audio(recording: Recording, index: int, snr_db: float | None,
                    noise: NoiseBank, rate: int) -> np.ndarray:
    """The `index`-th recording as evaluated: padded, and clean (`snr_db` None) or mixed
    with the project's noise (the kinds in turn) at `snr_db` against its speech; seeded by
    its file name, so every model hears the same audio."""
    seed = int(hashlib.sha256(f"{recording.path.name}|{snr_db}".encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    extra = None
    if snr_db is not None:
        length = len(recording.audio) + int((LEAD_S + TAIL_S) * rate)
        piece = noise.piece(NOISE_KINDS[index % len(NOISE_KINDS)], length, rng)
        extra = piece * (recording.speech_rms / 10 ** (snr_db / 20) / _rms(piece))
    return padded(recording, rate, rng, extra)


def audio_scores(classifier: StreamClassifier, audio: np.ndarray, name: str):
    rows = [(i.time_ms, i.scores) for i in classifier.run_audio(audio, name)]
    times = np.array([r[0] for r in rows], np.int64)
    scores = np.array([r[1] for r in rows], np.uint8).reshape(-1, len(classifier.classes))
    return times, scores


def score_recordings(classifier: StreamClassifier, recordings: list[Recording],
                     keyword: str, kind: str, snr_db: float | None, noise: NoiseBank,
                     bar, task) -> list[StreamScores]:
    """Each recording as its own stream. A positive's 'keyword end' is placed so that
    the true-detection window runs from its speech start to 1.5 s after its end."""
    rate = classifier.sample_rate
    out = []
    for n, recording in enumerate(recordings):
        audio = condition_audio(recording, n, snr_db, noise, rate)
        times, scores = audio_scores(classifier, audio, str(recording.path))
        ends = ()
        if kind == "keyword":
            start_s = LEAD_S + recording.speech[0] / rate
            end_s = LEAD_S + recording.speech[1] / rate
            # match_detections' window is [end - 1.0 s, end + 1.5 s]: stretch it to begin
            # at the speech start however long the recording is.
            ends = (max(end_s, start_s + 1.0),)
        out.append(StreamScores(file=str(recording.path), kind=kind if kind == "keyword"
                                else "negative", keyword=keyword,
                                duration_s=len(audio) / rate, keyword_ends_s=ends,
                                times_ms=times, scores=scores))
        bar.advance(task)
    return out


def long_streams(positives: list[Recording], negatives: list[Recording], rate: int,
                 noise: NoiseBank, seed: int = 31337) -> list[tuple[str, np.ndarray, tuple]]:
    """(kind, audio, keyword ends) of the keyword stream (positives separated by other
    speech) and the keyword-free stream (the negatives alone), over a noise bed."""
    rng = np.random.default_rng(seed)
    level = float(np.median([r.speech_rms for r in positives + negatives]))
    order = list(rng.permutation(len(negatives))) if negatives else []

    def build(items) -> tuple[np.ndarray, list[float]]:
        parts, ends, at = [], [], 0
        for recording, is_keyword in items:
            gap = np.zeros(int(rng.uniform(0.3, 1.2) * rate), np.float32)
            parts += [gap, recording.audio]
            at += len(gap)
            if is_keyword:
                ends.append((at + recording.speech[1]) / rate)
            at += len(recording.audio)
        parts.append(np.zeros(int(TAIL_S * rate), np.float32))
        audio = np.concatenate([np.zeros(int(LEAD_S * rate), np.float32)] + parts)
        ends = [e + LEAD_S for e in ends]
        kind = BED_KINDS[int(rng.integers(len(BED_KINDS)))]
        bed = noise.piece(kind, len(audio), rng)
        audio = audio + bed * (level / 10 ** (BED_SNR_DB / 20) / _rms(bed))
        audio = audio + rng.normal(0, 10 ** (NOISE_FLOOR_DBFS / 20), audio.size)
        return np.clip(audio, -1, 1).astype(np.float32), ends

    items = []
    for k, recording in enumerate(positives):
        items.append((recording, True))
        if order:
            for j in range(int(rng.integers(1, 3))):
                items.append((negatives[order[(2 * k + j) % len(order)]], False))
    streams = []
    if positives:
        keyword_audio, ends = build(items)
        streams.append(("keyword", keyword_audio, tuple(ends)))
    if negatives:
        free_audio, _ = build([(r, False) for r in negatives])
        streams.append(("negative", free_audio, ()))
    return streams


def _rate_curve(classes, settings, streams: list[StreamScores], field: str) -> list[int]:
    """Per threshold, how many streams have at least one `field` event."""
    counts = np.zeros(len(THRESHOLDS), int)
    for stream in streams:
        for point in threshold_curve(classes, settings, [stream]):
            counts[point["threshold"]] += point[field] > 0
    return counts.tolist()


def evaluate_clips(model: str, clips: str | None, negatives: tuple[str, ...] = (),
                   keyword: str | None = None, snrs: tuple[float, ...] = (10.0, 5.0),
                   runtime: str = "tflm", out: str | None = None) -> dict:
    """Evaluate MODEL on recordings; writes evaluation/clips_<DIR>.json and .png. With
    `clips` None, only the negatives: false fires per folder and FA/h on their stream
    (evaluation/false_fires_<DIR>[_<DIR>...].json)."""
    from kwstiny.inference import open_tflite

    began = time.perf_counter()
    tflite, path = open_tflite(model, runtime)
    classifier = StreamClassifier(tflite)
    classes, settings, rate = classifier.classes, classifier.detection, classifier.sample_rate
    keywords = [c for c in classes if not c.startswith("_")]
    keyword = keyword or (keywords[0] if len(keywords) == 1 else None)
    if not clips and not negatives:
        raise KwstinyError("give recordings of the keyword (--clips), recordings without it "
                           "(--negatives), or both")
    if keyword not in keywords:
        what = f"of {Path(clips).name} " if clips else ""
        raise KwstinyError(f"name the keyword class {what}with --keyword: "
                           f"the model's keyword classes are {', '.join(keywords)}")
    positives, skipped = load_recordings(clips, rate) if clips else ([], [])
    negative_sets = []
    for folder in negatives:
        recordings, bad = load_recordings(folder, rate)
        negative_sets.append((folder, recordings))
        skipped += bad
    all_negatives = [r for _, s in negative_sets for r in s]
    noise = NoiseBank(rate)
    conditions = ([("clean", None)] + [(f"snr_{s:g}db", s) for s in snrs]) if positives else []
    total = len(positives) * len(conditions) + len(all_negatives) + 2
    with progress_bar() as bar:
        task = bar.add_task(f"{len(positives)} positives x {len(conditions)} conditions, "
                            f"{len(all_negatives)} negatives ({runtime})", total=total)
        positive_scores = {name: score_recordings(classifier, positives, keyword, "keyword",
                                                  snr, noise, bar, task)
                           for name, snr in conditions}
        negative_scores = {str(folder): score_recordings(classifier, recordings, keyword,
                                                         "negative", None, noise, bar, task)
                           for folder, recordings in negative_sets}
        streams = []
        for kind, audio, ends in long_streams(positives, all_negatives, rate, noise):
            times, scores = audio_scores(classifier, audio, f"{kind} stream")
            streams.append(StreamScores(file=f"{kind} stream", kind=kind, keyword=keyword,
                                        duration_s=len(audio) / rate, keyword_ends_s=ends,
                                        times_ms=times, scores=scores))
            bar.advance(task)

    keyword_index = classes.index(keyword)
    threshold = settings.class_thresholds.get(keyword, settings.detection_threshold)

    def matches(stream):
        found = run_detector(classes, settings, stream.times_ms, stream.scores)
        return found, match_detections([(d.time_ms, d.class_index) for d in found],
                                       stream.keyword_ends_s, keyword_index)

    result_positives = {}
    for name, scored in positive_scores.items():
        detected = [matches(s)[1]["detected"] > 0 for s in scored]
        result_positives[name] = {
            "detection_rate": wilson(sum(detected), len(detected)),
            "missed": [s.file for s, d in zip(scored, detected) if not d],
            "curve_detected": _rate_curve(classes, settings, scored, "detected"),
        }
    result_negatives = {}
    for folder, scored in negative_scores.items():
        # The detector never fires on "_" classes: any detection is a false fire.
        found = [matches(s) for s in scored]
        fired = [len(detections) > 0 for detections, _ in found]
        hours = sum(s.duration_s for s in scored) / 3600
        result_negatives[folder] = {
            "recordings": len(scored), "hours": hours,
            "false_fire_rate": wilson(sum(fired), len(fired)),
            "false_accepts_per_hour": poisson_rate(sum(m["false_accepts"] for _, m in found),
                                                   hours),
            "fired": [s.file for s, f in zip(scored, fired) if f],
            "curve_fired": _rate_curve(classes, settings, scored, "false_accepts"),
        }
    per_stream = [matches(s)[1] for s in streams]
    summary = summarize(per_stream, streams)
    hours = sum(s.duration_s for s in streams) / 3600
    free = [s for s in streams if s.kind == "negative"]
    free_hours = sum(s.duration_s for s in free) / 3600
    stream_result = {
        "hours": hours, "keyword_free_hours": free_hours,
        "frr": wilson(summary["missed"], summary["keywords"]),
        "false_accepts_per_hour": poisson_rate(summary["false_accepts"], hours),
        "keyword_free_false_accepts_per_hour": poisson_rate(
            summary["negative_false_accepts"], free_hours),
        "curve": threshold_curve(classes, settings, streams),
    }
    result = {
        "model": str(path), "runtime": runtime, "classes": classes, "keyword": keyword,
        "threshold": threshold, "detection": settings.to_metadata(),
        "clips": str(clips) if clips else None, "negatives": [str(n) for n in negatives],
        "recordings": {"positives": len(positives), "negatives": len(all_negatives),
                       "skipped": skipped},
        "protocol": __doc__.split("Protocol (also in the README):", 1)[1].strip(),
        "positives": result_positives, "negative_sets": result_negatives,
        "stream": stream_result, "seconds": round(time.perf_counter() - began, 1),
    }
    name = (f"clips_{Path(clips).name}" if clips else
            "false_fires_" + "_".join(Path(n).name for n in negatives))
    target = Path(out) if out else path.parent / "evaluation" / f"{name}.json"
    paths.write_json(target, result)
    plot_clip_curves(result, target.with_suffix(".png"))
    _print(result, target)
    return result


def _print(result: dict, target: Path) -> None:
    console.print(f"{Path(result['model']).name} on {result['clips'] or 'negatives only'} "
                  f"(keyword {result['keyword']!r}, threshold {result['threshold']}):")
    for name, r in result["positives"].items():
        console.print(f"  detected, {name}: {describe(r['detection_rate'])}")
    for folder, r in result["negative_sets"].items():
        console.print(f"  false fires on {folder}: {describe(r['false_fire_rate'])}")
    s = result["stream"]
    frr = f"FRR {describe(s['frr'])}, " if s["frr"]["of"] else ""
    console.print(f"  stream ({s['hours']:.2f} h): {frr}"
                  f"FA/h {describe(s['false_accepts_per_hour'])}")
    console.print(f"wrote {target} and {target.with_suffix('.png').name}")


def plot_clip_curves(result: dict, path: Path) -> Path:
    """Detection rate of the positives (each condition) against each negative set's
    false-fire rate, over thresholds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 5), constrained_layout=True)
    thresholds = np.array(THRESHOLDS)
    for name, r in result["positives"].items():
        n = r["detection_rate"]["of"]
        axis.plot(thresholds, 100 * np.array(r["curve_detected"]) / n, label=f"detected, {name}")
    for folder, r in result["negative_sets"].items():
        n = r["false_fire_rate"]["of"]
        axis.plot(thresholds, 100 * np.array(r["curve_fired"]) / n, "--",
                  label=f"false fires, {Path(folder).name}")
    axis.axvline(result["threshold"], color="gray", linewidth=0.8)
    axis.set_xlabel("detection threshold (0-255)")
    axis.set_ylabel("% of recordings")
    on = Path(result["clips"]).name if result["clips"] else "negatives"
    axis.set_title(f"{Path(result['model']).stem} on {on}")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    with paths.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=90)
    plt.close(figure)
    return path
