"""Background noise made in code: white, pink, brown, mains hum and speech babble.

Every generator is deterministic from its seed (babble also from the installed voices),
returns mono float32 in [-1, 1] peaking at `PEAK`, and is meant as the background a
training clip is mixed with at a chosen SNR, so absolute level does not matter.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from kwstiny.errors import KwstinyError

PEAK = 0.7
# The kinds a recipe may ask for.
NOISE_KINDS = ("white", "pink", "brown", "hum50", "hum60", "babble")


def white(n: int, rng: np.random.Generator) -> np.ndarray:
    return _normalize(rng.standard_normal(n))


def pink(n: int, rng: np.random.Generator, sample_rate: int = 16000) -> np.ndarray:
    """Power falling as 1/f (-3 dB per octave)."""
    return _colored(n, rng, sample_rate, exponent=1.0)


def brown(n: int, rng: np.random.Generator, sample_rate: int = 16000) -> np.ndarray:
    """Power falling as 1/f^2 (-6 dB per octave), like a random walk."""
    return _colored(n, rng, sample_rate, exponent=2.0)


def _colored(n: int, rng: np.random.Generator, sample_rate: int, exponent: float,
             lowest_hz: float = 20.0) -> np.ndarray:
    """White noise shaped in the frequency domain to power ~ 1/f^exponent.

    Below `lowest_hz` the gain stays flat: otherwise a few sub-audible bins would hold
    nearly all the energy (brown noise drifts) and leave the audible band near silent.
    """
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    gain = np.maximum(freqs, lowest_hz) ** (-exponent / 2.0)
    gain[0] = 0.0  # no DC offset
    return _normalize(np.fft.irfft(spectrum * gain, n))


def hum(n: int, rng: np.random.Generator, sample_rate: int = 16000, mains_hz: float = 50.0,
        harmonics: int = 12) -> np.ndarray:
    """Mains hum: the line frequency and its harmonics (odd ones stronger, as transformer
    buzz has), a slow wobble in level and a faint hiss underneath."""
    if mains_hz * 2 > sample_rate:
        raise KwstinyError(f"hum at {mains_hz} Hz cannot be made at {sample_rate} Hz")
    t = np.arange(n) / sample_rate
    signal = np.zeros(n)
    for k in range(1, harmonics + 1):
        if k * mains_hz >= sample_rate / 2:
            break
        level = (1.0 if k % 2 else 0.35) / k ** 0.8 * rng.uniform(0.5, 1.0)
        signal += level * np.sin(2 * np.pi * k * mains_hz * t + rng.uniform(0, 2 * np.pi))
    wobble = 1.0 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 6.3))
    signal = signal * wobble
    signal += 0.003 * np.abs(signal).max() * rng.standard_normal(n)
    return _normalize(signal)


def babble(n: int, rng: np.random.Generator, sample_rate: int, voices: Sequence,
           sentences: Sequence[str], talkers: int = 6) -> np.ndarray:
    """Several synthetic talkers at once, each reading sentences back to back."""
    from kwstiny.data.synth import synthesize

    if not voices or not sentences:
        raise KwstinyError("babble noise needs at least one voice and one sentence")
    mix = np.zeros(n)
    for _ in range(talkers):
        voice = voices[rng.integers(len(voices))]
        track, filled = np.zeros(n), int(rng.integers(0, sample_rate // 2))
        while filled < n:
            speech = synthesize(str(sentences[rng.integers(len(sentences))]), voice,
                                sample_rate, speed=float(rng.uniform(0.85, 1.2)),
                                pitch=float(rng.uniform(0.8, 1.25)))
            take = min(len(speech), n - filled)
            track[filled:filled + take] = speech[:take]
            filled += take + int(rng.uniform(0.05, 0.4) * sample_rate)
        peak = np.abs(track).max()
        if peak > 0:
            mix += track / peak * 10 ** (rng.uniform(-8, 0) / 20)
    return _normalize(mix)


def make_noise(kind: str, seconds: float, sample_rate: int, seed: int,
               voices: Sequence = (), sentences: Sequence[str] = ()) -> np.ndarray:
    """`seconds` of one kind of noise (see NOISE_KINDS), the same for the same seed."""
    if kind not in NOISE_KINDS:
        raise KwstinyError(f"noise kind {kind!r} is not known: use one of "
                           + ", ".join(NOISE_KINDS))
    n = int(round(seconds * sample_rate))
    if n <= 0:
        raise KwstinyError(f"noise length {seconds} s is not allowed: > 0")
    rng = np.random.default_rng(seed)
    if kind == "white":
        return white(n, rng)
    if kind == "pink":
        return pink(n, rng, sample_rate)
    if kind == "brown":
        return brown(n, rng, sample_rate)
    if kind in ("hum50", "hum60"):
        return hum(n, rng, sample_rate, mains_hz=float(kind[3:]))
    return babble(n, rng, sample_rate, voices, sentences)


def _normalize(signal: np.ndarray) -> np.ndarray:
    signal = signal - signal.mean()
    peak = np.abs(signal).max()
    if peak > 0:
        signal = signal * (PEAK / peak)
    return signal.astype(np.float32)
