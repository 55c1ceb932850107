"""Festival speech (Debian's festival and festvox-* voice packages).

Every installed voice is listed, including the ones reserved for evaluation (see
`synth.EVALUATION_ONLY`: kwstiny's voice lists for training leave those out). Debian's
English festvox voices are all reserved; the Italian, Catalan, Czech, Finnish and Russian
ones read English text by their own language's rules, which gives accented English.
Speed maps to festival's Duration_Stretch; pitch has no voice-independent control in
festival, so festival voices keep their own pitch.

Starting festival and loading a voice takes about a second, saying a word a few tens of
milliseconds, so each voice gets one festival process, started on first use and kept
(one per voice, not one for all: a voice leaves settings behind that change the next
voice's speech, and the same request must give the same audio).
"""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile

from kwstiny.data.engine_process import ask
from kwstiny.errors import KwstinyError

APT_PACKAGE = "festival"
# What `sudo apt-get install festival ...` should add so that voices exist.
VOICE_PACKAGES = ("festvox-italp16k", "festvox-itapc16k", "festvox-ca-ona-hts")
SAMPLE_RATE = 16000  # every voice's speech is resampled to this inside festival
_TIMEOUT_S = 60
_DONE = "kwstiny-done"
# festival's Scheme heap, in cells: its default (10 M) holds 330 MB per process, one
# process per voice; 2 M (about 70 MB) says every Debian voice's longest test text.
_HEAP_CELLS = 2_000_000


def require() -> str:
    """festival's path, or a KwstinyError naming the apt packages."""
    path = shutil.which("festival")
    if path is None or shutil.which("stdbuf") is None:
        raise KwstinyError(
            "festival is not installed; it synthesizes the offline speech datasets. Install "
            "it with: sudo apt-get install festival " + " ".join(VOICE_PACKAGES))
    return path


@functools.lru_cache(maxsize=None)
def installed_voices() -> tuple[str, ...]:
    """Every voice festival can load here, by the name `(voice_NAME)` takes."""
    exe = require()
    try:
        result = subprocess.run([exe, "--pipe"], input=b"(print (voice.list))\n",
                                capture_output=True, timeout=_TIMEOUT_S, check=False)
    except (subprocess.TimeoutExpired, OSError) as error:
        raise KwstinyError(f"listing festival voices failed: {error}") from error
    listing = result.stdout.decode("utf-8", "replace")
    match = re.search(r"\(([^()]*)\)\s*$", listing.strip())
    names = match.group(1).split() if match else []
    return tuple(sorted(n for n in names if re.fullmatch(r"[A-Za-z0-9_]+", n)))


def probe_voices(text: str) -> dict[str, float]:
    """{voice: seconds of audio} for `text` said by every installed voice, each in a fresh
    festival (as `speak` runs it: after another voice, a voice can speak where it alone
    cannot); a voice that fails says 0 s."""
    exe = require()

    def probe(name: str, folder: str) -> float:
        path = Path(folder) / f"{name}.wav"
        script = (f"(voice_{name})\n" + _only_as(name, (
            f"(utt.save.wave (utt.synth (Utterance Text {_scheme_string(text)})) "
            f"{_scheme_string(str(path))} 'riff)")) + "\n")
        try:
            subprocess.run([exe, "--pipe"], input=script.encode(), capture_output=True,
                           timeout=_TIMEOUT_S, check=False)
            return soundfile.info(str(path)).duration if path.is_file() else 0.0
        except (subprocess.TimeoutExpired, OSError, soundfile.LibsndfileError, RuntimeError):
            return 0.0

    names = installed_voices()
    with tempfile.TemporaryDirectory(prefix="kwstiny-festival-probe-") as folder:
        with ThreadPoolExecutor(4) as pool:
            seconds = list(pool.map(lambda name: probe(name, folder), names))
    return dict(zip(names, seconds))


# The Czech voices vary their prosody at random unless told not to.
_DETERMINISTIC = "(defvar czech-randomize nil)(set! czech-randomize nil)"


def _only_as(name: str, code: str) -> str:
    """`code`, run only if voice `name` is the one loaded: a voice that fails to load (the
    Debian Hindi voice misses a file) leaves festival's default voice, kal_diphone, which
    is reserved for evaluation."""
    return f"(if (equal? current-voice '{name}) (begin {code}))"


def _scheme_string(text: str) -> str:
    """`text` as a Scheme string literal on one line."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Session:
    """One festival process speaking with one voice; requests take turns."""

    def __init__(self, name: str):
        self.name = name
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.folder = Path(tempfile.mkdtemp(prefix=f"kwstiny-festival-{name}-"))

    def _start(self) -> subprocess.Popen:
        # stdbuf: festival buffers its output to a pipe, and each answer must come at once.
        process = subprocess.Popen(["stdbuf", "-oL", require(), "--heap", str(_HEAP_CELLS),
                                    "--pipe"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        process.stdin.write(f"(voice_{self.name})\n{_DETERMINISTIC}\n".encode())
        return process

    def say(self, text: str, speed: float, what: str) -> np.ndarray:
        out = self.folder / "out.wav"
        with self.lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.process is None or self.process.poll() is not None:
                self.process = self._start()
            process = self.process
            out.unlink(missing_ok=True)  # a request that fails must not find the last wav
            request = _only_as(self.name, (
                f"(Parameter.set 'Duration_Stretch {1.0 / speed:.4f})"
                f"(set! kwstiny_utt (utt.synth (Utterance Text {_scheme_string(text)})))"
                f"(utt.wave.resample kwstiny_utt {SAMPLE_RATE})"
                f"(utt.save.wave kwstiny_utt {_scheme_string(str(out))} 'riff)"))
            request += f'(format t "{_DONE}\\n")\n'

            line = ask(process, request.encode("utf-8"), _DONE.encode(), _TIMEOUT_S)
            if not line:
                process.kill()
                self.process = None
                raise KwstinyError(f"{what}: festival stopped (exit {process.wait()})")
            if not out.is_file():
                raise KwstinyError(f"{what} failed: festival wrote no audio (does the voice "
                                   f"load? festival --pipe <<< '(voice_{self.name})' says)")
            samples, _ = soundfile.read(out, dtype="int16")
        return samples if samples.ndim == 1 else samples[:, 0]

    def close(self):
        with self.lock:  # after the request in progress
            process, self.process = self.process, None
            if process is not None and process.poll() is None:
                process.stdin.close()
                process.wait(timeout=10)
            shutil.rmtree(self.folder, ignore_errors=True)


_sessions: dict[str, _Session] = {}
_sessions_lock = threading.Lock()


@atexit.register
def close_sessions() -> None:
    """Stop every festival process (the next request starts its voice's again)."""
    with _sessions_lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        session.close()


def speak(text: str, name: str, speed: float) -> tuple[np.ndarray, int]:
    """(int16 samples, sample rate) of `text` said by festival voice `name` at `speed`."""
    require()
    if name not in installed_voices():
        raise KwstinyError(f"festival has no voice {name!r} here; voices: "
                           + ", ".join(installed_voices()))
    with _sessions_lock:
        if name not in _sessions:
            _sessions[name] = _Session(name)
        session = _sessions[name]
    samples = session.say(text, speed, f"festival voice {name} saying {text!r}")
    if samples.size == 0:
        raise KwstinyError(f"festival voice {name} saying {text!r} produced no audio")
    return samples, SAMPLE_RATE
