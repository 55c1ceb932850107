"""The stream loop: audio blocks -> streaming frontend -> the model on the newest window
of frames every `latency_ms` -> scores 0-255 -> the detector.

The schedule is counted in frames, so it does not depend on how the audio is cut into
blocks: the first inference runs when the frontend has produced n_frames frames (one
full window, sample_length_ms of audio), then one every latency_ms // window_step_ms
frames, on the n_frames most recent frames. Each result is stamped with the end of its
newest frame, `end_sample * 1000 // sample_rate_hz` ms after the segment started.
The firmware keeps the same schedule and stamps.

A streaming model (metadata `streaming`) runs every frames_per_invoke frames on just
those frames, keeping the rest as state; its results are stamped the same way.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.frontend import Frontend, model_input
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.spec import DetectionSettings
from kwstiny.stream.detector import Detection, Detector, scores_from_probabilities
from kwstiny.stream.sources import Segment


@dataclass(frozen=True)
class Inference:
    """One model run on the stream and what the detector made of it."""
    segment: str
    index: int                    # inference number within the segment
    frames: int                   # frames produced so far; the window ends at this frame
    end_sample: int               # the window's last sample (exclusive), from segment start
    time_ms: int
    scores: np.ndarray            # uint8, one per class
    features: np.ndarray          # the model input (what model_input made of the window)
    detection: Detection | None
    averages: np.ndarray | None   # the detector's window averages (None: too few results)
    audio: np.ndarray | None      # the window's audio, when the classifier keeps it


def detection_settings(metadata: dict, threshold: int | None = None,
                       suppression_ms: int | None = None, window_ms: int | None = None,
                       minimum_count: int | None = None,
                       latency_ms: int | None = None) -> DetectionSettings:
    """The model's detection settings (from its metadata), with command-line overrides.
    A threshold override replaces per-class thresholds too."""
    settings = DetectionSettings.from_metadata(metadata)
    changes = {"detection_threshold": threshold, "suppression_ms": suppression_ms,
               "average_window_duration_ms": window_ms, "minimum_count": minimum_count,
               "latency_ms": latency_ms}
    changes = {k: v for k, v in changes.items() if v is not None}
    if threshold is not None:
        changes["class_thresholds"] = {}
    return dataclasses.replace(settings, **changes)


class StreamSchedule:
    """What every stream runner shares: the model's frontend and detection settings
    (from its metadata, with overrides), the inference hop in frames, the detector."""

    def __init__(self, metadata: dict, detection: DetectionSettings | None,
                 keep_audio: bool = False):
        if not metadata:
            raise KwstinyError("the model has no kwstiny metadata (frontend settings, "
                               "classes): quantize it with kwstiny")
        self.metadata = metadata
        self.settings = FrontendSettings.from_metadata(metadata)
        self.classes = list(metadata.get("classes", []))
        self.detection = detection or DetectionSettings.from_metadata(metadata)
        self.keep_audio = keep_audio
        self.last_invoke_ms = 0.0
        self.hop_frames = max(1, self.detection.latency_ms // self.settings.window_step_ms)
        self.detector = Detector(self.classes, self.detection)

    @property
    def sample_rate(self) -> int:
        return self.settings.sample_rate_hz

    @property
    def latency_ms(self) -> int:
        """The latency actually used: whole frame steps."""
        return self.hop_frames * self.settings.window_step_ms


class KeptAudio:
    """A stream's recent audio addressed by stream sample index: what `keep_audio` runs
    cut each inference's window from, forgetting what no later window needs."""

    def __init__(self):
        self.audio = np.zeros(0, np.float32)
        self.first = 0            # stream index of audio[0]

    def add(self, block: np.ndarray) -> None:
        self.audio = np.concatenate([self.audio, block])

    def clip(self, begin: int, end: int) -> np.ndarray:
        return self.audio[begin - self.first:end - self.first].copy()

    def forget_before(self, sample: int) -> None:
        if sample > self.first:
            self.audio = self.audio[sample - self.first:]
            self.first = sample


