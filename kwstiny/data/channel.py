"""What a microphone and the path after it do to a sound: a random frequency response
(EQ, band limits of cheap microphones), automatic gain control, clipping, and low-bitrate
speech codecs (libsndfile in-process; ffmpeg for two more).

Every function takes the window as float32 at `sample_rate` and returns one of the same
length; randomness comes only from the generator passed in (audiomentations' filters draw
from numpy's global generator and Python's `random`, which are seeded from it first).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from kwstiny.errors import KwstinyError

# Low-bitrate codecs. Most run in-process through libsndfile (soundfile's library, a
# few ms a window); speex and g726 need the ffmpeg program (two processes, ~140 ms a
# window). Each: backend, container, the rate the codec runs at (the narrowband ones
# band-limit to 4 kHz like a phone call) and the choices a window draws from (libsndfile
# compression levels, which set the bitrate; ffmpeg bitrates).
CODECS = {
    "opus": ("sndfile", ("OGG", "OPUS"), None, (0.9, 0.95, 1.0)),      # about 8-30 kbit/s
    "mp3": ("sndfile", ("MP3", "MPEG_LAYER_III"), None, (0.5, 0.7, 0.9)),  # 25-30 kbit/s
    "gsm": ("sndfile", ("WAV", "GSM610"), 8000, (None,)),              # GSM full rate
    "g721": ("sndfile", ("WAV", "G721_32"), 8000, (None,)),            # 32 kbit/s ADPCM
    "ulaw": ("sndfile", ("WAV", "ULAW"), 8000, (None,)),               # G.711 telephone
    "speex": ("ffmpeg", (["-c:a", "libspeex"], "ogg"), 8000, (None,)),
    "g726": ("ffmpeg", (["-c:a", "g726"], "matroska"), 8000, ("16k", "24k", "32k")),
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
                     setting=None) -> np.ndarray:
    """`audio` encoded with `codec` and decoded again, back at `sample_rate`, realigned
    for the codec's delay and cut or padded to the same length. `setting` is one of the
    codec's choices in CODECS (a compression level or a bitrate)."""
    if codec not in CODECS:
        raise KwstinyError(f"codec {codec!r} is not known: use one of " + ", ".join(CODECS))
    backend, how, rate, _ = CODECS[codec]
    rate = rate or sample_rate
    from kwstiny.data.audio import resample

    narrow = resample(audio, sample_rate, rate)
    if backend == "sndfile":
        out = _sndfile_round_trip(narrow, rate, *how, setting)
    else:
        out = _ffmpeg_round_trip(narrow, rate, codec, *how, setting)
    return _align(resample(out, rate, sample_rate), audio)


def _sndfile_round_trip(audio, rate, container, subtype, level) -> np.ndarray:
    import io

    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(audio, -1.0, 1.0), rate, format=container, subtype=subtype,
                    **({"compression_level": level} if level is not None else {}))
    buffer.seek(0)
    return soundfile.read(buffer, dtype="float32")[0]


def _ffmpeg_round_trip(audio, rate, codec, args, container, bitrate) -> np.ndarray:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise KwstinyError(f"the {codec} codec needs ffmpeg: install the Debian package "
                           "ffmpeg (apt-get install ffmpeg)")
    common = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1"]
    encode = common + ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", *args,
                       *(["-b:a", bitrate] if bitrate else []), "-f", container, "pipe:1"]
    decode = common + ["-i", "pipe:0", "-f", "f32le", "-ar", str(rate), "-ac", "1", "pipe:1"]
    data = np.ascontiguousarray(audio, np.float32).tobytes()
    encoded = subprocess.run(encode, input=data, capture_output=True)
    if encoded.returncode != 0:
        raise KwstinyError(f"ffmpeg could not encode {codec}: "
                           + encoded.stderr.decode(errors="replace").strip()[:200])
    decoded = subprocess.run(decode, input=encoded.stdout, capture_output=True)
    if decoded.returncode != 0:
        raise KwstinyError(f"ffmpeg could not decode {codec}: "
                           + decoded.stderr.decode(errors="replace").strip()[:200])
    return np.frombuffer(decoded.stdout, np.float32)


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
