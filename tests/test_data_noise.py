"""Generated background noise: deterministic, with the spectrum each kind promises."""

import numpy as np
import pytest

from kwstiny.data.noise import PEAK, make_noise
from kwstiny.data.synth import Voice
from kwstiny.errors import KwstinyError

RATE = 16000


def spectral_slope(audio, low=50.0, high=4000.0):
    """Slope of log power vs log frequency (averaged periodogram of 4096-sample frames)."""
    n = 4096
    frames = audio[: len(audio) // n * n].reshape(-1, n) * np.hanning(n)
    power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    band = (freqs >= low) & (freqs <= high)
    # Equal weight per octave: fit on log-spaced bins.
    edges = np.geomspace(low, high, 25)
    centers, levels = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = band & (freqs >= a) & (freqs < b)
        if sel.any():
            centers.append(np.log10(freqs[sel].mean()))
            levels.append(np.log10(power[sel].mean()))
    return np.polyfit(centers, levels, 1)[0]


@pytest.mark.parametrize("kind,slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_colored_noise_slopes(kind, slope):
    audio = make_noise(kind, 10.0, RATE, seed=3)
    assert audio.dtype == np.float32 and len(audio) == 10 * RATE
    assert abs(np.abs(audio).max() - PEAK) < 1e-6 and abs(audio.mean()) < 1e-3
    assert abs(spectral_slope(audio) - slope) < 0.15


@pytest.mark.parametrize("kind", ["white", "pink", "brown", "hum50", "hum60"])
def test_deterministic_from_the_seed(kind):
    a, b = make_noise(kind, 1.0, RATE, seed=7), make_noise(kind, 1.0, RATE, seed=7)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, make_noise(kind, 1.0, RATE, seed=8))


@pytest.mark.parametrize("kind,mains", [("hum50", 50), ("hum60", 60)])
def test_hum_lives_on_the_mains_harmonics(kind, mains):
    audio = make_noise(kind, 4.0, RATE, seed=1).astype(np.float64)
    power = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / RATE)
    near_harmonic = np.abs(freqs - mains * np.round(freqs / mains)) <= 2.0
    near_harmonic &= freqs >= mains - 2
    assert power[near_harmonic].sum() > 0.95 * power.sum()
    assert abs(freqs[np.argmax(power)] - mains) <= 1.0  # the fundamental is the loudest


def test_babble_is_several_talkers_and_repeatable():
    voices = [Voice("espeak-ng", "en-us", "", "gmw/en-US"), Voice("flite", "slt"),
              Voice("espeak-ng", "en-gb", "f3", "gmw/en")]
    sentences = ["the cat sat on the mat", "we went to the market on monday"]
    a = make_noise("babble", 2.0, RATE, seed=5, voices=voices, sentences=sentences)
    b = make_noise("babble", 2.0, RATE, seed=5, voices=voices, sentences=sentences)
    assert np.array_equal(a, b) and len(a) == 2 * RATE
    # Overlapping talkers leave little silence: most 50 ms frames carry sound.
    frames = a[: len(a) // 800 * 800].reshape(-1, 800)
    assert np.mean(np.sqrt(np.mean(frames ** 2, axis=1)) > 0.01) > 0.8
    with pytest.raises(KwstinyError, match="voice"):
        make_noise("babble", 1.0, RATE, seed=5)


def test_unknown_kind_and_bad_length():
    with pytest.raises(KwstinyError, match="pink"):
        make_noise("purple", 1.0, RATE, seed=0)
    with pytest.raises(KwstinyError, match="> 0"):
        make_noise("white", 0.0, RATE, seed=0)
