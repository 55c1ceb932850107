"""Speech synthesis: espeak-ng, flite, festival (subprocesses), SVOX Pico, GnuSpeech, Kokoro.

A voice's identity is engine + voice + variant (`espeak-ng.en-us.klatt`, `flite.slt`):
that is the "speaker" a synthetic dataset is split by. Speed and pitch are factors
(1.0 = the voice's default) mapped onto each engine's own controls. Voices reserved for
evaluation (EVALUATION_ONLY) can be synthesized but are never in a voice list for training.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import soundfile

from kwstiny.data import festival, gnuspeech, kokoro, pico
from kwstiny.data.audio import resample, to_float32
from kwstiny.errors import KwstinyError

ENGINES = ("espeak-ng", "flite", "pico", "festival", "gnuspeech", "kokoro")
APT_PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite"}
# Voices the project keeps for held-out evaluation: never listed for training (by Voice.id).
# Note: festival's kal_diphone is the same speaker as flite's kal/kal16, and
# cmu_us_slt_arctic_hts the same speaker as flite's slt (other synthesis methods).
EVALUATION_ONLY = frozenset({"festival.kal_diphone", "festival.ked_diphone",
                             "festival.cmu_us_slt_arctic_hts", "piper.en_US-joe-medium"})

# espeak-ng: words per minute at speed 1.0, and its 0-99 pitch scale at pitch 1.0.
ESPEAK_RATE_WPM = 175
ESPEAK_PITCH = 50
# flite's mean F0 per voice at default settings (Hz, measured with librosa.pyin on
# flite 2.2); pitch factors scale it through int_f0_target_mean. Voices missing here
# (rms: unit selection) ignore that setting, so their pitch stays at 1.0.
FLITE_DEFAULT_F0_HZ = {"kal": 92.0, "kal16": 89.0, "awb": 125.0, "slt": 170.0}
# A voice that cannot say this pangram is a limited-domain voice (flite's awb_time speaks only
# clock times) and is left out of the voice list.
_PROBE_TEXT = "the quick brown fox jumps over the lazy dog, alexa"
_TIMEOUT_S = 60


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker: an engine, a voice of it, and (espeak-ng) a variant."""
    engine: str
    name: str           # espeak-ng: language code (en-us); flite: voice name (slt)
    variant: str = ""   # espeak-ng variant file (klatt, f3, "Mr serious"); "" = none
    file: str = ""      # espeak-ng voice file (gmw/en-US), what -v is given

    @property
    def id(self) -> str:
        """A filesystem-safe identity, used as the split group of its clips."""
        parts = [self.engine, self.name] + ([self.variant] if self.variant else [])
        return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", p) for p in parts)

    @property
    def pitch_adjustable(self) -> bool:
        if self.engine == "flite":
            return self.name in FLITE_DEFAULT_F0_HZ
        return self.engine in ("espeak-ng", "pico", "gnuspeech")

    @property
    def evaluation_only(self) -> bool:
        return self.id in EVALUATION_ONLY


def require_engine(engine: str) -> str:
    """The engine's executable (pico: its module's name), or a KwstinyError naming the
    apt or pip package that provides it."""
    if engine not in ENGINES:
        raise KwstinyError(f"speech engine {engine!r} is not supported: use one of "
                           + ", ".join(ENGINES))
    if engine == "pico":
        return pico.require().__name__
    if engine == "festival":
        return festival.require()
    if engine == "gnuspeech":
        return gnuspeech.require()[0]
    if engine == "kokoro":
        return str(kokoro.require())
    path = shutil.which(engine)
    if path is None:
        raise KwstinyError(
            f"{engine} is not installed; it synthesizes the offline speech datasets. "
            f"Install it with: sudo apt-get install {APT_PACKAGES[engine]}")
    return path


