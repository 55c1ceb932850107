"""GnuSpeech: an articulatory synthesizer (a simulated vocal tube), from npm's
@echogarden/gnuspeech-wasm (GPL-3.0), run by Node.js.

Its voices differ by vocal-tract length and glottal source, which the other engines do
not vary: male, female, large_child and small_child ("baby" is left out: no baby says a
wake word). One Node process (gnuspeech_say.mjs) serves every request in turn; it is
started on first use and left running. Speed maps to the control model's tempo and pitch
to its pitch offset in semitones.
"""

from __future__ import annotations

import atexit
import base64
import io
import json
import math
import os
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import soundfile

from kwstiny.data.engine_process import ask
from kwstiny.errors import KwstinyError
from kwstiny.paths import REPO_ROOT

NPM_PACKAGE = "@echogarden/gnuspeech-wasm"
NPM_VERSION = "0.3.0"
VOICE_NAMES = ("male", "female", "large_child", "small_child")
# The package's control model says -4 semitones; pitch factors move from there.
DEFAULT_PITCH_OFFSET = -4.0
_SERVER_SCRIPT = Path(__file__).with_name("gnuspeech_say.mjs")
_TIMEOUT_S = 60
INSTALL_HINT = (f"npm install --prefix {REPO_ROOT / '.node'} {NPM_PACKAGE}@{NPM_VERSION} "
                "(scripts/setup.sh does this; it needs Node.js: sudo apt-get install nodejs npm)")


def node_modules() -> Path:
    """Where the npm package is looked for: KWSTINY_NODE_MODULES, or the repo's .node/."""
    return Path(os.environ.get("KWSTINY_NODE_MODULES", REPO_ROOT / ".node" / "node_modules"))


def require() -> tuple[str, Path]:
    """(node executable, package folder), or a KwstinyError saying how to install them."""
    node = shutil.which("node")
    package = node_modules() / NPM_PACKAGE
    if node is None or not (package / "wasm" / "gnuspeech.js").is_file():
        missing = "Node.js" if node is None else f"the npm package {NPM_PACKAGE}"
        raise KwstinyError(f"GnuSpeech (speech engine 'gnuspeech') needs {missing}, which is "
                           f"not installed. Install it with: {INSTALL_HINT}")
    return node, package


class _Server:
    """The Node process, one request at a time (threads take turns)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def say(self, request: dict, what: str) -> bytes:
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None:
                node, package = require()
                process = self._process = subprocess.Popen(
                    [node, str(_SERVER_SCRIPT), str(package)], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            line = ask(process, (json.dumps(request) + "\n").encode(), None, _TIMEOUT_S)
            if not line:
                process.kill()
                self._process = None
                raise KwstinyError(f"{what}: the GnuSpeech process stopped (exit "
                                   f"{process.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise KwstinyError(f"{what} failed: {answer['error']}")
        return base64.b64decode(answer["wav"])

    def close(self):
        with self._lock:
            process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.stdin.close()
            process.wait(timeout=10)


_server = _Server()
atexit.register(_server.close)


def close_server() -> None:
    """Stop the Node process (the next request starts it again)."""
    _server.close()


def speak(text: str, name: str, speed: float, pitch: float) -> tuple[np.ndarray, int]:
    """(int16 samples, sample rate) of `text` said by GnuSpeech voice `name`."""
    if name not in VOICE_NAMES:
        raise KwstinyError(f"gnuspeech has no voice {name!r}; voices: {', '.join(VOICE_NAMES)}")
    require()  # a clear message, even while a server started earlier still runs
    what = f"gnuspeech voice {name} saying {text!r}"
    request = {"text": text, "voice": name, "tempo": round(speed, 4),
               "pitch_offset": round(DEFAULT_PITCH_OFFSET + 12 * math.log2(pitch), 3)}
    wav = _server.say(request, what)
    try:
        samples, rate = soundfile.read(io.BytesIO(wav), dtype="int16")
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise KwstinyError(f"{what}: the engine's output is not a readable wav") from error
    if samples.ndim > 1:
        samples = samples[:, 0]
    if samples.size == 0:
        raise KwstinyError(f"{what} produced no audio")
    return samples, rate
