"""Streaming audio through a board: the firmware runs the frontend, the model and the
detector, and sends back spectrogram frames, raw scores and detections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kwstiny import tflite
from kwstiny.device import protocol as p
from kwstiny.device import session
from kwstiny.device.client import DeviceClient
from kwstiny.errors import KwstinyError


@dataclass(frozen=True)
class BoardDetection:
    time_s: float        # end of the audio that completed the detecting window
    class_index: int
    class_name: str
    score: int           # the class's average score over the detector's window (0-255)


@dataclass(frozen=True)
class BoardInference:
    time_s: float
    ticks: int           # in the board's counter unit
    output: np.ndarray   # the raw int8 (or float) output tensor


class BoardStream:
    """One stream on a board: push int16 audio, collect inferences and detections.

    The model goes onto the board first (reused when the board already holds it);
    `overrides` are metadata keys (detection_threshold, suppression_ms, ...) sent
    with CONFIG after the model's own settings.
    """

    def __init__(self, client: DeviceClient, model: bytes, overrides: dict | None = None,
                 frames: bool = False, progress=None):
        self.client = client
        self.metadata = tflite.read_metadata(model)
        self.classes = list(self.metadata.get("classes", []))
        if not self.classes:
            raise KwstinyError("the model has no class names in its kwstiny metadata")
        self.rate = int(self.metadata.get("fe.sample_rate_hz", 16000))
        session.ensure_model(client, model, progress=progress)
        if overrides:
            client.config(overrides)
        self.shape = client.stream_begin(frames=frames, scores=True, detections=True)
        self.records = p.StreamRecords()

    def push(self, samples: np.ndarray) -> tuple[list[BoardInference], list[BoardDetection]]:
        """Send audio; returns the inferences and detections it produced."""
        before_s, before_d = len(self.records.scores), len(self.records.detections)
        self.client.stream_audio(samples, self.records)
        inferences = [BoardInference(end / self.rate, ticks, out)
                      for end, ticks, out in self.records.scores[before_s:]]
        detections = [BoardDetection(end / self.rate, cls, self.classes[cls], score)
                      for end, cls, score in self.records.detections[before_d:]]
        return inferences, detections

    @property
    def frames(self) -> np.ndarray:
        rows = [row for _, row in self.records.frames]
        return np.stack(rows) if rows else np.zeros((0, self.shape["channels"]), np.uint16)

    def close(self) -> dict:
        return self.client.stream_end()


def detect_on_board(model_path: str | Path, audio: np.ndarray, port: str | None = None,
                    overrides: dict | None = None, chunk_s: float = 1.0) -> list[BoardDetection]:
    """Every detection the board makes over int16 `audio` at the model's rate."""
    model = Path(model_path).read_bytes()
    with session.connect(port) as client:
        stream = BoardStream(client, model, overrides)
        chunk = max(1, int(chunk_s * stream.rate))
        detections: list[BoardDetection] = []
        for start in range(0, len(audio), chunk):
            detections += stream.push(audio[start:start + chunk])[1]
        stream.close()
    return detections
