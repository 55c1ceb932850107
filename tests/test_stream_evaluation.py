"""Stream evaluation: the matching protocol, the threshold curve, and `evaluate --stream`."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kwstiny.cli import main
from kwstiny.data.long_audio import load_streams
from kwstiny.data.recipes import load_recipe
from kwstiny.spec import DetectionSettings
from kwstiny.stream.detector import run_detector
from kwstiny.stream.evaluation import (StreamScores, false_accepts_at, match_detections,
                                       threshold_curve)

from stream_models import constant_model

CLASSES = ["alexa", "_unknown_"]


def test_true_detections_land_from_1_0_s_before_to_1_5_s_after_the_keyword_end():
    detections = [(9000, 0), (11500, 0), (11501, 0), (8999, 0), (30500, 1), (25000, 0),
                  (10000, 0)]
    assert match_detections(detections, (10.0, 30.0), keyword_class=0) == {
        "keywords": 2, "detected": 1, "true_detections": 3, "false_accepts": 4,
        "false_accept_times_ms": [8999, 11501, 25000, 30500], "latencies_ms": [-1000]}
    assert match_detections([], (), 0) == {"keywords": 0, "detected": 0,
                                           "true_detections": 0, "false_accepts": 0,
                                           "false_accept_times_ms": [], "latencies_ms": []}


def test_latency_is_the_first_true_detection_after_each_keyword_end():
    from kwstiny.stream.evaluation import summarize

    per_file = [match_detections([(10400, 0), (10100, 0), (20900, 0), (40000, 0)],
                                 (10.0, 20.5, 35.0), 0),
                match_detections([(5300, 0)], (5.0,), 0)]
    assert [m["latencies_ms"] for m in per_file] == [[100, 400], [300]]
    streams = [random_stream(1), random_stream(2)]
    latency = summarize(per_file, streams)["latency_ms"]
    assert latency == {"median": 300.0, "p90": 380.0}
    assert summarize([match_detections([], (1.0,), 0)], streams[:1])["latency_ms"] is None


def random_stream(seed: int, n: int = 400) -> StreamScores:
    """A score timeline that wanders, so every threshold gives a different answer."""
    rng = np.random.default_rng(seed)
    walk = np.clip(np.cumsum(rng.integers(-40, 41, n)) + 128, 0, 255)
    scores = np.stack([walk, 255 - walk], axis=1).astype(np.uint8)
    times = 1200 + 200 * np.arange(n)
    ends = tuple(float(t) / 1000 for t in times[rng.choice(n, 6, replace=False)])
    return StreamScores(file=f"s{seed}.wav", kind="keyword", keyword="alexa",
                        duration_s=n * 0.2 + 1.2, keyword_ends_s=ends, times_ms=times,
                        scores=scores)


def test_the_curve_equals_the_detector_run_at_each_threshold():
    settings = DetectionSettings()
    streams = [random_stream(1), random_stream(2)]
    curve = threshold_curve(CLASSES, settings, streams)
    assert [p["threshold"] for p in curve] == list(range(256))
    for threshold in (0, 100, 150, 200, 216, 240, 255):
        one = DetectionSettings(detection_threshold=threshold)
        false = detected = 0
        times = []
        for s in streams:
            found = run_detector(CLASSES, one, s.times_ms, s.scores)
            match = match_detections([(d.time_ms, d.class_index) for d in found],
                                     s.keyword_ends_s, 0)
            false += match["false_accepts"]
            detected += match["detected"]
            times += [(s.file, t) for t in match["false_accept_times_ms"]]
        point = curve[threshold]
        assert (point["false_accepts"], point["detected"]) == (false, detected), threshold
        assert [(s.file, t) for s, t in false_accepts_at(CLASSES, settings, streams,
                                                         threshold)] == times
    fa = [p["false_accepts_per_hour"] for p in curve]
    assert fa[0] > fa[200] > fa[255] == 0          # the curve does move
    frr = [p["frr"] for p in curve]
    assert frr[255] == 1.0 and frr[0] < frr[250]


def test_evaluate_stream_end_to_end(tenet12_int8, tmp_path):
    """A model that scores alexa 230 on every window fires at 1.4 s and every 1000 ms
    after (see test_stream_loop); from that and the logged keyword ends, FRR and the
    false accepts follow by hand."""
    model = tmp_path / "run" / "constant.tflite"
    model.parent.mkdir()
    model.write_bytes(constant_model(tenet12_int8.read_bytes(), [0.9, 0.1]))
    args = ["evaluate", str(model), "--stream", "--stream-data", "alexa_stream",
            "--stream-scale", "test"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "run" / "evaluation" / "stream.json").read_text())
    assert (tmp_path / "run" / "evaluation" / "stream.png").read_bytes()[:4] == b"\x89PNG"

    streams = load_streams(load_recipe("alexa_stream").prepare("test"))
    false = keywords = 0
    for stream in streams:
        samples = round(stream.duration_s * 16000)
        frames = (samples - 480) // 160 + 1
        last_ms = ((118 + (frames - 118) // 20 * 20) - 1) * 160 + 480
        last_ms = last_ms * 1000 // 16000
        fired = range(1400, last_ms + 1, 1000)
        windows = [(round((e - 1.0) * 1000), round((e + 1.5) * 1000))
                   for e in stream.keyword_ends_s]
        false += sum(not any(lo <= t <= hi for lo, hi in windows) for t in fired)
        keywords += len(windows)
    hours = sum(s.duration_s for s in streams) / 3600
    at = report["at_threshold"]
    assert keywords >= 3 and report["data"]["keywords"] == keywords
    assert (at["threshold"], at["frr"], at["false_accepts"]) == (216, 0.0, false)
    assert at["false_accepts_per_hour"] == pytest.approx(false / hours)
    curve = report["curve"]
    assert curve[216] == {k: v for k, v in at.items() if k != "class_thresholds"}
    assert all(p["false_accepts"] == false for p in curve[:230])
    assert all(p["frr"] == 1.0 and p["false_accepts"] == 0 for p in curve[230:])

    # Interrupted or repeated: the model's scores are read back, not recomputed.
    cached = sorted((tmp_path / "run" / "evaluation" / "stream_scores").iterdir())
    assert len(cached) == len(streams)
    stamps = [p.stat().st_mtime_ns for p in cached]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert [p.stat().st_mtime_ns for p in cached] == stamps
