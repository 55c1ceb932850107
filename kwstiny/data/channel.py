"""What a microphone and the path after it do to a sound: a random frequency response
(EQ, band limits of cheap microphones), automatic gain control, clipping, and low-bitrate
speech codecs through ffmpeg.

Every function takes the window as float32 at `sample_rate` and returns one of the same
length; randomness comes only from the generator passed in (audiomentations' filters draw
from numpy's global generator and Python's `random`, which are seeded from it first).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from kwstiny.errors import KwstinyError

# Low-bitrate codecs ffmpeg ships encoders for: encoder arguments, container, the rate the
# codec runs at (the narrowband ones band-limit to 4 kHz like a phone call) and bitrates.
CODECS = {
    "opus": (["-c:a", "libopus", "-vbr", "on"], "ogg", None, ("6k", "8k", "12k", "16k", "24k")),
    "mp3": (["-c:a", "libmp3lame"], "mp3", None, ("16k", "24k", "32k")),
    "gsm": (["-c:a", "libgsm"], "gsm", 8000, (None,)),
    "speex": (["-c:a", "libspeex"], "ogg", 8000, (None,)),
    "g726": (["-c:a", "g726"], "matroska", 8000, ("16k", "24k", "32k")),
}
# A codec's delay (mp3's encoder padding) is undone up to this many samples.
MAX_CODEC_DELAY = 4096


def _seed_global(rng: np.random.Generator) -> None:
    from kwstiny.data.samples import seed_globals
    seed_globals(int(rng.integers(0, 2 ** 32)))


def equalize(audio: np.ndarray, rng: np.random.Generator, sample_rate: int,
             gain_db: tuple[float, float]) -> np.ndarray:
    """A microphone's uneven response: two peaks or dips and, half the time each, a low
    and a high shelf, gains drawn from `gain_db`."""
    import audiomentations as am

    low, high = gain_db
    top = 0.45 * sample_rate
    chain = am.Compose([
        am.PeakingFilter(min_center_freq=80.0, max_center_freq=min(6000.0, top),
                         min_gain_db=low, max_gain_db=high, min_q=0.5, max_q=3.0, p=1.0),
        am.PeakingFilter(min_center_freq=80.0, max_center_freq=min(6000.0, top),
                         min_gain_db=low, max_gain_db=high, min_q=0.5, max_q=3.0, p=1.0),
        am.LowShelfFilter(min_center_freq=60.0, max_center_freq=400.0, min_gain_db=low,
                          max_gain_db=high, p=0.5),
        am.HighShelfFilter(min_center_freq=2000.0, max_center_freq=min(6000.0, top),
                           min_gain_db=low, max_gain_db=high, p=0.5),
    ])
    _seed_global(rng)
    return chain(samples=audio, sample_rate=sample_rate).astype(np.float32)


def band_limit(audio: np.ndarray, rng: np.random.Generator, sample_rate: int,
               highpass_hz: tuple[float, float], lowpass_hz: tuple[float, float]) -> np.ndarray:
    """A small microphone's band: a high-pass and a low-pass, cutoffs drawn from the ranges."""
    import audiomentations as am

    chain = am.Compose([
        am.HighPassFilter(min_cutoff_freq=highpass_hz[0], max_cutoff_freq=highpass_hz[1],
                          min_rolloff=12, max_rolloff=24, p=1.0),
        am.LowPassFilter(min_cutoff_freq=lowpass_hz[0], max_cutoff_freq=lowpass_hz[1],
                         min_rolloff=12, max_rolloff=24, p=1.0),
    ])
    _seed_global(rng)
    return chain(samples=audio, sample_rate=sample_rate).astype(np.float32)


def clip(audio: np.ndarray, rng: np.random.Generator,
         headroom_db: tuple[float, float]) -> np.ndarray:
    """Hard clipping at a level `headroom_db` below the window's peak. (audiomentations'
    ClippingDistortion sets its threshold by percentile, which a window that is half
    warm-up silence pushes to near zero.)"""
    peak = float(np.abs(audio).max())
    if peak == 0:
        return audio
    level = peak * 10 ** (-rng.uniform(*headroom_db) / 20)
    return np.clip(audio, -level, level).astype(np.float32)