def _run(args: list[str], what: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, input=stdin, capture_output=True, timeout=_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired as error:
        raise KwstinyError(f"{what}: {args[0]} did not finish in {_TIMEOUT_S} s") from error
    except OSError as error:
        raise KwstinyError(f"{what}: cannot run {args[0]} ({error})") from error


# Voice lists -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def espeak_base_voices() -> tuple[Voice, ...]:
    """Every English espeak-ng voice that can speak here (MBROLA voices need mbrola data)."""
    exe = require_engine("espeak-ng")
    out = _run([exe, "--voices=en"], "listing espeak-ng voices").stdout.decode("utf-8", "replace")
    voices, seen = [], set()
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5:
            continue
        language, file = parts[1], parts[4]
        if file.startswith("!v/") or language == "variant" or file in seen:
            continue  # variants are listed separately
        seen.add(file)
        voice = Voice("espeak-ng", language if not file.startswith("mb/") else file[3:],
                      file=file)
        if file.startswith("mb/") and not _espeak_voice_works(voice):
            continue
        voices.append(voice)
    return tuple(voices)


def _espeak_voice_works(voice: Voice) -> bool:
    """MBROLA voices are listed even when mbrola or its voice data is missing."""
    if shutil.which("mbrola") is None:
        return False
    result = _run([require_engine("espeak-ng"), "-v", voice.file, "--stdout"],
                  "probing an espeak-ng voice", stdin=_PROBE_TEXT.encode())
    return result.returncode == 0 and b"rror" not in result.stderr and len(result.stdout) > 1000


@functools.lru_cache(maxsize=None)
def espeak_variants() -> tuple[str, ...]:
    """Every espeak-ng voice variant (klatt, f3, whisper, ...), by the file name -v takes."""
    exe = require_engine("espeak-ng")
    out = _run([exe, "--voices=variant"], "listing espeak-ng variants").stdout.decode(
        "utf-8", "replace")
    names = []
    for line in out.splitlines()[1:]:
        # The file name may hold a space ("Mr serious"); it ends at a run of spaces or
        # at the "(language priority)" column.
        match = re.search(r"!v/(.+?)\s*(?:\s{2,}|\(|$)", line)
        if match and match.group(1) not in names:
            names.append(match.group(1))
    return tuple(sorted(names, key=str.lower))


@functools.lru_cache(maxsize=None)
def flite_voices() -> tuple[Voice, ...]:
    """Every flite voice that speaks general English (limited-domain voices left out)."""
    exe = require_engine("flite")
    out = _run([exe, "-lv"], "listing flite voices").stdout.decode("utf-8", "replace")
    names = out.split(":", 1)[1].split() if ":" in out else []
    voices = []
    for name in names:
        probe = _run([exe, "-voice", name, "-t", _PROBE_TEXT, "-o", "none"],
                     "probing a flite voice")
        if probe.returncode == 0 and b"can't find" not in probe.stderr:
            voices.append(Voice("flite", name))
    return tuple(voices)


def espeak_voices(with_variants: bool = True) -> tuple[Voice, ...]:
    """English espeak-ng voices, each alone and (by default) with every variant."""
    bases = espeak_base_voices()
    if not with_variants:
        return bases
    variants = ("",) + espeak_variants()
    return tuple(Voice(b.engine, b.name, v, b.file) for b in bases for v in variants)


def pico_voices() -> tuple[Voice, ...]:
    """Every SVOX Pico voice (en-US, en-GB, and four that read English with an accent)."""
    return tuple(Voice("pico", name) for name in pico.voice_names())


@functools.lru_cache(maxsize=None)
def festival_voices() -> tuple[Voice, ...]:
    """Every installed festival voice that speaks the probe sentence, reserved ones included
    (`voices()` leaves those out)."""
    spoken = festival.probe_voices(_PROBE_TEXT)
    # A voice without text rules for Latin letters says next to nothing.
    return tuple(Voice("festival", name) for name, seconds in spoken.items() if seconds > 1.0)


def gnuspeech_voices() -> tuple[Voice, ...]:
    """GnuSpeech's articulatory voices: male, female and two children."""
    return tuple(Voice("gnuspeech", name) for name in gnuspeech.VOICE_NAMES)


def kokoro_voices() -> tuple[Voice, ...]:
    """Kokoro's five shipped styles and its fixed mixtures of them (kwstiny.data.kokoro)."""
    return tuple(Voice("kokoro", name) for name in kokoro.VOICE_NAMES)


def evaluation_voices() -> tuple[Voice, ...]:
    """The reserved voices that are installed here, for the project's held-out tests."""
    try:
        return tuple(v for v in festival_voices() if v.evaluation_only)
    except KwstinyError:
        return ()


def voices(engines: tuple[str, ...] = ENGINES) -> dict[str, tuple[Voice, ...]]:
    """Every voice identity per engine that training may use (EVALUATION_ONLY left out)."""
    listing = {"espeak-ng": espeak_voices, "flite": flite_voices, "pico": pico_voices,
               "festival": festival_voices, "gnuspeech": gnuspeech_voices,
               "kokoro": kokoro_voices}
    for engine in engines:
        require_engine(engine)
    return {engine: tuple(v for v in listing[engine]() if not v.evaluation_only)
            for engine in engines}


# Synthesis -------------------------------------------------------------------------------

def close_engines() -> None:
    """Stop the engine processes kept between requests (festival's, GnuSpeech's, Pico's): about
    100 MB each, not needed once a dataset is made. The next request starts them again."""
    festival.close_sessions()
    gnuspeech.close_server()
    pico.close()
    kokoro.close()


def synthesize(text: str, voice: Voice, sample_rate: int, speed: float = 1.0,
               pitch: float = 1.0) -> np.ndarray:
    """Speak `text` with `voice`; mono float32 in [-1, 1] at `sample_rate` Hz.

    `speed` scales the speaking rate and `pitch` the voice's pitch (1.0 = default); voices
    without pitch control (festival's and some of flite's: see `Voice.pitch_adjustable`) ignore
    `pitch`.
    """
    if not text.strip():
        raise KwstinyError("cannot synthesize empty text")
    if not (0.2 <= speed <= 4.0) or not (0.2 <= pitch <= 4.0):
        raise KwstinyError(f"speed {speed} / pitch {pitch} out of range: factors 0.2 to 4.0")
    what = f"{voice.engine} voice {voice.id} saying {text!r}"
    if voice.engine in ("pico", "festival", "gnuspeech", "kokoro"):  # in-process or own runner
        if voice.engine == "festival":
            samples, rate = festival.speak(text, voice.name, speed)
        elif voice.engine == "kokoro":
            samples, rate = kokoro.speak(text, voice.name, speed)
        else:
            samples, rate = (pico if voice.engine == "pico" else gnuspeech).speak(
                text, voice.name, speed, pitch)
        return np.clip(resample(to_float32(samples), rate, sample_rate), -1.0, 1.0)
    exe = require_engine(voice.engine)
    if voice.engine == "espeak-ng":
        name = voice.file or voice.name
        if voice.variant:
            name += "+" + voice.variant
        rate = int(round(np.clip(ESPEAK_RATE_WPM * speed, 80, 450)))
        pitch_value = int(round(np.clip(ESPEAK_PITCH * pitch, 0, 99)))
        # Text goes in on stdin so that nothing in it is read as an option.
        result = _run([exe, "-v", name, "-s", str(rate), "-p", str(pitch_value), "--stdout"],
                      what, stdin=text.encode("utf-8"))
    else:
        args = [exe, "-voice", voice.name, "--setf", f"duration_stretch={1.0 / speed:.4f}"]
        if voice.name in FLITE_DEFAULT_F0_HZ:
            f0 = FLITE_DEFAULT_F0_HZ[voice.name] * pitch
            args += ["--setf", f"int_f0_target_mean={f0:.1f}"]
        result = _run(args + ["-t", text, "-o", "/dev/stdout"], what)
    if result.returncode != 0 or len(result.stdout) <= 44:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KwstinyError(f"{what} failed (exit {result.returncode})"
                           + (f": {reason[-1]}" if reason else ""))
    try:
        samples, rate = soundfile.read(io.BytesIO(result.stdout), dtype="int16")
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise KwstinyError(f"{what}: the engine's output is not a readable wav") from error
    if samples.ndim > 1:
        samples = samples[:, 0]
    return np.clip(resample(to_float32(samples), rate, sample_rate), -1.0, 1.0)
