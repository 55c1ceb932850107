"""Audio sources: the microphone through sounddevice's callback, files, no sound card."""

import threading

import numpy as np
import pytest
import sounddevice

from kwstiny.data.audio import write_wav
from kwstiny.errors import KwstinyError
from kwstiny.inference import TfliteModel
from kwstiny.stream.loop import StreamClassifier
from kwstiny.stream.sources import FileSource, MicrophoneSource

from stream_models import softened_model, speech_over_noise


class FakeInputStream:
    """Stands in for sounddevice.InputStream: once started, a thread calls the callback
    with (frames, 1) float32 blocks of `audio`, as PortAudio would, then stops."""

    def __init__(self, audio, overflow_at=None):
        self.audio, self.overflow_at = audio, overflow_at
        self.active = False
        self.closed = False

    def __call__(self, samplerate, channels, dtype, blocksize, device, callback):
        assert channels == 1 and dtype == "float32" and blocksize > 0
        self.samplerate, self.blocksize, self.callback = samplerate, blocksize, callback
        return self

    def start(self):
        self.active = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        flags = sounddevice.CallbackFlags()
        for n, at in enumerate(range(0, len(self.audio), self.blocksize)):
            block = self.audio[at:at + self.blocksize]
            indata = np.zeros((self.blocksize, 1), np.float32)
            indata[:len(block), 0] = block
            status = sounddevice.CallbackFlags(0x2) if n == self.overflow_at else flags
            self.callback(indata, len(block), None, status)
        self.active = False

    def stop(self):
        self.active = False

    def close(self):
        self.closed = True


def test_microphone_stream_gives_the_same_inferences_as_the_file(tenet12_int8, tmp_path):
    audio = speech_over_noise(3.0, seed=5)
    path = tmp_path / "a.wav"
    write_wav(path, audio, 16000)
    from kwstiny.data.audio import read_audio
    audio = read_audio(path, 16000)           # the exact samples the file source reads
    classifier = StreamClassifier(TfliteModel(softened_model(tenet12_int8.read_bytes())))
    fake = FakeInputStream(audio, overflow_at=3)
    mic = MicrophoneSource(16000, block_ms=23, stream_factory=fake, input_rate=16000)
    with mic:
        (segment,) = list(mic.segments())
        heard = [(i.time_ms, i.scores.tolist()) for i in classifier.run(segment)]
    assert fake.closed and mic.overflows == 1
    with FileSource([path], 16000) as files:
        read = [(i.time_ms, i.scores.tolist()) for s in files.segments()
                for i in classifier.run(s)]
    assert heard == read and len(heard) == 10


def test_microphone_at_another_rate_is_resampled_once_at_the_source():
    import soxr
    rng = np.random.default_rng(0)
    audio = (0.3 * np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000)
             + 0.01 * rng.standard_normal(48000)).astype(np.float32)
    mic = MicrophoneSource(16000, block_ms=10, stream_factory=FakeInputStream(audio),
                           input_rate=48000)
    with mic:
        (segment,) = list(mic.segments())
        got = np.concatenate(list(segment.blocks))
    whole = soxr.resample(audio, 48000, 16000, quality="HQ")
    assert abs(len(got) - len(whole)) <= 1
    n = min(len(got), len(whole))
    assert np.max(np.abs(got[:n] - whole[:n])) < 1e-3


def test_no_sound_card_is_a_clear_error(monkeypatch):
    def no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    for name in ("check_input_settings", "query_devices", "InputStream"):
        monkeypatch.setattr(sounddevice, name, no_device)
    with pytest.raises(KwstinyError, match="no sound card.*--file"):
        MicrophoneSource(16000).open()


def test_files_play_in_real_time_or_as_fast_as_possible(tmp_path):
    path = tmp_path / "tone.wav"
    write_wav(path, np.zeros(16000 * 2, np.float32), 16000)
    clock = {"now": 0.0, "slept": 0.0}

    def sleep(seconds):
        clock["now"] += seconds
        clock["slept"] += seconds

    for realtime, expected_sleep in ((True, 2.0), (False, 0.0)):
        clock.update(now=0.0, slept=0.0)
        source = FileSource([path], 16000, realtime=realtime, block_ms=100,
                            clock=lambda: clock["now"], sleep=sleep)
        blocks = [b for s in source.segments() for b in s.blocks]
        assert sum(len(b) for b in blocks) == 32000 and len(blocks) == 20
        assert clock["slept"] == pytest.approx(expected_sleep)


def test_files_are_resampled_to_the_model_rate_and_bad_files_named(tmp_path):
    path = tmp_path / "44k.wav"
    write_wav(path, np.zeros(44100, np.float32), 44100)
    (segment,) = list(FileSource([path], 16000).segments())
    assert sum(len(b) for b in segment.blocks) == 16000
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(KwstinyError, match="bad.wav"):
        list(FileSource([bad], 16000).segments())


def test_a_microphone_that_goes_quiet_is_reported():
    class Silent(FakeInputStream):
        def start(self):
            self.active = True          # running, but the callback is never called

    mic = MicrophoneSource(16000, stream_factory=Silent(np.zeros(0, np.float32)),
                           read_timeout_s=0.2)
    with mic, pytest.raises(KwstinyError, match="no audio for 0.2 s"):
        (segment,) = list(mic.segments())
        next(iter(segment.blocks))


def test_microphone_volume_gain_scales_and_saturates():
    audio = np.array([0.1, -0.2, 0.6, -0.7] * 400, np.float32)
    mic = MicrophoneSource(16000, stream_factory=FakeInputStream(audio), input_rate=16000,
                           gain=2.0)
    with mic:
        (segment,) = list(mic.segments())
        got = np.concatenate(list(segment.blocks))
    assert np.allclose(got, np.clip(audio * 2, -1, 1))
