"""Per-utterance voice perturbation: how real speakers differ where TTS voices do not.

A TTS engine has a handful of voices, each with one vocal tract and one way of speaking.
Each clip can be re-voiced through the WORLD vocoder (PyPI pyworld): the speech is split
into F0, spectral envelope and aperiodicity, changed, and synthesized again.

- vocal-tract length: the envelope's frequency axis is scaled, which moves the formants
  without touching the pitch (a factor > 1 is a shorter tract, as in women and children);
- pitch contour: the F0 mean is scaled, its excursions widened or flattened (in log F0),
  and a rise or fall of some semitones laid over the utterance;
- jitter: frame-to-frame random F0 deviation, as in rough or older voices;
- breathiness: aperiodic energy added above about 1 kHz;
- tempo: the frames are resampled in time (off by default: engines vary their rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kwstiny.errors import KwstinyError, check

FRAME_PERIOD_MS = 5.0
F0_FLOOR_HZ, F0_CEIL_HZ = 60.0, 600.0
# Clips shorter than this are returned as they are (WORLD needs a few pitch periods).
MIN_SECONDS = 0.08
# Breathiness reaches full weight between these frequencies (Hz): breath noise is a
# high-frequency part of the voice source; below it the harmonics stay.
_BREATH_BAND_HZ = (500.0, 2000.0)
PIP_PACKAGE = "pyworld"

# Each range's bounds: what still sounds like a person.
_LIMITS = {
    "vtl_range": (0.7, 1.4),
    "f0_scale_range": (0.5, 2.0),
    "f0_span_range": (0.0, 3.0),
    "f0_ramp_range": (-12.0, 12.0),
    "jitter_range": (0.0, 0.2),
    "breathiness_range": (0.0, 1.0),
    "tempo_range": (0.5, 2.0),
}


@dataclass(frozen=True)
class VoicePerturbation:
    """Ranges each clip's perturbation is drawn from (uniformly); a (1, 1) or (0, 0) range
    leaves that factor alone."""
    # Share of the clips that are perturbed at all; the others keep the engine's voice.
    probability: float = 0.7
    # Formant frequency factor (> 1: shorter vocal tract). Adult male to female is ~1.17.
    vtl_range: tuple[float, float] = (0.88, 1.15)
    # Mean F0 factor.
    f0_scale_range: tuple[float, float] = (0.85, 1.2)
    # Intonation: log-F0 excursions around the mean scaled by this (0 = monotone).
    f0_span_range: tuple[float, float] = (0.6, 1.6)
    # Semitones of rise (> 0) or fall (< 0) from the first to the last voiced frame.
    f0_ramp_range: tuple[float, float] = (-3.0, 3.0)
    # Standard deviation of the relative F0 deviation of each 5 ms frame.
    jitter_range: tuple[float, float] = (0.0, 0.02)
    # Share of the periodic part above ~1 kHz made aperiodic (0 = the voice as it was).
    breathiness_range: tuple[float, float] = (0.0, 0.5)
    # Speaking-rate factor (> 1 faster).
    tempo_range: tuple[float, float] = (1.0, 1.0)

    def __post_init__(self):
        own = "VoicePerturbation"
        check(0.0 <= self.probability <= 1.0, own, "probability", self.probability,
              "a share from 0 to 1")
        for name, (low_limit, high_limit) in _LIMITS.items():
            value = getattr(self, name)
            ok = (isinstance(value, (tuple, list)) and len(value) == 2
                  and all(isinstance(v, (int, float)) for v in value)
                  and low_limit <= value[0] <= value[1] <= high_limit)
            check(ok, own, name, value,
                  f"(low, high) with {low_limit} <= low <= high <= {high_limit}")

    def draw(self, rng: np.random.Generator) -> dict | None:
        """One clip's factors, or None when this clip keeps its voice."""
        if rng.uniform() >= self.probability:
            return None
        return {name[:-len("_range")]: round(float(rng.uniform(*getattr(self, name))), 4)
                for name in _LIMITS}


def perturb_voice(audio: np.ndarray, sample_rate: int, rng: np.random.Generator,
                  settings: VoicePerturbation) -> tuple[np.ndarray, dict | None]:
    """(perturbed audio, the factors drawn); the audio unchanged and None when the clip is
    not drawn for perturbation. The same rng state gives the same result."""
    factors = settings.draw(rng)
    if factors is None:
        return audio, None
    return apply_factors(audio, sample_rate, factors, rng), factors


