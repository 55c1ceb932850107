"""Where streamed audio comes from: the microphone, audio files, and (with the device
client) a board.

A source hands the stream loop one or more segments; each segment is a sequence of
mono float32 blocks at the model's sample rate, and the loop starts a fresh frontend
and detector for each. Audio is resampled once, here, at the source.
"""

from __future__ import annotations

import abc
import queue
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from kwstiny.errors import KwstinyError

NO_MICROPHONE_HINT = "to classify audio files instead, pass --file FILE"


@dataclass
class Segment:
    """One continuous stretch of audio: a file, or the microphone until it stops."""
    name: str
    blocks: Iterator[np.ndarray]


class Source(abc.ABC):
    """Audio for the stream loop. Subclasses (microphone, files, a board streaming its
    microphone over the serial link) yield segments of float32 blocks at `sample_rate`."""

    def __init__(self, sample_rate: int):
        self.sample_rate = int(sample_rate)

    @abc.abstractmethod
    def segments(self) -> Iterator[Segment]:
        """The segments in order; the loop resets its state between them."""

    def open(self) -> "Source":
        """Acquire devices now (so a missing one fails before any output); returns self."""
        return self

    def close(self) -> None:
        """Release devices; safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileSource(Source):
    """Audio files, each its own segment, played as fast as possible or in real time."""

    def __init__(self, paths, sample_rate: int, realtime: bool = False, block_ms: int = 100,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 on_unreadable: Callable[[KwstinyError], None] | None = None):
        """`on_unreadable`, when given, is told of each file that cannot be read, and the
        rest are still played; without it the first such file ends the stream."""
        super().__init__(sample_rate)
        self.on_unreadable = on_unreadable
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise KwstinyError("no audio files given")
        if block_ms <= 0:
            raise KwstinyError(f"block_ms = {block_ms} is not allowed: > 0")
        self.realtime = realtime
        self.block = max(1, block_ms * self.sample_rate // 1000)
        self._clock, self._sleep = clock, sleep

    def segments(self) -> Iterator[Segment]:
        from kwstiny.data.audio import read_audio

        for path in self.paths:
            try:
                audio = read_audio(path, self.sample_rate)  # resampled once, here
            except KwstinyError as error:
                if self.on_unreadable is None:
                    raise
                self.on_unreadable(error)
                continue
            yield Segment(str(path), self._blocks(audio))

    def _blocks(self, audio: np.ndarray) -> Iterator[np.ndarray]:
        start = self._clock()
        for at in range(0, len(audio), self.block):
            block = audio[at:at + self.block]
            if self.realtime:
                # Hand a block over once the time it takes to record it has passed.
                wait = start + (at + len(block)) / self.sample_rate - self._clock()
                if wait > 0:
                    self._sleep(wait)
            yield block


def _sounddevice():
    """The sounddevice module, or a clear error when PortAudio itself is missing."""
    from kwstiny.extras import load
    try:
        sounddevice = load("sounddevice", "mic", "the microphone")
    except OSError as error:  # raised at import when the PortAudio library is absent
        raise KwstinyError(f"cannot use the microphone: {error} (install PortAudio, e.g. "
                           f"apt-get install libportaudio2); {NO_MICROPHONE_HINT}") from None
    return sounddevice


class MicrophoneSource(Source):
    """The default (or a named) input device as one endless segment.

    sounddevice calls `_callback` from its audio thread with each block it records; the
    callback only copies the block into a queue, and the loop reads the queue. When
    the device cannot record at the model's rate it records at its own default rate and
    this source resamples (soxr, streaming) before the loop sees the audio.
    `stream_factory` stands in for `sounddevice.InputStream` (tests feed recorded audio
    through the same callback)."""

    def __init__(self, sample_rate: int, device=None, block_ms: int = 50,
                 input_rate: int | None = None, stream_factory=None,
                 read_timeout_s: float = 2.0, gain: float = 0.0):
        super().__init__(sample_rate)
        self.device = device
        # The model metadata's volume_gain: a quiet microphone's samples times this
        # (0 leaves them as recorded). Files are never scaled, so they match training.
        self.gain = float(gain)
        self.block_ms = block_ms
        self.input_rate = input_rate
        self.stream_factory = stream_factory
        self.read_timeout_s = read_timeout_s
        self.overflows = 0            # blocks PortAudio dropped because we read too slowly
        self._queue: queue.Queue = queue.Queue()
        self._stream = None
        self._resampler = None

    # sounddevice's callback signature: (indata, frames, time, status).
    def _callback(self, indata, frames, time_info, status) -> None:
        if status and getattr(status, "input_overflow", False):
            self.overflows += 1
        self._queue.put(np.array(indata[:frames, 0], dtype=np.float32))

    def open(self) -> "MicrophoneSource":
        if self._stream is not None:
            return self
        sd = None if self.stream_factory else _sounddevice()
        factory = self.stream_factory or sd.InputStream
        error_types = (sd.PortAudioError,) if sd else ()
        try:
            rate = self.input_rate or (self._device_rate(sd) if sd else self.sample_rate)
            self._stream = factory(samplerate=rate, channels=1, dtype="float32",
                                   blocksize=max(1, rate * self.block_ms // 1000),
                                   device=self.device, callback=self._callback)
            self._stream.start()
        except error_types as error:
            self._stream = None
            raise KwstinyError(f"cannot open the microphone ({error}): no sound card or "
                               f"input device is available; {NO_MICROPHONE_HINT}") from None
        if rate != self.sample_rate:
            import soxr
            self._resampler = soxr.ResampleStream(rate, self.sample_rate, 1, dtype="float32",
                                                  quality="HQ")
        self.recording_rate = rate
        return self

    def _device_rate(self, sd) -> int:
        """The model's rate when the device takes it, else the device's default rate."""
        try:
            sd.check_input_settings(device=self.device, channels=1, dtype="float32",
                                    samplerate=self.sample_rate)
            return self.sample_rate
        except sd.PortAudioError:
            info = sd.query_devices(self.device, "input")  # raises without any input device
            return int(info["default_samplerate"])
        except ValueError as error:  # an unknown device name or number
            raise KwstinyError(f"microphone {self.device!r}: {error}") from None

    def segments(self) -> Iterator[Segment]:
        self.open()
        yield Segment("microphone", self._blocks())

    def _next_block(self) -> np.ndarray | None:
        """The next recorded block; None once the stream has stopped and is drained."""
        waited = 0.0
        while True:
            try:
                return self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._stream is None or not self._stream.active:
                    try:  # the callback may have queued its last block just now
                        return self._queue.get_nowait()
                    except queue.Empty:
                        return None  # stopped: device gone, or the recording ended
                waited += 0.05
                if waited >= self.read_timeout_s:
                    raise KwstinyError(f"the microphone delivered no audio for "
                                       f"{self.read_timeout_s:g} s") from None

    def _blocks(self) -> Iterator[np.ndarray]:
        while True:
            block = self._next_block()
            if block is None:
                break
            if self._resampler is not None:
                block = self._resampler.resample_chunk(block)
                if not len(block):
                    continue
            if self.gain > 0:
                block = np.clip(block * np.float32(self.gain), -1.0, 1.0)
            yield block
        if self._resampler is not None:
            tail = self._resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if len(tail):
                yield tail

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()
