"""Test audio for the frontend tests: synthetic speech, noise, tones, silence, clipping.

Speech comes from espeak-ng and flite (installed by scripts/setup.sh); everything
else is made with numpy from fixed seeds, so the set is the same on every run.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile
import soxr

SENTENCES = [
    "alexa, turn on the kitchen lights",
    "what is the weather like tomorrow morning",
    "please play some quiet music in the living room",
    "set a timer for seven minutes",
    "the quick brown fox jumps over the lazy dog",
    "alexa, stop",
    "call my sister and tell her I am late",
    "how far is it to the nearest train station",
]
ESPEAK_VOICES = ["en-us", "en-us+f3", "en+m7", "en-gb+f2", "de", "fr+m3"]
FLITE_VOICES = ["slt", "kal16", "rms", "awb"]


def _espeak(text: str, voice: str, speed: int) -> tuple[np.ndarray, int]:
    wav = subprocess.run(["espeak-ng", "--stdout", "-v", voice, "-s", str(speed), text],
                         check=True, capture_output=True).stdout
    audio, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    return audio, rate


def _flite(text: str, voice: str, path) -> tuple[np.ndarray, int]:
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True,
                   capture_output=True)
    audio, rate = soundfile.read(str(path), dtype="float32")
    return audio, rate


def utterances(rate: int, workdir) -> list[np.ndarray]:
    """Synthesized sentences as float32 at `rate`, trimmed of nothing (pauses stay)."""
    if shutil.which("espeak-ng") is None or shutil.which("flite") is None:
        raise RuntimeError("espeak-ng and flite are needed (scripts/setup.sh installs them)")
    out = []
    for i, text in enumerate(SENTENCES):
        audio, native = _espeak(text, ESPEAK_VOICES[i % len(ESPEAK_VOICES)], 130 + 15 * (i % 4))
        out.append(soxr.resample(audio, native, rate).astype(np.float32))
        audio, native = _flite(text, FLITE_VOICES[i % len(FLITE_VOICES)], workdir / f"f{i}.wav")
        out.append(soxr.resample(audio, native, rate).astype(np.float32))
    return out


def pink_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, n)
    return (noise / np.abs(noise).max()).astype(np.float32)


def to_pcm(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32768.0), -32768, 32767).astype(np.int16)


def clip_set(rate: int, workdir, seconds: float = 1.0) -> list[tuple[str, np.ndarray]]:
    """(kind, int16 clip) pairs: over 200 one-second clips at `rate`."""
    rng = np.random.default_rng(1234)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    clips: list[tuple[str, np.ndarray]] = []
    speech = utterances(rate, workdir)
    for audio in speech:  # windows every 1/3 s through each sentence, at random levels
        for start in range(0, max(len(audio) - n, 0) + 1, n // 3):
            piece = np.zeros(n, np.float32)
            chunk = audio[start:start + n]
            piece[:len(chunk)] = chunk
            level = 10 ** rng.uniform(-2.5, 0.2)
            clips.append(("speech", to_pcm(piece / max(np.abs(piece).max(), 1e-6) * level)))
    for i in range(30):
        clips.append(("white", to_pcm(rng.standard_normal(n) * 10 ** rng.uniform(-4.5, -0.4))))
    for i in range(30):
        clips.append(("pink", to_pcm(pink_noise(rng, n) * 10 ** rng.uniform(-4, 0))))
    clips.append(("silence", np.zeros(n, np.int16)))
    for i in range(9):
        clips.append(("silence", rng.integers(-(i % 3 + 1), i % 3 + 2, n).astype(np.int16)))
    for i in range(20):  # loud speech and noise driven into the rails
        source = speech[i % len(speech)][:n]
        piece = np.zeros(n, np.float32)
        piece[:len(source)] = source
        gain = rng.uniform(3, 40) / max(np.abs(piece).max(), 1e-6)
        clips.append(("clipping", to_pcm(np.clip(piece * gain + rng.standard_normal(n) * 0.01,
                                                 -1, 1))))
    for i in range(20):
        freq = rng.uniform(60, rate * 0.45)
        amplitude = 10 ** rng.uniform(-3, 0)
        clips.append(("tone", to_pcm(amplitude * np.sin(2 * np.pi * freq * t + rng.uniform(0, 6)))))
    for i in range(15):  # speech in noise, with a DC offset
        source = speech[(3 * i) % len(speech)][:n]
        piece = np.zeros(n, np.float32)
        piece[:len(source)] = source
        mix = 0.3 * piece + 0.05 * pink_noise(rng, n) + rng.uniform(-0.05, 0.05)
        clips.append(("mixture", to_pcm(mix)))
    return clips
