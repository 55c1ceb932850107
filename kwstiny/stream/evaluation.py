"""`kwstiny evaluate MODEL --stream`: false rejection rate (FRR) and false accepts per
hour (FA/h) on long audio, and the FRR-vs-FA/h curve over thresholds.

Protocol (also in the README):
- The audio is a long-audio recipe's streams (`kwstiny/datasets/<keyword>_stream.py`): keyword
  streams of held-out voices with every keyword's end time logged, and keyword-free
  streams. Each file is one stream from a fresh frontend and detector, run exactly as
  `kwstiny detect` runs it (the model every latency_ms, the spec's detector settings).
- A detection is true when it is of the keyword's class and lands between 1.0 s before
  and 1.5 s after a keyword ends; every other detection is a false accept. A keyword
  with at least one true detection is detected; FRR = missed keywords / keywords.
- FA/h = false accepts / hours of all the audio (keyword and keyword-free streams);
  the keyword-free streams' own rate is reported beside it.
- The curve: the model runs once; its scores are replayed through the detector (same
  window, minimum count and suppression) with every keyword class's threshold set to
  each of 0-255.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny import paths
from kwstiny.errors import KwstinyError
from kwstiny.progress import console, progress_bar
from kwstiny.stream.detector import Decider, WindowAverager, run_detector
from kwstiny.stream.loop import StreamClassifier
from kwstiny.stream.sources import FileSource

BEFORE_S = 1.0     # a true detection lands at most this long before the keyword ends
AFTER_S = 1.5      # ... and at most this long after
THRESHOLDS = tuple(range(256))


@dataclass
class StreamScores:
    """One stream file's model results: when each inference ran and its scores."""
    file: str
    kind: str                      # "keyword" or "negative"
    keyword: str
    duration_s: float
    keyword_ends_s: tuple[float, ...]
    times_ms: np.ndarray           # int64 (n,)
    scores: np.ndarray             # uint8 (n, classes)


def match_detections(detections, keyword_ends_s, keyword_class: int) -> dict:
    """Split one stream's detections ((time_ms, class_index) pairs) into true ones and
    false accepts; count the keywords detected, and for each the latency of its first
    true detection after the keyword's end (negative: it fired before the end)."""
    windows = [(round((end - BEFORE_S) * 1000), round((end + AFTER_S) * 1000))
               for end in keyword_ends_s]
    detected = [False] * len(windows)
    first = [None] * len(windows)
    true = 0
    false_times = []
    for time_ms, class_index in sorted(detections):
        hit = False
        if class_index == keyword_class:
            for k, (low, high) in enumerate(windows):
                if low <= time_ms <= high:
                    detected[k] = hit = True
                    if first[k] is None:
                        first[k] = time_ms - round(keyword_ends_s[k] * 1000)
        true += hit
        if not hit:
            false_times.append(time_ms)
    return {"keywords": len(windows), "detected": sum(detected), "true_detections": true,
            "false_accepts": len(false_times), "false_accept_times_ms": false_times,
            "latencies_ms": [f for f in first if f is not None]}


def summarize(per_file: list[dict], streams: list[StreamScores]) -> dict:
    """FRR and FA/h from per-file match counts."""
    keywords = sum(m["keywords"] for m in per_file)
    detected = sum(m["detected"] for m in per_file)
    false = sum(m["false_accepts"] for m in per_file)
    hours = sum(s.duration_s for s in streams) / 3600
    negative = [(m, s) for m, s in zip(per_file, streams) if s.kind == "negative"]
    negative_hours = sum(s.duration_s for _, s in negative) / 3600
    negative_false = sum(m["false_accepts"] for m, _ in negative)
    latencies = [v for m in per_file for v in m.get("latencies_ms", [])]
    return {
        "frr": (keywords - detected) / keywords if keywords else None,
        "keywords": keywords, "detected": detected, "missed": keywords - detected,
        "false_accepts": false,
        "false_accepts_per_hour": false / hours if hours else None,
        "negative_false_accepts": negative_false,
        "negative_false_accepts_per_hour": negative_false / negative_hours
        if negative_hours else None,
        # After each detected keyword's end, until its first true detection.
        "latency_ms": {"median": float(np.median(latencies)),
                       "p90": float(np.percentile(latencies, 90))} if latencies else None,
    }