def apply_factors(audio: np.ndarray, sample_rate: int, factors: dict,
                  rng: np.random.Generator) -> np.ndarray:
    """`audio` re-voiced with `factors` (as `VoicePerturbation.draw` gives them); float32,
    the same length unless the tempo changes, scaled to the original's RMS (or less, to
    keep its peak within 1)."""
    pw = _pyworld()
    x = np.asarray(audio, dtype=np.float64)
    if len(x) < MIN_SECONDS * sample_rate or not np.any(x):
        return np.asarray(audio, dtype=np.float32)
    f0, times = pw.dio(x, sample_rate, f0_floor=F0_FLOOR_HZ, f0_ceil=F0_CEIL_HZ,
                       frame_period=FRAME_PERIOD_MS)
    f0 = pw.stonemask(x, f0, times, sample_rate)
    envelope = pw.cheaptrick(x, f0, times, sample_rate, f0_floor=F0_FLOOR_HZ)
    aperiodicity = pw.d4c(x, f0, times, sample_rate)

    f0 = shape_f0(f0, factors["f0_scale"], factors["f0_span"], factors["f0_ramp"],
                  factors["jitter"], rng)
    envelope = warp_frequency(envelope, factors["vtl"])
    aperiodicity = add_breath(warp_frequency(aperiodicity, factors["vtl"]), sample_rate,
                              factors["breathiness"])
    if factors["tempo"] != 1.0:
        f0, envelope, aperiodicity = _retime(f0, envelope, aperiodicity, factors["tempo"])
    y = pw.synthesize(np.ascontiguousarray(f0), np.ascontiguousarray(envelope),
                      np.ascontiguousarray(aperiodicity), sample_rate,
                      frame_period=FRAME_PERIOD_MS)
    if factors["tempo"] == 1.0:  # WORLD rounds to whole frames
        y = np.pad(y[: len(x)], (0, max(0, len(x) - len(y))))
    rms_in, rms_out = np.sqrt(np.mean(x ** 2)), np.sqrt(np.mean(y ** 2))
    if rms_out > 0:
        y *= rms_in / rms_out
    peak = np.abs(y).max()
    if peak > 1.0:  # scaled down, not clipped: clipping would add distortion
        y /= peak
    return y.astype(np.float32)


def shape_f0(f0: np.ndarray, scale: float, span: float, ramp_semitones: float,
             jitter: float, rng: np.random.Generator) -> np.ndarray:
    """The F0 contour (0 = unvoiced) with its mean scaled, excursions scaled, a ramp laid
    over the voiced stretch, and per-frame jitter."""
    out = np.array(f0, dtype=np.float64)
    voiced = np.flatnonzero(out > 0)
    if voiced.size == 0:
        return out
    log_f0 = np.log(out[voiced])
    mean = log_f0.mean()
    position = (voiced - voiced[0]) / max(1, voiced[-1] - voiced[0]) - 0.5  # -0.5 .. 0.5
    log_f0 = (mean + np.log(scale) + span * (log_f0 - mean)
              + ramp_semitones * position * np.log(2.0) / 12.0)
    if jitter > 0:
        log_f0 += jitter * rng.standard_normal(voiced.size)
    out[voiced] = np.clip(np.exp(log_f0), F0_FLOOR_HZ * 0.6, F0_CEIL_HZ * 1.5)
    return out


def warp_frequency(spectra: np.ndarray, factor: float) -> np.ndarray:
    """Each frame's spectrum with its frequency axis scaled by `factor`: what was at f is
    now at factor * f (the top bin is held beyond the old Nyquist)."""
    if factor == 1.0:
        return spectra
    bins = spectra.shape[1]
    source = np.minimum(np.arange(bins) / factor, bins - 1)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, bins - 1)
    weight = source - low
    return spectra[:, low] * (1.0 - weight) + spectra[:, high] * weight


def add_breath(aperiodicity: np.ndarray, sample_rate: int, amount: float) -> np.ndarray:
    """Aperiodicity (0 = periodic, 1 = noise) raised by `amount` of its distance to 1,
    fading in over _BREATH_BAND_HZ."""
    if amount == 0.0:
        return aperiodicity
    frequencies = np.linspace(0.0, sample_rate / 2, aperiodicity.shape[1])
    low, high = _BREATH_BAND_HZ
    weight = amount * np.clip((frequencies - low) / (high - low), 0.0, 1.0)
    return np.clip(aperiodicity + weight * (1.0 - aperiodicity), 0.0, 1.0 - 1e-6)


def _retime(f0, envelope, aperiodicity, tempo: float):
    """The frames resampled in time for a speaking rate `tempo` times the original."""
    n = len(f0)
    positions = np.linspace(0.0, n - 1, max(2, int(round(n / tempo))))
    nearest = np.rint(positions).astype(int)  # voicing decisions are not interpolated
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, n - 1)
    weight = (positions - low)[:, None]
    envelope = envelope[low] * (1 - weight) + envelope[high] * weight
    aperiodicity = aperiodicity[low] * (1 - weight) + aperiodicity[high] * weight
    return f0[nearest], envelope, aperiodicity


def _pyworld():
    try:
        import pyworld
    except ImportError as error:
        raise KwstinyError("voice perturbation needs the WORLD vocoder; install it with: "
                           f"pip install {PIP_PACKAGE}") from error
    return pyworld
