"""Festival speech (Debian's festival and festvox-* voice packages), through text2wave.

Every installed voice is listed, including the ones reserved for evaluation (see
`synth.EVALUATION_ONLY`: kwstiny's voice lists for training leave those out). Debian's
English festvox voices are all reserved; the Italian and Catalan ones (festvox-italp16k,
festvox-itapc16k, festvox-ca-ona-hts) read English text by their own language's rules,
which gives accented English. Speed maps to festival's Duration_Stretch; pitch has no
voice-independent control in festival, so festival voices keep their own pitch.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

import numpy as np

from kwstiny.errors import KwstinyError

APT_PACKAGE = "festival"
# What `sudo apt-get install festival ...` should add so that voices exist.
VOICE_PACKAGES = ("festvox-italp16k", "festvox-itapc16k", "festvox-ca-ona-hts")
SAMPLE_RATE = 16000  # text2wave resamples every voice to this
_TIMEOUT_S = 60


def require() -> str:
    """text2wave's path, or a KwstinyError naming the apt packages."""
    path = shutil.which("text2wave")
    if path is None or shutil.which("festival") is None:
        raise KwstinyError(
            "festival is not installed; it synthesizes the offline speech datasets. Install "
            "it with: sudo apt-get install festival " + " ".join(VOICE_PACKAGES))
    return path


def _run(args: list[str], what: str, stdin: bytes) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, input=stdin, capture_output=True, timeout=_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired as error:
        raise KwstinyError(f"{what}: {args[0]} did not finish in {_TIMEOUT_S} s") from error
    except OSError as error:
        raise KwstinyError(f"{what}: cannot run {args[0]} ({error})") from error


@functools.lru_cache(maxsize=None)
def installed_voices() -> tuple[str, ...]:
    """Every voice festival can load here, by the name `(voice_NAME)` takes."""
    require()
    result = _run([shutil.which("festival"), "--pipe"], "listing festival voices",
                  b"(print (voice.list))\n")
    listing = result.stdout.decode("utf-8", "replace")
    match = re.search(r"\(([^()]*)\)\s*$", listing.strip())
    names = match.group(1).split() if match else []
    return tuple(sorted(n for n in names if re.fullmatch(r"[A-Za-z0-9_]+", n)))


def speak(text: str, name: str, speed: float) -> tuple[np.ndarray, int]:
    """(int16 samples, sample rate) of `text` said by festival voice `name` at `speed`."""
    exe = require()
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise KwstinyError(f"festival voice name {name!r} is not a voice name")
    what = f"festival voice {name} saying {text!r}"
    # Text goes in on stdin as plain text (text2wave never evaluates it). Raw samples:
    # a wav written to a pipe has no length in its header.
    result = _run([exe, "-eval", f"(voice_{name})",
                   "-eval", f"(Parameter.set 'Duration_Stretch {1.0 / speed:.4f})",
                   "-otype", "raw", "-F", str(SAMPLE_RATE), "-o", "/dev/stdout"],
                  what, stdin=text.encode("utf-8"))
    errors = [line for line in result.stderr.decode("utf-8", "replace").splitlines()
              if "ERROR" in line or "rror:" in line]
    if result.returncode != 0 or errors or len(result.stdout) < 2:
        reason = errors or result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KwstinyError(f"{what} failed (exit {result.returncode})"
                           + (f": {reason[-1].strip()}" if reason else ""))
    return np.frombuffer(result.stdout[: len(result.stdout) // 2 * 2], dtype=np.int16), \
        SAMPLE_RATE
