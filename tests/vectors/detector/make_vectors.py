"""Writes the detector test vectors (*.json here) from the hand-made cases below.

Every expected average and detection is written out by hand from the rules in
kwstiny/stream/detector.py, not computed by the detector: the vectors check the Python
detector (tests/test_stream_detector.py) and the firmware's C port alike.

    python tests/vectors/detector/make_vectors.py     # rewrite the JSON files
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMAT_VERSION = 1

A, U = ["alexa", "_unknown_"], None  # the alexa model's classes


def step(time_ms, scores, averages=None, detection=None):
    """One result in, and what the detector holds after it: the per-class averages
    (None: fewer than minimum_count results) and the detection (None, or (class, score))."""
    return {"time_ms": time_ms, "scores": scores, "averages": averages,
            "detection": None if detection is None else
            {"class_index": detection[0], "score": detection[1]}}


def settings(window, count, threshold, suppression, class_thresholds=None):
    return {"average_window_duration_ms": window, "minimum_count": count,
            "detection_threshold": threshold, "suppression_ms": suppression,
            "class_thresholds": class_thresholds or {}}


CASES = [
    dict(name="minimum_count", rule="minimum_count",
         description="No decision until minimum_count results are in the window, however "
                     "high the scores.",
         classes=A, settings=settings(1000, 3, 200, 0),
         steps=[step(0, [250, 5]),
                step(100, [250, 5]),
                step(200, [250, 5], [250, 5], (0, 250))]),
    dict(name="window", rule="average_window_duration_ms",
         description="A result exactly average_window_duration_ms old is kept; one older "
                     "is dropped (here the low first result holds off the detection until "
                     "it leaves the window at 401 ms).",
         classes=A, settings=settings(400, 2, 200, 0),
         steps=[step(0, [0, 255]),
                step(200, [250, 5], [125, 130]),
                step(400, [250, 5], [166, 88]),
                step(401, [250, 5], [250, 5], (0, 250))]),
    dict(name="integer_average", rule="average",
         description="Averages are sum // count over the window (200.5 -> 200, 201.33 -> 201).",
         classes=A, settings=settings(1000, 2, 200, 0),
         steps=[step(0, [201, 54]),
                step(100, [200, 55], [200, 54]),
                step(200, [203, 52], [201, 53], (0, 201))]),
    dict(name="threshold", rule="detection_threshold",
         description="The top class fires only when its average exceeds the threshold: "
                     "216 does not pass 216, 217 does.",
         classes=A, settings=settings(100, 1, 216, 0),
         steps=[step(0, [216, 39], [216, 39]),
                step(200, [217, 38], [217, 38], (0, 217))]),
    dict(name="class_thresholds", rule="class_thresholds",
         description="Per-class thresholds replace detection_threshold for their class "
                     "(lower for 'no', higher for 'yes'); other classes keep the default.",
         classes=["yes", "no", "_unknown_"],
         settings=settings(100, 1, 216, 0, {"no": 150, "yes": 240}),
         steps=[step(0, [160, 0, 95], [160, 0, 95]),
                step(200, [0, 160, 95], [0, 160, 95], (1, 160)),
                step(400, [230, 0, 25], [230, 0, 25]),
                step(600, [0, 150, 105], [0, 150, 105]),
                step(800, [245, 0, 10], [245, 0, 10], (0, 245))]),
    dict(name="underscore_classes", rule="underscore",
         description="Classes named '_...' never fire, and nothing fires while one of them "
                     "is the top class, even if a keyword is above its threshold. On a tie "
                     "the lowest class index is the top class.",
         classes=["alexa", "_unknown_", "_silence_"], settings=settings(100, 1, 100, 0),
         steps=[step(0, [10, 240, 5], [10, 240, 5]),
                step(200, [10, 5, 240], [10, 5, 240]),
                step(400, [120, 130, 5], [120, 130, 5]),
                step(600, [130, 120, 5], [130, 120, 5], (0, 130)),
                step(800, [120, 120, 15], [120, 120, 15], (0, 120))]),
    dict(name="underscore_tie", rule="underscore",
         description="A tie goes to the lowest index: here '_unknown_' (index 0), so "
                     "nothing fires until alexa is strictly higher.",
         classes=["_unknown_", "alexa"], settings=settings(100, 1, 100, 0),
         steps=[step(0, [120, 120], [120, 120]),
                step(200, [119, 121], [119, 121], (1, 121))]),
    dict(name="suppression", rule="suppression_ms",
         description="After a detection the class cannot fire again until suppression_ms "
                     "have passed (it can at exactly suppression_ms).",
         classes=A, settings=settings(50, 1, 200, 900),
         steps=[step(0, [250, 5], [250, 5], (0, 250)),
                step(200, [250, 5], [250, 5]),
                step(400, [10, 245], [10, 245]),
                step(600, [250, 5], [250, 5]),
                step(899, [250, 5], [250, 5]),
                step(900, [250, 5], [250, 5], (0, 250)),
                step(1000, [250, 5], [250, 5]),
                step(1799, [250, 5], [250, 5]),
                step(1800, [250, 5], [250, 5], (0, 250))]),
    dict(name="suppression_per_class", rule="suppression_ms",
         description="Suppression holds back only the class that fired.",
         classes=["yes", "no", "_unknown_"], settings=settings(50, 1, 200, 900),
         steps=[step(0, [250, 0, 5], [250, 0, 5], (0, 250)),
                step(200, [0, 250, 5], [0, 250, 5], (1, 250)),
                step(400, [250, 0, 5], [250, 0, 5]),
                step(900, [250, 0, 5], [250, 0, 5], (0, 250)),
                step(1000, [0, 250, 5], [0, 250, 5]),
                step(1100, [0, 250, 5], [0, 250, 5], (1, 250))]),
    dict(name="alexa_utterance", rule="all",
         description="The alexa spec's settings (440 ms window, 2 results, threshold 216, "
                     "900 ms suppression) on results every 200 ms: a keyword rises, fires "
                     "once, is held back, fades, and a second keyword fires after the "
                     "suppression.",
         classes=A, settings=settings(440, 2, 216, 900),
         steps=[step(0, [10, 245]),
                step(200, [120, 135], [65, 190]),
                step(400, [230, 25], [120, 135]),
                step(600, [250, 5], [200, 55]),
                step(800, [245, 10], [241, 13], (0, 241)),
                step(1000, [240, 15], [245, 10]),
                step(1200, [60, 195], [181, 73]),
                step(1400, [5, 250], [101, 153]),
                step(1600, [250, 5], [105, 150]),
                step(1800, [250, 5], [168, 86]),
                step(2000, [250, 5], [250, 5], (0, 250))]),
]


def max_results_in_window(case: dict) -> int:
    """The most results the window ever holds: how big the port's ring must be."""
    times = [s["time_ms"] for s in case["steps"]]
    window = case["settings"]["average_window_duration_ms"]
    return max(sum(1 for t in times[:i + 1] if now - t <= window)
               for i, now in enumerate(times))


def vector(case: dict) -> dict:
    out = {"format": FORMAT_VERSION, **case}
    out["max_results_in_window"] = max_results_in_window(case)
    for s in out["steps"]:
        if s["detection"] is not None:
            s["detection"]["class"] = case["classes"][s["detection"]["class_index"]]
    return out


def render(case: dict) -> str:
    """One JSON file: settings first, one line per step so a diff reads like the timeline."""
    data = vector(case)
    steps = data.pop("steps")
    head = json.dumps(data, indent=2)[:-2]
    lines = ",\n    ".join(json.dumps(s) for s in steps)
    return f"{head},\n  \"steps\": [\n    {lines}\n  ]\n}}\n"


def main() -> None:
    for case in CASES:
        (HERE / f"{case['name']}.json").write_text(render(case))


if __name__ == "__main__":
    main()
