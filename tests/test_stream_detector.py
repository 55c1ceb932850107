"""The detector's rules, pinned by the hand-made vectors in tests/vectors/detector."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from kwstiny.errors import KwstinyError
from kwstiny.spec import DetectionSettings
from kwstiny.stream.detector import Detector, run_detector, scores_from_probabilities

VECTORS = Path(__file__).parent / "vectors" / "detector"
VECTOR_FILES = sorted(VECTORS.glob("*.json"))


def _settings(vector: dict) -> DetectionSettings:
    return DetectionSettings(**vector["settings"])


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.stem for p in VECTOR_FILES])
def test_vector_replays_step_by_step(path):
    vector = json.loads(path.read_text())
    detector = Detector(vector["classes"], _settings(vector))
    for i, step in enumerate(vector["steps"]):
        detection = detector.update(step["time_ms"], np.array(step["scores"], np.uint8))
        averages = None if detector.averages is None else detector.averages.tolist()
        assert averages == step["averages"], f"{path.stem} step {i} ({step['time_ms']} ms)"
        got = None if detection is None else {"class_index": detection.class_index,
                                              "score": detection.score,
                                              "class": detection.label}
        assert got == step["detection"], f"{path.stem} step {i} ({step['time_ms']} ms)"
        assert len(detector.window) <= vector["max_results_in_window"]


def test_every_rule_has_a_vector_and_the_files_match_their_cases():
    rules = {json.loads(p.read_text())["rule"] for p in VECTOR_FILES}
    assert rules >= {"minimum_count", "average_window_duration_ms", "average",
                     "detection_threshold", "class_thresholds", "underscore", "suppression_ms"}
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    assert {c["name"] for c in make.CASES} == {p.stem for p in VECTOR_FILES}
    for case in make.CASES:
        assert (VECTORS / f"{case['name']}.json").read_text() == make.render(case), case["name"]


def test_each_vector_detects_something_and_holds_something_back():
    # A vector that never fires (or never refuses) would pin nothing.
    for path in VECTOR_FILES:
        steps = json.loads(path.read_text())["steps"]
        outcomes = {s["detection"] is None for s in steps}
        assert outcomes == {True, False}, path.stem


def test_results_out_of_time_order_are_refused():
    detector = Detector(["alexa", "_unknown_"], DetectionSettings())
    detector.update(400, [10, 245])
    detector.update(400, [10, 245])  # equal times are fine
    with pytest.raises(KwstinyError, match="time order"):
        detector.update(399, [10, 245])


def test_bad_scores_and_unknown_class_thresholds_are_refused():
    detector = Detector(["alexa", "_unknown_"], DetectionSettings())
    with pytest.raises(KwstinyError, match="expects 2 scores"):
        detector.update(0, [1, 2, 3])
    with pytest.raises(KwstinyError, match="0-255"):
        detector.update(0, np.array([256, 0]))
    with pytest.raises(KwstinyError, match="'alexaa'"):
        Detector(["alexa", "_unknown_"], DetectionSettings(class_thresholds={"alexaa": 100}))


def test_reset_forgets_results_and_suppression():
    settings = DetectionSettings(minimum_count=1, average_window_duration_ms=100,
                                 detection_threshold=200, suppression_ms=900)
    detector = Detector(["alexa", "_unknown_"], settings)
    assert detector.update(0, [250, 5]) is not None
    assert detector.update(200, [250, 5]) is None
    detector.reset()
    assert detector.update(200, [250, 5]) is not None


def test_run_detector_returns_every_detection_of_a_timeline():
    vector = json.loads((VECTORS / "alexa_utterance.json").read_text())
    times = [s["time_ms"] for s in vector["steps"]]
    scores = np.array([s["scores"] for s in vector["steps"]], np.uint8)
    found = run_detector(vector["classes"], _settings(vector), times, scores)
    assert [(d.time_ms, d.label, d.score) for d in found] == [(800, "alexa", 241),
                                                            (2000, "alexa", 250)]


def test_scores_from_int8_softmax_are_the_stored_value_plus_128():
    q = np.arange(-128, 128)
    probabilities = (q + 128) / 256.0          # scale 1/256, zero point -128
    assert np.array_equal(scores_from_probabilities(probabilities), q + 128)
    assert scores_from_probabilities(np.array([1.0, 0.0, 0.999]))[0] == 255
