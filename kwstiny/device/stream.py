"""Streaming audio through a board: `classify_audio --device` and `detect --device`.

`BoardClassifier` has the interface of kwstiny.stream.loop.StreamClassifier (run a
segment, yield Inferences), but the frontend, the model and the detector all run on
the board: the laptop sends int16 audio and gets back each inference's raw output and
each detection. The laptop only mirrors the detector's window averages for the live
view; what fires is what the board decided.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import numpy as np

from kwstiny import tflite
from kwstiny.device import session
from kwstiny.device.client import DeviceClient
from kwstiny.errors import KwstinyError
from kwstiny.frontend import to_int16
from kwstiny.spec import DetectionSettings
from kwstiny.stream.detector import Detection, scores_from_probabilities
from kwstiny.stream.loop import Inference, StreamSchedule
from kwstiny.stream.sources import Segment


class BoardClassifier(StreamSchedule):
    """Runs a .tflite on a board over segments of audio, as a stream. Its detector only
    mirrors the board's window averages for the live view."""

    def __init__(self, client: DeviceClient, model_path: str | Path,
                 detection: DetectionSettings | None = None, progress=None):
        model = Path(model_path).read_bytes()
        super().__init__(tflite.read_metadata(model), detection)
        self.client = client
        self.model_info = session.ensure_model(client, model, progress=progress)
        if self.model_info.output.shape[-1] != len(self.classes):
            raise KwstinyError(f"the model has {self.model_info.output.shape[-1]} outputs but its "
                               f"metadata names {len(self.classes)} classes")
        # The model's own settings plus any overrides, every time: the board keeps CONFIG
        # values until the next model load, and the model may already have been loaded.
        client.config(self.detection.to_metadata())

    def _scores(self, raw: np.ndarray) -> np.ndarray:
        out = self.model_info.output
        if out.dtype == np.float32:
            probabilities = raw.view(np.float32)
        else:
            probabilities = (raw.astype(np.float32) - out.zero_point) * np.float32(out.scale)
        return scores_from_probabilities(probabilities)

    def run(self, segment: Segment) -> Iterator[Inference]:
        """Inferences over one segment (a fresh frontend and detector on the board)."""
        s = self.settings
        self.detector.reset()
        self.client.stream_begin(scores=True, detections=True)
        index = 0
        audio = np.zeros(0, np.float32)  # the newest audio, for --dump-audio
        first_sample = 0                 # stream index of audio[0]
        try:
            for block in segment.blocks:
                if self.keep_audio:
                    audio = np.concatenate([audio, np.asarray(block, np.float32)])
                began = time.perf_counter()
                records = self.client.stream_audio(to_int16(block))
                waited_ms = (time.perf_counter() - began) * 1000
                fired = {end: (cls, score) for end, cls, score in records.detections}
                if records.scores:
                    self.last_invoke_ms = waited_ms / len(records.scores)
                for end, _ticks, raw in records.scores:
                    scores = self._scores(raw)
                    time_ms = end * 1000 // s.sample_rate_hz
                    self.detector.update(time_ms, scores)  # averages for the view only
                    detection = None
                    if end in fired:
                        cls, score = fired[end]
                        detection = Detection(int(time_ms), cls, self.classes[cls], score)
                    frames = (end - s.window_samples) // s.step_samples + 1
                    clip = None
                    if self.keep_audio:  # the window's audio, as the laptop path cuts it
                        begin = (frames - s.n_frames) * s.step_samples - first_sample
                        clip = audio[max(0, begin):end - first_sample].copy()
                    yield Inference(segment.name, index, frames, end, int(time_ms), scores,
                                    None, detection, self.detector.averages, clip)
                    index += 1
                if self.keep_audio:  # keep one window and a little
                    drop = len(audio) - 2 * s.sample_length
                    if drop > 0:
                        audio = audio[drop:]
                        first_sample += drop
        finally:
            self.client.stream_end()


def board_classifier(model: str, port: str | None = None, **overrides) -> BoardClassifier:
    """A BoardClassifier for MODEL on the board at `port` (see kwstiny.device.session)."""
    from kwstiny.stream.loop import detection_settings
    from kwstiny.paths import resolve_tflite

    path = resolve_tflite(model)
    settings = detection_settings(tflite.read_metadata(path), **overrides)
    client = session.connect(port)
    try:
        return BoardClassifier(client, path, settings)
    except BaseException:
        client.close()
        raise
