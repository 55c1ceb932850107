"""Audio at the edge of the package: files in, mono float32 at the spec's rate out.

Inside kwstiny audio is mono float32 in [-1, 1] (or int16); every conversion between
the two, every mixdown and every resampling happens here, once.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile
import soxr

from kwstiny.errors import KwstinyError
from kwstiny.paths import atomic_path

# What a dataset folder may hold; soundfile reads by content, so a misnamed file still works.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")


class AudioError(KwstinyError):
    """An audio file that cannot be used, with its path and what is wrong with it."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


def audio_problem(path: str | os.PathLike) -> str | None:
    """What is wrong with an audio file, found cheaply from its header; None if it looks usable."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "audio file not found"
    except OSError as error:
        return f"cannot open audio file ({error.strerror or error})"
    if path.is_dir():
        return "is a folder, not an audio file"
    if size == 0:
        return "empty file (0 bytes)"
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        return f"not a readable audio file (wav/flac/ogg): {_libsndfile_reason(error)}"
    if info.frames <= 0:
        return "no audio samples (zero length)"
    if info.samplerate <= 0 or info.channels <= 0:
        return f"invalid header ({info.samplerate} Hz, {info.channels} channels)"
    return None


def read_audio(path: str | os.PathLike, sample_rate: int) -> np.ndarray:
    """Read a wav/flac/ogg file as mono float32 in [-1, 1] at `sample_rate` Hz.

    Multi-channel audio is averaged to mono and resampled once (soxr, high quality).
    Raises `AudioError` naming the path for a missing, empty, corrupt or silent-length file.
    """
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise KwstinyError(f"sample rate {sample_rate!r} is not allowed: a positive whole "
                           f"number of Hz")
    problem = audio_problem(path)
    if problem:
        raise AudioError(path, problem)
    try:
        audio, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise AudioError(path, f"cannot decode audio: {_libsndfile_reason(error)}") from error
    if audio.shape[0] == 0:
        raise AudioError(path, "no audio samples (zero length)")
    if not np.all(np.isfinite(audio)):
        raise AudioError(path, "contains NaN or infinite samples")
    mono = audio.mean(axis=1) if audio.shape[1] > 1 else audio[:, 0]
    mono = resample(mono, file_rate, int(sample_rate))
    # Float files may hold values past full scale; the package promises [-1, 1].
    return np.clip(mono, -1.0, 1.0).astype(np.float32, copy=False)


def resample(audio: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Mono float32 audio at `to_rate`; returned as is when the rates already match."""
    audio = np.asarray(audio, dtype=np.float32)
    if from_rate == to_rate or audio.size == 0:
        return audio
    return soxr.resample(audio, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def to_int16(audio: np.ndarray) -> np.ndarray:
    """float32 [-1, 1] -> int16 (x * 32768, rounded, saturated); int16 passes through."""
    audio = np.asarray(audio)
    if audio.dtype == np.int16:
        return audio
    if not np.issubdtype(audio.dtype, np.floating):
        raise KwstinyError(f"audio of type {audio.dtype} cannot be written: give float32 "
                           f"in [-1, 1] or int16")
    scaled = np.round(audio.astype(np.float64) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def to_float32(audio: np.ndarray) -> np.ndarray:
    """int16 -> float32 in [-1, 1) (x / 32768); float input is returned as float32."""
    audio = np.asarray(audio)
    if audio.dtype == np.int16:
        return audio.astype(np.float32) / 32768.0
    return audio.astype(np.float32, copy=False)


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono audio (float32 in [-1, 1], or int16) as 16-bit PCM wav, atomically."""
    samples = to_int16(audio)
    if samples.ndim != 1:
        raise KwstinyError(f"write_wav({path}) takes mono audio (one dimension), "
                           f"got shape {samples.shape}")
    with atomic_path(path) as tmp:
        soundfile.write(str(tmp), samples, int(sample_rate), format="WAV", subtype="PCM_16")
    return Path(path)


def _libsndfile_reason(error: Exception) -> str:
    """libsndfile's own words, without the path soundfile already repeats."""
    text = str(getattr(error, "error_string", "") or error).strip()
    return text.splitlines()[-1] if text else type(error).__name__
