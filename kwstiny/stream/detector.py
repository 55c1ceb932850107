"""From per-inference class scores to keyword detections.

kwstiny owns this logic and the firmware runs a C port of it, so it is written the
way the C code reads: integer scores 0-255, integer milliseconds, a plain list of
recent results, integer averages. The rules, in order, for each new result:

1. A result is (time_ms, one score 0-255 per class); times never go backwards.
2. Results older than `average_window_duration_ms` are dropped: a result at time t is
   kept while now - t <= average_window_duration_ms.
3. With fewer than `minimum_count` results kept, there is no decision.
4. Each class's average is sum // count (integer division) over the kept results.
5. The top class is the one with the highest average (the lowest index on a tie).
   Nothing fires when the top class's name starts with `_` (unknown, silence ...).
6. The top class fires only if its average exceeds (>) its threshold:
   `class_thresholds[name]` when given, else `detection_threshold`.
7. After a detection of a class, that class cannot fire again until
   now - last_detection >= suppression_ms; other classes are not held back.

tests/vectors/detector/*.json pin every rule with hand-made score sequences that the
firmware's port replays unchanged (format in the README there).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.spec import DetectionSettings

MAX_SCORE = 255


@dataclass(frozen=True)
class Detection:
    time_ms: int
    class_index: int
    label: str
    score: int        # the class's average score (0-255) over the window when it fired

    def to_json(self) -> dict:
        return {"time_ms": self.time_ms, "class": self.label, "class_index": self.class_index,
                "score": self.score}


def scores_from_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Probabilities as the detector's 0-255 scores: round(p * 256), saturated at 255.

    An int8 softmax output (scale 1/256, zero point -128) becomes exactly q + 128, the
    integer the board computes without any float arithmetic."""
    p = np.asarray(probabilities, dtype=np.float64)
    return np.clip(np.rint(p * 256.0), 0, MAX_SCORE).astype(np.uint8)


def class_threshold_table(classes: list[str], settings: DetectionSettings) -> list[int]:
    """Each class's threshold, by index (per-class thresholds named by label)."""
    unknown = sorted(set(settings.class_thresholds) - set(classes))
    if unknown:
        raise KwstinyError(f"detection.class_thresholds names {', '.join(map(repr, unknown))}, "
                           f"which the model does not have (classes: {', '.join(classes)})")
    return [int(settings.class_thresholds.get(name, settings.detection_threshold))
            for name in classes]


class WindowAverager:
    """Rules 1-4: the recent results and their per-class integer averages."""

    def __init__(self, n_classes: int, window_ms: int, minimum_count: int):
        self.n_classes = n_classes
        self.window_ms = window_ms
        self.minimum_count = minimum_count
        self._results: deque[tuple[int, np.ndarray]] = deque()
        self._sums = np.zeros(n_classes, np.int64)

    def reset(self) -> None:
        self._results.clear()
        self._sums[:] = 0

    def __len__(self) -> int:
        return len(self._results)

    @property
    def last_time_ms(self) -> int | None:
        return self._results[-1][0] if self._results else None

    def add(self, time_ms: int, scores) -> np.ndarray | None:
        """Add one result; the averages (int64, per class) or None without a decision."""
        scores = np.asarray(scores)
        if scores.shape != (self.n_classes,):
            raise KwstinyError(f"the detector expects {self.n_classes} scores, got shape "
                               f"{scores.shape}")
        if scores.min(initial=0) < 0 or scores.max(initial=0) > MAX_SCORE:
            raise KwstinyError(f"detector scores must be 0-{MAX_SCORE}, got {scores.tolist()}")
        time_ms = int(time_ms)
        last = self.last_time_ms
        if last is not None and time_ms < last:
            raise KwstinyError(f"detector results must come in time order: {time_ms} ms "
                               f"after {last} ms")
        scores = scores.astype(np.int64)
        self._results.append((time_ms, scores))
        self._sums += scores
        while time_ms - self._results[0][0] > self.window_ms:
            _, old = self._results.popleft()
            self._sums -= old
        if len(self._results) < self.minimum_count:
            return None
        return self._sums // len(self._results)


class Decider:
    """Rules 5-7: whether the averages of one moment make a detection."""

    def __init__(self, classes: list[str], thresholds: list[int], suppression_ms: int):
        self.classes = list(classes)
        self.thresholds = list(thresholds)
        self.suppression_ms = suppression_ms
        self.can_fire = [not name.startswith("_") for name in self.classes]
        self._last: list[int | None] = [None] * len(self.classes)

    def reset(self) -> None:
        self._last = [None] * len(self.classes)

    def decide(self, time_ms: int, averages: np.ndarray) -> Detection | None:
        top = int(np.argmax(averages))           # first index of the maximum
        score = int(averages[top])
        if not self.can_fire[top] or score <= self.thresholds[top]:
            return None
        last = self._last[top]
        if last is not None and time_ms - last < self.suppression_ms:
            return None
        self._last[top] = time_ms
        return Detection(int(time_ms), top, self.classes[top], score)


class Detector:
    """Feed `update(time_ms, scores)` once per inference; it returns a Detection or None."""

    def __init__(self, classes: list[str], settings: DetectionSettings):
        if not classes:
            raise KwstinyError("the detector needs the model's class names (the .tflite "
                               "metadata has no 'classes')")
        self.classes = list(classes)
        self.settings = settings
        self.thresholds = class_threshold_table(self.classes, settings)
        self.window = WindowAverager(len(self.classes), settings.average_window_duration_ms,
                                     settings.minimum_count)
        self.decider = Decider(self.classes, self.thresholds, settings.suppression_ms)
        self.averages: np.ndarray | None = None   # of the last update, None without a decision

    def reset(self) -> None:
        self.window.reset()
        self.decider.reset()
        self.averages = None

    def update(self, time_ms: int, scores) -> Detection | None:
        self.averages = self.window.add(time_ms, scores)
        if self.averages is None:
            return None
        return self.decider.decide(int(time_ms), self.averages)


def run_detector(classes: list[str], settings: DetectionSettings, times_ms,
                 scores) -> list[Detection]:
    """Every detection of one stream's results (times and an (n, classes) score array)."""
    detector = Detector(classes, settings)
    found = []
    for time_ms, row in zip(times_ms, scores):
        detection = detector.update(int(time_ms), row)
        if detection is not None:
            found.append(detection)
    return found