class StreamClassifier(StreamSchedule):
    """Runs a TfliteModel over segments of audio as a stream."""

    def __init__(self, model, detection: DetectionSettings | None = None,
                 keep_audio: bool = False):
        super().__init__(model.metadata, detection, keep_audio)
        self.model = model
        s = self.settings
        n_values = int(np.prod(model.input_shape))
        # A streaming model reads only the newest frames_per_invoke frames and keeps the
        # rest as state, so it runs every frames_per_invoke frames whatever latency_ms says.
        self.streaming = bool(getattr(model, "streaming", False))
        frames = model.frames_per_invoke if self.streaming else s.n_frames
        if n_values != frames * s.filterbank_n_channels:
            raise KwstinyError(f"the model reads {model.input_shape} but its frontend settings "
                               f"make {frames} frames x {s.filterbank_n_channels} channels")
        if self.streaming:
            self.hop_frames = frames
        self.input_shape = tuple(model.input_shape[1:])   # one sample, no batch axis
        self.frontend = Frontend(s)

    def scores(self, features: np.ndarray) -> np.ndarray:
        began = time.perf_counter()
        probabilities = self.model.predict(features)
        self.last_invoke_ms = (time.perf_counter() - began) * 1000
        return scores_from_probabilities(probabilities)

    def run(self, segment: Segment) -> Iterator[Inference]:
        """Inferences over one segment, from a fresh frontend and detector."""
        if self.streaming:
            yield from self._run_streaming(segment)
            return
        s = self.settings
        n, hop, step, window = s.n_frames, self.hop_frames, s.step_samples, s.window_samples
        self.frontend.reset()
        self.detector.reset()
        frames = np.zeros((0, s.filterbank_n_channels), np.uint16)
        first_frame = 0           # stream index of frames[0]
        produced = 0              # frames produced so far
        next_at = n               # frame count of the next inference
        kept = KeptAudio() if self.keep_audio else None
        index = 0
        for block in segment.blocks:
            block = np.asarray(block, dtype=np.float32)
            new = self.frontend.push(block)
            if kept:
                kept.add(block)
            if not len(new):
                continue
            frames = np.concatenate([frames, new]) if len(frames) else new
            produced += len(new)
            while next_at <= produced:
                at = next_at - first_frame
                features = model_input(frames[at - n:at], s).reshape(self.input_shape)
                scores = self.scores(features)
                end_sample = (next_at - 1) * step + window
                time_ms = end_sample * 1000 // s.sample_rate_hz
                detection = self.detector.update(time_ms, scores)
                clip = kept.clip((next_at - n) * step, end_sample) if kept else None
                yield Inference(segment.name, index, next_at, end_sample, time_ms, scores,
                                features, detection, self.detector.averages, clip)
                index += 1
                next_at += hop
            # Keep only the frames (and audio) the next inference can still need.
            keep_from = max(0, next_at - n - first_frame)
            if keep_from:
                frames = frames[keep_from:]
                first_frame += keep_from
            if kept:
                kept.forget_before(first_frame * step)

    def _run_streaming(self, segment: Segment) -> Iterator[Inference]:
        """A streaming model over one segment: every frames_per_invoke frames it gets
        those frames (from a reset state at the segment's start); results count, as in
        the window schedule, once a whole window of frames has gone in."""
        s = self.settings
        n, per, step, window = s.n_frames, self.hop_frames, s.step_samples, s.window_samples
        self.frontend.reset()
        self.detector.reset()
        self.model.reset()
        pending = np.zeros((0, s.filterbank_n_channels), np.uint16)
        produced = 0              # frames given to the model so far
        kept = KeptAudio() if self.keep_audio else None
        index = 0
        for block in segment.blocks:
            block = np.asarray(block, dtype=np.float32)
            new = self.frontend.push(block)
            if kept:
                kept.add(block)
            if not len(new):
                continue
            pending = np.concatenate([pending, new]) if len(pending) else new
            while len(pending) >= per:
                group, pending = pending[:per], pending[per:]
                produced += per
                features = model_input(group, s).reshape(self.input_shape)
                scores = self.scores(features)  # every group: the state must see it
                if produced < n:
                    continue
                end_sample = (produced - 1) * step + window
                time_ms = end_sample * 1000 // s.sample_rate_hz
                detection = self.detector.update(time_ms, scores)
                clip = None
                if kept:
                    begin = (produced - n) * step
                    clip = kept.clip(begin, end_sample)
                    kept.forget_before(begin + per * step)  # keep what the next one needs
                yield Inference(segment.name, index, produced, end_sample, time_ms, scores,
                                features, detection, self.detector.averages, clip)
                index += 1

    def run_audio(self, audio: np.ndarray, name: str = "audio",
                  block_samples: int = 1600) -> Iterator[Inference]:
        """Inferences over an in-memory clip cut into blocks, as a file source would."""
        audio = np.asarray(audio, dtype=np.float32)
        blocks = (audio[i:i + block_samples] for i in range(0, len(audio), block_samples))
        return self.run(Segment(name, blocks))
