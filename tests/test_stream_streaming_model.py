"""A streaming model in the stream loop: invoked every frames_per_invoke frames on just
those frames, from a reset state per segment, its results stamped like the window
schedule's."""

from __future__ import annotations

import numpy as np
import pytest

from kwstiny.data.audio import write_wav
from kwstiny.frontend import Frontend, FrontendSettings, model_input
from kwstiny.inference import TfliteModel
from kwstiny.spec import DetectionSettings
from kwstiny.stream.detector import scores_from_probabilities
from kwstiny.stream.loop import StreamClassifier
from kwstiny.stream.sources import FileSource

from stream_models import speech_over_noise

pytestmark = pytest.mark.slow  # converting the model takes ~20 s

CHANNELS, PER_INVOKE = 12, 4
# 340 ms: 32 frames of 30 ms every 10 ms.
SETTINGS = FrontendSettings(sample_length_ms=340, filterbank_n_channels=CHANNELS,
                            quantize_static_scale_enable=True, quantize_static_scale_low=0,
                            quantize_static_scale_high=900)


@pytest.fixture(scope="module")
def streaming_model():
    return make_streaming_tflite()


def make_streaming_tflite() -> bytes:
    """A tiny DilatedTCN streaming .tflite with SETTINGS' frontend in its metadata."""
    from test_streaming import randomized, tiny_tcn

    from kwstiny.streaming_export import convert_streaming_int8

    assert SETTINGS.n_frames == 32
    model = randomized(tiny_tcn())
    rng = np.random.default_rng(3)
    calibration = rng.integers(-128, 128, (16, 32, 1, CHANNELS)).astype(np.float32)
    metadata = {"name": "tiny_streaming", "classes": ["yes", "no", "_unknown_"],
                **SETTINGS.to_metadata(), **DetectionSettings().to_metadata()}
    return convert_streaming_int8(model, calibration, PER_INVOKE, metadata=metadata)


def inferences(classifier, path, block_ms):
    with FileSource([path], classifier.sample_rate, block_ms=block_ms) as source:
        return [i for segment in source.segments() for i in classifier.run(segment)]


def test_loop_feeds_each_frame_group_once_and_keeps_the_state(streaming_model, tmp_path):
    path = tmp_path / "speech.wav"
    write_wav(path, speech_over_noise(2.0, seed=4), 16000)
    model = TfliteModel(streaming_model)
    assert model.streaming and model.frames_per_invoke == PER_INVOKE
    classifier = StreamClassifier(model)
    assert classifier.hop_frames == PER_INVOKE and classifier.latency_ms == 40
    runs = [inferences(classifier, path, block_ms) for block_ms in (7, 1000)]
    streamed = runs[0]

    # By hand: the whole file's frames, static int8, fed PER_INVOKE at a time.
    from kwstiny.data.audio import read_audio
    frames = Frontend(SETTINGS).push(read_audio(path, 16000))
    model.reset()
    expected = []
    for at in range(0, len(frames) - PER_INVOKE + 1, PER_INVOKE):
        group = model_input(frames[at:at + PER_INVOKE], SETTINGS)[:, None, :]
        expected.append((at + PER_INVOKE, scores_from_probabilities(model.predict(group))))
    expected = [(n, scores) for n, scores in expected if n >= SETTINGS.n_frames]
    assert [i.frames for i in streamed] == [n for n, _ in expected]
    assert all(np.array_equal(i.scores, s) for i, (_, s) in zip(streamed, expected))
    assert len({tuple(i.scores) for i in streamed}) >= 3
    # How the audio is cut into blocks changes nothing.
    assert [(i.frames, i.time_ms, i.scores.tolist()) for i in runs[1]] == \
        [(i.frames, i.time_ms, i.scores.tolist()) for i in streamed]
    # Stamps: the end of the newest frame, as the window schedule stamps them.
    first = streamed[0]
    assert first.end_sample == (first.frames - 1) * SETTINGS.step_samples + SETTINGS.window_samples


def test_a_window_through_predict_is_the_reset_stream(streaming_model):
    model = TfliteModel(streaming_model)
    rng = np.random.default_rng(5)
    windows = rng.integers(-128, 128, (3, 32, 1, CHANNELS)).astype(np.int8)
    probabilities = model.predict(windows)
    assert probabilities.shape == (3, 3)
    for window, expected in zip(windows, probabilities):
        model.reset()
        for at in range(0, 32, PER_INVOKE):
            last = model.predict(window[at:at + PER_INVOKE])
        np.testing.assert_array_equal(last, expected)


def test_summarize_counts_every_layer_and_the_per_second_cost(streaming_model):
    from kwstiny.profile.report import summarize

    summary = summarize(streaming_model)
    assert summary["totals"]["uncounted"] == []
    info = summary["schedule"]
    assert info["streaming"] and info["period_ms"] == PER_INVOKE * 10
    assert info["macs_per_invoke"] == summary["totals"]["macs"] > 0
    assert info["macs_per_s_of_audio"] == summary["totals"]["macs"] * 1000 / (PER_INVOKE * 10)


def test_kept_audio_of_a_streaming_model_is_its_window(streaming_model, tmp_path):
    from kwstiny.data.audio import read_audio

    path = tmp_path / "speech.wav"
    write_wav(path, speech_over_noise(1.5, seed=6), 16000)
    classifier = StreamClassifier(TfliteModel(streaming_model), keep_audio=True)
    audio = read_audio(path, 16000)
    found = inferences(classifier, path, block_ms=70)
    assert found
    for inference in found:
        begin = inference.end_sample - SETTINGS.window_samples \
            - (SETTINGS.n_frames - 1) * SETTINGS.step_samples
        assert np.array_equal(inference.audio, audio[begin:inference.end_sample])