def threshold_curve(classes: list[str], settings, streams: list[StreamScores],
                    thresholds=THRESHOLDS) -> list[dict]:
    """FRR and FA/h at each threshold, from one pass of scores replayed through the
    detector. The window averages do not depend on the threshold, so they are computed
    once per stream; the decision step (top class, threshold, suppression) runs per
    threshold on the moments that could fire at all, which is exactly the detector's
    result because the others leave its state untouched."""
    prepared = [_window_averages(classes, settings, stream) for stream in streams]
    return [{"threshold": threshold,
             **summarize([_matches(classes, settings, p, threshold) for p in prepared],
                         streams)}
            for threshold in thresholds]


def false_accepts_at(classes: list[str], settings, streams: list[StreamScores],
                     threshold: int) -> list[tuple[StreamScores, int]]:
    """(stream, time in ms) of each false accept at one threshold, as threshold_curve
    counts them."""
    return [(stream, t) for stream in streams
            for t in _matches(classes, settings, _window_averages(classes, settings, stream),
                              threshold)["false_accept_times_ms"]]


def _window_averages(classes: list[str], settings, stream: StreamScores) -> tuple:
    window = WindowAverager(len(classes), settings.average_window_duration_ms,
                            settings.minimum_count)
    times, averages = [], []
    for t, row in zip(stream.times_ms, stream.scores):
        average = window.add(int(t), row)
        if average is not None:
            times.append(int(t))
            averages.append(average)
    averages = np.array(averages, np.int64).reshape(-1, len(classes))
    top = averages.argmax(axis=1) if len(averages) else np.zeros(0, int)
    top_score = averages[np.arange(len(averages)), top]
    can_fire = np.array([not c.startswith("_") for c in classes])[top]
    return stream, times, averages, top_score, can_fire


def _matches(classes: list[str], settings, prepared: tuple, threshold: int) -> dict:
    stream, times, averages, top_score, can_fire = prepared
    decider = Decider(classes, [threshold] * len(classes), settings.suppression_ms)
    found = []
    for i in np.nonzero(can_fire & (top_score > threshold))[0]:
        detection = decider.decide(times[i], averages[i])
        if detection is not None:
            found.append((detection.time_ms, detection.class_index))
    return match_detections(found, stream.keyword_ends_s, classes.index(stream.keyword))


# Running the model over the streams ------------------------------------------------------

def _cache_key(model_digest: str, runtime: str, hop: int, path: Path) -> str:
    stat = path.stat()
    text = f"{model_digest}|{runtime}|{hop}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def score_streams(classifier: StreamClassifier, files, cache_dir: Path, runtime: str,
                  model_digest: str) -> list[StreamScores]:
    """Scores of every stream file; each file's are cached as soon as it is done, so an
    interrupted evaluation resumes where it stopped."""
    total = sum(f.duration_s for f in files)
    results = []
    with progress_bar() as bar:
        task = bar.add_task(f"streaming {len(files)} files ({total / 3600:.2f} h, {runtime})",
                            total=round(total))
        for stream in files:
            key = _cache_key(model_digest, runtime, classifier.hop_frames, stream.path)
            cached = cache_dir / f"{stream.kind}-{stream.path.stem}.npz"
            times = scores = None
            if cached.is_file():
                with np.load(cached) as data:
                    if str(data["key"]) == key:
                        times, scores = data["times_ms"], data["scores"]
            if times is None:
                with FileSource([stream.path], classifier.sample_rate) as source:
                    (segment,) = list(source.segments())
                    rows = [(i.time_ms, i.scores) for i in classifier.run(segment)]
                times = np.array([r[0] for r in rows], np.int64)
                scores = np.array([r[1] for r in rows], np.uint8)
                scores = scores.reshape(-1, len(classifier.classes))
                with paths.atomic_path(cached) as tmp:
                    np.savez(tmp, key=key, times_ms=times, scores=scores)
            keyword = stream.labels.get("keyword")
            if keyword not in classifier.classes:
                raise KwstinyError(f"{stream.path}: its keyword {keyword!r} is not a class of "
                                   f"the model ({', '.join(classifier.classes)})")
            results.append(StreamScores(
                file=str(stream.path), kind=stream.kind, keyword=keyword,
                duration_s=stream.duration_s, keyword_ends_s=stream.keyword_ends_s,
                times_ms=times, scores=scores))
            bar.advance(task, round(stream.duration_s))
    return results