def automatic_gain(audio: np.ndarray, rng: np.random.Generator, sample_rate: int,
                   target_db: tuple[float, float], max_gain_db: float = 30.0) -> np.ndarray:
    """A phone's or a smart speaker's AGC: each 10 ms the gain moves toward what brings
    the level to a target (fast down, slow up), so quiet parts and noise between words
    are lifted and loud ones pulled in."""
    frame = sample_rate // 100
    n = -(-audio.size // frame)
    padded = np.zeros(n * frame, np.float64)
    padded[:audio.size] = audio
    level = 10 * np.log10(np.mean(padded.reshape(n, frame) ** 2, axis=1) + 1e-12)
    target = rng.uniform(*target_db)
    attack, release = 0.5, 1 - np.exp(-1 / rng.uniform(20, 80))  # per frame
    gains = np.empty(n)
    gain = 0.0
    for k in range(n):
        # Below -70 dBFS is digital silence: hold the gain, as real AGCs gate.
        if level[k] > -70:
            want = float(np.clip(target - level[k], -20.0, max_gain_db))
            gain += (attack if want < gain else release) * (want - gain)
        gains[k] = gain
    per_sample = np.interp(np.arange(n * frame), np.arange(n) * frame + frame / 2, gains)
    out = padded * 10 ** (per_sample / 20)
    return np.clip(out[:audio.size], -1.0, 1.0).astype(np.float32)


def codec_round_trip(audio: np.ndarray, sample_rate: int, codec: str,
                     bitrate: str | None = None) -> np.ndarray:
    """`audio` encoded with `codec` and decoded again by ffmpeg, back at `sample_rate`,
    realigned for the codec's delay and cut or padded to the same length."""
    if codec not in CODECS:
        raise KwstinyError(f"codec {codec!r} is not known: use one of " + ", ".join(CODECS))
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise KwstinyError("codec augmentation needs ffmpeg: install the Debian package "
                           "ffmpeg (apt-get install ffmpeg)")
    args, container, rate, _ = CODECS[codec]
    common = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1"]
    encode = common + ["-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
                       *(["-ar", str(rate)] if rate else []), *args,
                       *(["-b:a", bitrate] if bitrate else []), "-f", container, "pipe:1"]
    decode = common + ["-i", "pipe:0", "-f", "f32le", "-ar", str(sample_rate), "-ac", "1",
                       "pipe:1"]
    data = np.ascontiguousarray(audio, np.float32).tobytes()
    encoded = subprocess.run(encode, input=data, capture_output=True)
    if encoded.returncode != 0:
        raise KwstinyError(f"ffmpeg could not encode {codec}: "
                           + encoded.stderr.decode(errors="replace").strip()[:200])
    decoded = subprocess.run(decode, input=encoded.stdout, capture_output=True)
    if decoded.returncode != 0:
        raise KwstinyError(f"ffmpeg could not decode {codec}: "
                           + decoded.stderr.decode(errors="replace").strip()[:200])
    out = np.frombuffer(decoded.stdout, np.float32)
    return _align(out, audio)


def _align(out: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`out` shifted by the delay that best lines it up with `reference`, same length."""
    from scipy.signal import correlate

    n = reference.size
    if out.size and np.any(reference):
        corr = correlate(out[:n + MAX_CODEC_DELAY], reference, mode="full", method="fft")
        lags = np.arange(corr.size) - (n - 1)
        keep = np.abs(lags) <= MAX_CODEC_DELAY
        lag = int(lags[keep][np.argmax(corr[keep])])
    else:
        lag = 0
    aligned = np.zeros(n, np.float32)
    if lag >= 0:
        part = out[lag:lag + n]
        aligned[:part.size] = part
    else:
        part = out[:n + lag]
        aligned[-lag:-lag + part.size] = part
    return aligned


def random_codec(audio: np.ndarray, rng: np.random.Generator, sample_rate: int,
                 codecs: tuple[str, ...]) -> np.ndarray:
    codec = codecs[int(rng.integers(len(codecs)))]
    rates = CODECS[codec][3]
    return codec_round_trip(audio, sample_rate, codec, rates[int(rng.integers(len(rates)))])
