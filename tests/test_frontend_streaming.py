"""Streaming, batch and input handling of the C frontend's Python API."""

from __future__ import annotations

import numpy as np
import pytest

from kwstiny.errors import KwstinyError
from kwstiny.frontend import (Frontend, FrontendSettings, clip_features, compute_frames,
                              state_bytes, to_int16)

ALEXA = FrontendSettings(
    sample_rate_hz=16000, sample_length_ms=1200, window_size_ms=30, window_step_ms=10,
    filterbank_n_channels=108, noise_reduction_enable=True,
    noise_reduction_min_signal_remaining=0.40, dc_notch_filter_enable=True,
    quantize_dynamic_scale_enable=True, quantize_dynamic_scale_range_db=40.0)

STREAMING_SETTINGS = {
    "alexa": ALEXA,
    "pcan_activity": FrontendSettings(noise_reduction_enable=True, pcan_enable=True,
                                      activity_detection_enable=True,
                                      dc_notch_filter_enable=True),
    "8khz_plain": FrontendSettings(sample_rate_hz=8000, filterbank_upper_band_limit=3900.0,
                                   window_size_ms=25, window_step_ms=15),
}


def speechlike(rate: int, seconds: float, seed: int = 0) -> np.ndarray:
    """Bursts of harmonic tones in noise with a DC offset, float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    pitch = 120 + 60 * np.sin(2 * np.pi * 0.7 * t)
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(pitch) / rate) / k for k in range(1, 8))
    envelope = (np.sin(2 * np.pi * 1.3 * t) > 0.2).astype(np.float32)
    audio = 0.2 * voice * envelope + 0.01 * rng.standard_normal(len(t)) + 0.02
    return np.clip(audio, -1, 1).astype(np.float32)


def random_chunks(n: int, rate: int, rng: np.random.Generator) -> list[int]:
    """Chunk sizes from 1 sample up to 2 s (log-uniform, with empty pushes mixed in)."""
    sizes = []
    while sum(sizes) < n:
        size = 0 if rng.random() < 0.05 else int(np.exp(rng.uniform(0, np.log(2 * rate))))
        sizes.append(min(size, n - sum(sizes)))
    return sizes


@pytest.mark.parametrize("name", list(STREAMING_SETTINGS))
def test_random_chunks_stream_exactly_like_batch(name):
    settings = STREAMING_SETTINGS[name]
    rng = np.random.default_rng(7)
    pcm = to_int16(speechlike(settings.sample_rate_hz, 4.0))
    (batch,) = compute_frames([pcm], settings, workers=1)
    assert batch.shape == ((len(pcm) - settings.window_samples) // settings.step_samples + 1,
                           settings.filterbank_n_channels)
    for trial in range(3):
        frontend = Frontend(settings)
        pieces, at = [], 0
        for size in random_chunks(len(pcm), settings.sample_rate_hz, rng):
            frames = frontend.push(pcm[at:at + size])
            assert frames.dtype == np.uint16 and frames.shape[1] == settings.filterbank_n_channels
            pieces.append(frames)
            at += size
        np.testing.assert_array_equal(np.concatenate(pieces), batch)


def test_one_sample_at_a_time_equals_batch():
    settings = STREAMING_SETTINGS["alexa"]
    pcm = to_int16(speechlike(16000, 0.3, seed=3))
    frontend = Frontend(settings)
    frames = np.concatenate([frontend.push(pcm[i:i + 1]) for i in range(len(pcm))])
    np.testing.assert_array_equal(frames, compute_frames([pcm], settings)[0])


def test_reset_forgets_everything():
    settings = ALEXA
    first, second = to_int16(speechlike(16000, 1.0, 1)), to_int16(speechlike(16000, 1.3, 2))
    frontend = Frontend(settings)
    frontend.push(first[:12345])
    frontend.reset()
    np.testing.assert_array_equal(frontend.push(second), Frontend(settings).push(second))


def test_state_carries_across_pushes():
    """The noise estimate and DC notch remember earlier audio: the same second of
    audio gives different frames after a noisy warm-up than from a fresh start."""
    audio = to_int16(speechlike(16000, 1.0, 4))
    warm = Frontend(ALEXA)
    warm.push(to_int16(np.full(16000, 0.3, np.float32)))
    warm.reset()  # back to fresh: equal again
    np.testing.assert_array_equal(warm.push(audio), Frontend(ALEXA).push(audio))
    warm = Frontend(ALEXA)
    warm.push(to_int16(0.2 * np.random.default_rng(0).standard_normal(16000).astype(np.float32)))
    assert not np.array_equal(warm.push(audio)[5:], Frontend(ALEXA).push(audio)[5:])


def test_float_input_is_scaled_clipped_and_truncated_once():
    values = np.array([0.0, 1.0, -1.0, 0.5, -0.5, 0.99999, 2.0, -3.0, 1e-5, -1e-5], np.float32)
    np.testing.assert_array_equal(
        to_int16(values), [0, 32767, -32768, 16384, -16384, 32767, 32767, -32768, 0, 0])
    audio = speechlike(16000, 0.5)
    np.testing.assert_array_equal(Frontend(ALEXA).push(audio),
                                  Frontend(ALEXA).push(to_int16(audio)))
    np.testing.assert_array_equal(to_int16(audio.astype(np.float64)), to_int16(audio))


@pytest.mark.parametrize("bad, message", [
    (np.array([0.1, np.nan], np.float32), "NaN"),
    (np.zeros((100, 2), np.float32), "mono"),
    (np.zeros(100, np.int32), "int16 or float"),
])
def test_bad_audio_is_a_clear_error(bad, message):
    with pytest.raises(KwstinyError, match=message):
        Frontend(ALEXA).push(bad)


def test_batch_uses_threads_and_keeps_order():
    settings = ALEXA
    clips = [to_int16(speechlike(16000, 0.5 + 0.1 * i, seed=i)) for i in range(9)]
    one = compute_frames(clips, settings, workers=1)
    two = compute_frames(clips, settings, workers=2)
    assert [f.shape[0] for f in one] == [(len(c) - 480) // 160 + 1 for c in clips]
    for a, b, clip in zip(one, two, clips):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, Frontend(settings).push(clip))
    assert compute_frames([], settings) == []
    (short,) = compute_frames([np.zeros(100, np.int16)], settings)
    assert short.shape == (0, 108)


def test_clip_features_gives_the_model_window():
    audio = speechlike(16000, 2.0)
    features = clip_features(audio, ALEXA)
    assert features.shape == ALEXA.spectrogram_shape == (118, 108)
    assert features.dtype == np.int8 and features.max() == 127
    short = clip_features(audio[:8000], ALEXA)  # padded with silence in front
    assert short.shape == (118, 108)
    plain = ALEXA.replace(quantize_dynamic_scale_enable=False)
    frames = Frontend(plain).push(audio)
    np.testing.assert_array_equal(clip_features(audio, plain), frames[-118:].astype(np.float32))


def _trips(frontend: Frontend, audio: np.ndarray, step: int = 160) -> np.ndarray:
    """Whether the detector tripped, checked after each step of audio."""
    tripped = []
    for at in range(0, len(audio), step):
        frontend.push(audio[at:at + step])
        tripped.append(frontend.activity_detected())
    return np.array(tripped)


def test_activity_detector_trips_on_bursts_not_on_steady_sound():
    """MLTK's detector arms when the fast energy average falls below 0.75 of the slow
    one (sound stops) and trips when it climbs back above 0.8 of it (sound starts):
    each onset after a pause trips it once; steady noise and quiet never do."""
    settings = FrontendSettings(activity_detection_enable=True)
    rng = np.random.default_rng(5)
    noise = (0.05 * rng.standard_normal(48000)).astype(np.float32)
    quiet = (0.001 * rng.standard_normal(48000)).astype(np.float32)
    assert not _trips(Frontend(settings), noise).any()
    assert not _trips(Frontend(settings), quiet).any()
    gate = np.repeat((np.arange(30) % 2).astype(np.float32), 1600)  # 100 ms on, 100 ms off
    tripped = _trips(Frontend(settings), noise * gate + quiet)
    onsets = np.nonzero(np.diff(gate[::160]) > 0)[0] + 1
    trips = np.nonzero(tripped)[0]
    # The first burst only arms it (nothing came before); every later onset trips.
    assert len(trips) == len(onsets) - 1
    assert np.all((trips >= onsets[1:]) & (trips <= onsets[1:] + 2))
    frontend = Frontend(settings)
    frontend.push(noise[:4960] * gate[:4960] + quiet[:4960])
    assert frontend.activity_detected() and not frontend.activity_detected()  # reading clears
    off = Frontend(FrontendSettings())
    assert not _trips(off, noise * gate).any()  # detector disabled


def test_explicit_fft_length_keeps_a_tone_in_its_channel():
    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    auto = FrontendSettings(window_size_ms=30)
    wide = auto.replace(fft_length=1024)
    assert (auto.fft_size, wide.fft_size) == (512, 1024)
    peak_auto = Frontend(auto).push(tone)[10:].mean(axis=0).argmax()
    peak_wide = Frontend(wide).push(tone)[10:].mean(axis=0).argmax()
    assert peak_auto == peak_wide


def test_state_bytes_is_the_c_state_and_small():
    size = state_bytes(ALEXA)
    assert size == Frontend(ALEXA).state_bytes
    assert 4000 < size < 16 * 1024  # tables included; fits a microcontroller comfortably
    assert state_bytes(ALEXA.replace(filterbank_n_channels=40)) < size