def stream_data(classes: list[str], metadata: dict, data: str | None,
                scale: str | None) -> tuple[Path, dict]:
    """The folder of stream files (making them from their recipe if needed) and what
    it is."""
    from kwstiny.data.recipes import load_recipe

    if data and Path(data).is_dir():
        return Path(data), {"folder": str(data)}
    scale = scale or _spec_scale(metadata)
    training = _spec_recipe(metadata)
    if not data and training is not None:
        from kwstiny.data.keyword_recipe import keyword_stream_recipe
        recipe = keyword_stream_recipe(training)
        return recipe.prepare(scale), {"recipe": recipe.name, "scale": scale}
    if not data:
        keywords = [c for c in classes if not c.startswith("_")]
        if len(keywords) != 1:
            raise KwstinyError(f"the model has {len(keywords)} keyword classes; name the "
                               f"stream data with --stream-data RECIPE_OR_FOLDER")
        data = f"{keywords[0]}_stream"
    recipe = load_recipe(data)
    if not hasattr(recipe, "scales") or not hasattr(recipe, "keyword"):
        raise KwstinyError(f"recipe {data} is not a long-audio (stream) recipe")
    return recipe.prepare(scale), {"recipe": recipe.name, "scale": scale}


def _spec_recipe(metadata: dict):
    """The keyword recipe object the model's spec declares in its file, if it does."""
    from kwstiny.data.keyword_recipe import keyword_training_recipe
    from kwstiny.spec import load_run_spec
    try:
        source = load_run_spec(metadata.get("name", "")).dataset.source
    except KwstinyError:
        return None
    return None if isinstance(source, str) else keyword_training_recipe(source)


def _spec_scale(metadata: dict) -> str:
    """The scale of the spec the model came from ("test" for NAME-test), else "full"."""
    from kwstiny.spec import load_run_spec
    try:
        return load_run_spec(metadata.get("name", "")).dataset.scale
    except KwstinyError:
        return "full"


