"""Microphone and channel effects: band limits cut what is outside the band, codecs keep
length, rate and timing, clipping and AGC do what their settings say, and every effect is
the same for the same seed."""

import numpy as np
import pytest

from kwstiny.data import channel
from kwstiny.errors import KwstinyError

RATE = 16000


def _tones(freqs, seconds=1.0, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (sum(np.sin(2 * np.pi * f * t) for f in freqs) * 0.2 / len(freqs)).astype(np.float32)


def _band_energy(audio, low, high, rate=RATE):
    spectrum = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(audio.size, 1 / rate)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum())


def _voice_like(seconds=1.0, rate=RATE, seed=0):
    """A buzzy 120 Hz voice with a syllable envelope: speech codecs keep its shape."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    voice = sum(np.sin(2 * np.pi * 120 * k * t + rng.uniform(0, 6)) / k for k in range(1, 25))
    envelope = np.clip(np.sin(2 * np.pi * 3 * t), 0, None)
    return (voice * envelope * 0.2).astype(np.float32)


def _envelope_lag(out, reference, frame=RATE // 100, search=20):
    """The shift, in 10 ms frames, that best lines up the two loudness envelopes."""
    def envelope(a):
        n = a.size // frame
        e = np.sqrt(np.mean(a[:n * frame].reshape(n, frame) ** 2, axis=1))
        return e - e.mean()
    a, b = envelope(out), envelope(reference)
    scores = {lag: float(np.dot(np.roll(a, -lag), b)) for lag in range(-search, search + 1)}
    return max(scores, key=scores.get)


def test_band_limit_attenuates_out_of_band_energy():
    audio = _tones([50, 1000, 7000])
    out = channel.band_limit(audio, np.random.default_rng(0), RATE, (300.0, 400.0),
                             (3000.0, 3400.0))
    assert out.shape == audio.shape and out.dtype == np.float32
    kept = _band_energy(out, 900, 1100) / _band_energy(audio, 900, 1100)
    low = _band_energy(out, 40, 60) / _band_energy(audio, 40, 60)
    high = _band_energy(out, 6900, 7100) / _band_energy(audio, 6900, 7100)
    assert kept > 0.5
    assert low < 0.05 and high < 0.01


def test_eq_changes_the_spectrum_but_not_the_length():
    audio = _tones([200, 1000, 3000, 6000])
    out = channel.equalize(audio, np.random.default_rng(1), RATE, (-10.0, 10.0))
    assert out.shape == audio.shape
    ratios = [_band_energy(out, f - 20, f + 20) / _band_energy(audio, f - 20, f + 20)
              for f in (200, 1000, 3000, 6000)]
    assert max(ratios) / min(ratios) > 1.5


@pytest.mark.parametrize("codec", sorted(channel.CODECS))
def test_codec_round_trip_keeps_length_rate_and_timing(codec):
    audio = np.concatenate([np.zeros(4000, np.float32), _voice_like()])
    strongest = channel.CODECS[codec][3][-1]
    out = channel.codec_round_trip(audio, RATE, codec, strongest)
    assert out.shape == audio.shape and out.dtype == np.float32
    # Aligned: the decoded voice's loudness follows the original's at the same time, to
    # the 10 ms frame (mp3's encoder delay alone would be 70 ms) ...
    assert _envelope_lag(out, audio) == 0
    assert 0.25 < np.sum(out ** 2) / np.sum(audio ** 2) < 4
    # ... and the silence before it stays near silent.
    assert np.sqrt(np.mean(out[:3000] ** 2)) < 0.1 * np.sqrt(np.mean(audio[4000:] ** 2))
    # Narrowband codecs run at 8 kHz: nothing comes back above 4 kHz.
    if channel.CODECS[codec][2] == 8000:
        assert _band_energy(out, 4100, 8000) < 0.01 * _band_energy(out, 0, 4000)


def test_codec_is_deterministic_and_unknown_codecs_are_named():
    audio = _voice_like(seconds=0.5)
    first = channel.random_codec(audio, np.random.default_rng(5), RATE, ("opus", "mp3"))
    again = channel.random_codec(audio, np.random.default_rng(5), RATE, ("opus", "mp3"))
    assert np.array_equal(first, again)
    with pytest.raises(KwstinyError, match="amr"):
        channel.codec_round_trip(audio, RATE, "amr")


def test_missing_ffmpeg_is_named(monkeypatch):
    monkeypatch.setattr(channel.shutil, "which", lambda name: None)
    with pytest.raises(KwstinyError, match="ffmpeg"):
        channel.codec_round_trip(_voice_like(seconds=0.1), RATE, "speex")


def test_clipping_caps_the_peak_below_the_original():
    audio = _voice_like()
    out = channel.clip(audio, np.random.default_rng(2), (6.0, 6.0))
    assert np.abs(out).max() == pytest.approx(np.abs(audio).max() * 10 ** (-6 / 20), rel=1e-5)
    assert np.array_equal(channel.clip(np.zeros(10, np.float32), np.random.default_rng(2),
                                       (6.0, 6.0)), np.zeros(10))


def test_agc_lifts_a_quiet_voice_toward_its_target():
    quiet = _voice_like() * 10 ** (-30 / 20)
    out = channel.automatic_gain(quiet, np.random.default_rng(3), RATE, (-20.0, -20.0))
    assert out.shape == quiet.shape
    level = 20 * np.log10(np.sqrt(np.mean(out[RATE // 2:] ** 2)))
    before = 20 * np.log10(np.sqrt(np.mean(quiet[RATE // 2:] ** 2)))
    assert level > before + 10


def test_channel_effects_repeat_for_the_same_seed():
    audio = _tones([300, 2000])
    for effect in (lambda r: channel.equalize(audio, r, RATE, (-8.0, 8.0)),
                   lambda r: channel.band_limit(audio, r, RATE, (60.0, 400.0), (3400.0, 7500.0)),
                   lambda r: channel.automatic_gain(audio, r, RATE, (-28.0, -14.0))):
        assert np.array_equal(effect(np.random.default_rng(9)), effect(np.random.default_rng(9)))
        assert not np.array_equal(effect(np.random.default_rng(9)),
                                  effect(np.random.default_rng(10)))
