"""The stream loop: its schedule, and parity with the batch path the model trains on."""

import numpy as np
import pytest

from kwstiny.data.audio import read_audio, write_wav
from kwstiny.data.samples import window_features
from kwstiny.frontend import Frontend, model_input
from kwstiny.inference import TfliteModel
from kwstiny.stream.detector import scores_from_probabilities
from kwstiny.stream.loop import StreamClassifier, detection_settings
from kwstiny.stream.sources import FileSource

from stream_models import constant_model, softened_model, speech_over_noise


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "speech.wav"
    write_wav(path, speech_over_noise(4.3, seed=3), 16000)
    return path


def file_inferences(classifier, path, block_ms):
    with FileSource([path], classifier.sample_rate, block_ms=block_ms) as source:
        return [i for segment in source.segments() for i in classifier.run(segment)]


def test_detect_features_and_scores_equal_the_batch_path(tenet12_int8, speech_wav):
    model = TfliteModel(softened_model(tenet12_int8.read_bytes()))
    classifier = StreamClassifier(model)
    s = classifier.settings
    streamed = file_inferences(classifier, speech_wav, block_ms=1000)  # what detect uses
    audio = read_audio(speech_wav, s.sample_rate_hz)
    frames = Frontend(s).push(audio)          # a fresh frontend over the whole file
    assert len(streamed) == (len(frames) - s.n_frames) // classifier.hop_frames + 1
    assert len({tuple(i.scores) for i in streamed}) >= 3   # the scores do vary
    for inference in streamed:
        window = frames[inference.frames - s.n_frames:inference.frames]
        batch = model_input(window, s)[:, None, :]
        assert np.array_equal(inference.features, batch)
        # The training path: the same window from the audio up to its last sample.
        assert np.array_equal(inference.features,
                              window_features(audio[:inference.end_sample], s))
        assert np.array_equal(inference.scores, scores_from_probabilities(model.predict(batch)))
        assert np.array_equal(model.invoke_raw(inference.features).astype(np.int16) + 128,
                              inference.scores)


def test_block_size_does_not_change_a_single_result(tenet12_int8, speech_wav):
    classifier = StreamClassifier(TfliteModel(tenet12_int8))
    runs = [file_inferences(classifier, speech_wav, block_ms) for block_ms in (1, 37, 1000)]
    for run in runs[1:]:
        assert [(i.time_ms, i.frames, i.scores.tolist()) for i in run] == \
            [(i.time_ms, i.frames, i.scores.tolist()) for i in runs[0]]
        assert all(np.array_equal(a.features, b.features) for a, b in zip(run, runs[0]))


def test_schedule_and_time_stamps(tenet12_int8):
    classifier = StreamClassifier(TfliteModel(tenet12_int8))
    s = classifier.settings
    audio = np.zeros(16000 * 2 + 5, np.float32)    # 2 s: 198 frames
    inferences = list(classifier.run_audio(audio, block_samples=333))
    # Frames complete every 160 samples after the first 480; the first inference needs
    # 118 frames (1.2 s), then one every 200 ms (20 frames).
    assert [i.frames for i in inferences] == [118, 138, 158, 178, 198]
    assert [i.end_sample for i in inferences] == [19200, 22400, 25600, 28800, 32000]
    assert [i.time_ms for i in inferences] == [1200, 1400, 1600, 1800, 2000]
    assert classifier.hop_frames == 20 and s.n_frames == 118
    # Shorter than one window: no inference at all.
    assert list(classifier.run_audio(audio[:19199])) == []


def test_constant_scores_fire_on_the_suppression_grid(tenet12_int8):
    """alexa scores 230 on every window: threshold 216 is passed once two results are in
    (1400 ms); 900 ms suppression on a 200 ms grid lets it fire every 1000 ms after."""
    model = TfliteModel(constant_model(tenet12_int8.read_bytes(), [0.9, 0.1]))
    classifier = StreamClassifier(model)
    inferences = list(classifier.run_audio(np.zeros(16000 * 5, np.float32)))
    assert {tuple(i.scores) for i in inferences} == {(230, 26)}
    fired = [(i.time_ms, i.detection.label, i.detection.score)
             for i in inferences if i.detection is not None]
    assert fired == [(1400, "alexa", 230), (2400, "alexa", 230), (3400, "alexa", 230),
                     (4400, "alexa", 230)]
    # Overrides from the command line replace the metadata's settings.
    settings = detection_settings(model.metadata, threshold=240)
    quiet = StreamClassifier(model, settings)
    assert not any(i.detection for i in quiet.run_audio(np.zeros(16000 * 5, np.float32)))


def test_latency_override_changes_the_inference_spacing(tenet12_int8):
    model = TfliteModel(tenet12_int8)
    classifier = StreamClassifier(model, detection_settings(model.metadata, latency_ms=105))
    assert classifier.latency_ms == 100      # whole 10 ms frame steps
    times = [i.time_ms for i in classifier.run_audio(np.zeros(16000 * 2, np.float32))]
    assert times[:3] == [1200, 1300, 1400]


def test_kept_audio_is_the_window_the_model_saw(tenet12_int8, speech_wav):
    classifier = StreamClassifier(TfliteModel(tenet12_int8), keep_audio=True)
    audio = read_audio(speech_wav, 16000)
    for inference in file_inferences(classifier, speech_wav, block_ms=70):
        begin = inference.end_sample - 19200
        assert np.array_equal(inference.audio, audio[begin:inference.end_sample])