def evaluate_stream(model: str, runtime: str = "tflm", data: str | None = None,
                    scale: str | None = None) -> dict:
    """Evaluate MODEL on long audio; writes evaluation/stream.json and stream.png beside
    the model (its run directory)."""
    from kwstiny.data.long_audio import load_streams
    from kwstiny.inference import open_tflite

    began = time.perf_counter()
    tflite, path = open_tflite(model, runtime)
    classifier = StreamClassifier(tflite)
    classes, settings = classifier.classes, classifier.detection
    root, source = stream_data(classes, tflite.metadata, data, scale)
    files = load_streams(root)
    out = path.parent / "evaluation"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    streams = score_streams(classifier, files, out / "stream_scores", runtime, digest)

    # The spec's own settings, through the same detector `kwstiny detect` uses.
    per_file, file_rows = [], []
    for stream in streams:
        found = run_detector(classes, settings, stream.times_ms, stream.scores)
        match = match_detections([(d.time_ms, d.class_index) for d in found],
                                 stream.keyword_ends_s, classes.index(stream.keyword))
        per_file.append(match)
        file_rows.append({"file": stream.file, "kind": stream.kind,
                          "duration_s": stream.duration_s, **match,
                          "detections": [d.to_json() for d in found]})
    at_threshold = {"threshold": settings.detection_threshold,
                    "class_thresholds": settings.class_thresholds,
                    **summarize(per_file, streams)}
    curve = threshold_curve(classes, settings, streams)
    result = {
        "model": str(path), "runtime": runtime, "classes": classes,
        "data": {**source, "root": str(root),
                 "keyword_files": sum(s.kind == "keyword" for s in streams),
                 "negative_files": sum(s.kind == "negative" for s in streams),
                 "keywords": sum(len(s.keyword_ends_s) for s in streams),
                 "hours": _hours(streams),
                 "keyword_hours": _hours(s for s in streams if s.kind == "keyword"),
                 "negative_hours": _hours(s for s in streams if s.kind == "negative")},
        "protocol": {"true_detection_window_s": [-BEFORE_S, AFTER_S],
                     "relative_to": "keyword end",
                     "false_accepts_per_hour": "false accepts / hours of all streams",
                     "curve": "scores from one pass, replayed through the detector with every "
                              "keyword class's threshold set to each value"},
        "detection": settings.to_metadata(),
        "inferences": int(sum(len(s.times_ms) for s in streams)),
        "at_threshold": at_threshold,
        "curve": curve,
        "files": file_rows,
        "seconds": round(time.perf_counter() - began, 1),
    }
    paths.write_json(out / "stream.json", result)
    plot_curve(result, out / "stream.png")
    frr = at_threshold["frr"]
    console.print(
        f"stream evaluation of {path.name}: threshold {settings.detection_threshold}: FRR "
        f"{'-' if frr is None else f'{frr:.3f}'} ({at_threshold['missed']} of "
        f"{at_threshold['keywords']} keywords missed), "
        f"{at_threshold['false_accepts_per_hour']:.2f} false accepts per hour "
        f"({at_threshold['false_accepts']} in {result['data']['hours']:.2f} h; "
        f"{at_threshold['negative_false_accepts']} in {result['data']['negative_hours']:.2f} h "
        f"of keyword-free audio)"
        + (f"; latency after the keyword's end: median {at_threshold['latency_ms']['median']:.0f} "
           f"ms, 90th percentile {at_threshold['latency_ms']['p90']:.0f} ms"
           if at_threshold["latency_ms"] else "")
        + f"; wrote {out / 'stream.json'} and stream.png")
    return result


def _hours(streams) -> float:
    return sum(s.duration_s for s in streams) / 3600


def plot_curve(result: dict, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = [p for p in result["curve"] if p["frr"] is not None]
    figure, axis = plt.subplots(figsize=(7, 5), constrained_layout=True)
    x = [p["false_accepts_per_hour"] for p in curve]
    y = [100 * p["frr"] for p in curve]
    axis.plot(x, y, "-", color="tab:blue", linewidth=1.2, label="thresholds 0-255")
    labelled = set()
    for p in curve:
        where = (round(p["false_accepts_per_hour"], 1), round(100 * p["frr"], 1))
        if (p["threshold"] % 32 == 0 or p["threshold"] == 255) and where not in labelled:
            labelled.add(where)
            axis.annotate(str(p["threshold"]), (p["false_accepts_per_hour"], 100 * p["frr"]),
                          fontsize=7, color="gray", textcoords="offset points", xytext=(3, 3))
    at = result["at_threshold"]
    if at["frr"] is not None:
        axis.plot([at["false_accepts_per_hour"]], [100 * at["frr"]], "o", color="tab:red",
                  label=f"spec threshold {at['threshold']}")
    axis.set_xscale("symlog", linthresh=1.0)
    axis.set_xlabel("false accepts per hour")
    axis.set_ylabel("false rejection rate (%)")
    data = result["data"]
    axis.set_title(f"{Path(result['model']).stem}: {data['keywords']} keywords, "
                   f"{data['hours']:.2f} h of audio")
    axis.grid(True, alpha=0.3)
    axis.legend()
    with paths.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=90)
    plt.close(figure)
    return path
