"""Running a .tflite without TensorFlow: the TFLM Python runtime by default, LiteRT when
speed matters more than parity with the board."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny import tflite
from kwstiny.errors import KwstinyError

RUNTIMES = ("tflm", "litert")


class TfliteModel:
    """One interpreter over a .tflite; `predict` takes model inputs (int8 features, or
    float features the model quantizes) and returns float class probabilities."""

    def __init__(self, source: str | Path | bytes, runtime: str = "tflm"):
        if runtime not in RUNTIMES:
            raise KwstinyError(f"runtime {runtime!r} is not one of {', '.join(RUNTIMES)}")
        data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
        self.metadata = tflite.read_metadata(data)  # also rejects non-TFLite input
        self.runtime = runtime
        if runtime == "tflm":
            from tflite_micro.python.tflite_micro import runtime as tflm
            # Arena is generous here: the profiler measures the real need separately.
            self._interp = tflm.Interpreter.from_bytes(bytes(data), arena_size=max(len(data) * 4, 1 << 20))
            self._input = self._interp.get_input_details(0)
            self._output = self._interp.get_output_details(0)
        else:
            from ai_edge_litert.interpreter import Interpreter
            self._interp = Interpreter(model_content=bytes(data), num_threads=1)
            self._interp.allocate_tensors()
            self._input = self._interp.get_input_details()[0]
            self._output = self._interp.get_output_details()[0]
        self.input_shape = tuple(int(d) for d in self._input["shape"])
        self.input_dtype = np.dtype(self._input["dtype"])
        self.output_dtype = np.dtype(self._output["dtype"])
        # A streaming model (kwstiny.models.streaming) keeps state between invokes and
        # takes frames_per_invoke new frames each time.
        self.streaming = bool(self.metadata.get("streaming", False))
        self.frames_per_invoke = int(self.metadata.get("frames_per_invoke", 0) or 0)
        if self.streaming and (self.frames_per_invoke < 1 or len(self.input_shape) < 2
                               or self.input_shape[1] != self.frames_per_invoke):
            raise KwstinyError(f"streaming model metadata says frames_per_invoke = "
                               f"{self.frames_per_invoke} but its input is {self.input_shape}")

    @property
    def classes(self) -> list[str]:
        return list(self.metadata.get("classes", []))

    def _quantize_input(self, features: np.ndarray) -> np.ndarray:
        if self.input_dtype == np.float32:
            return features.astype(np.float32)
        if features.dtype == self.input_dtype:
            return features
        scale, zero = _quant_params(self._input)
        info = np.iinfo(self.input_dtype)
        return np.clip(np.round(features / scale + zero), info.min, info.max).astype(self.input_dtype)

    def _dequantize_output(self, raw: np.ndarray) -> np.ndarray:
        if self.output_dtype == np.float32:
            return raw.astype(np.float32)
        scale, zero = _quant_params(self._output)
        return (raw.astype(np.float32) - zero) * scale

    def invoke_raw(self, features: np.ndarray) -> np.ndarray:
        """One inference; returns the output tensor as the model stores it (int8 for
        quantized models) so results can be compared byte for byte."""
        x = self._quantize_input(np.asarray(features)).reshape(self.input_shape)
        if self.runtime == "tflm":
            self._interp.set_input(x, 0)
            self._interp.invoke()
            return np.array(self._interp.get_output(0)).reshape(-1)
        self._interp.set_tensor(self._input["index"], x)
        self._interp.invoke()
        return np.array(self._interp.get_tensor(self._output["index"])).reshape(-1)

    def reset(self) -> None:
        """Forget a streaming model's state (zeros: as after silence-as-zeros)."""
        if self.runtime == "tflm":
            self._interp.reset()
        else:
            self._interp.reset_all_variables()

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Probabilities for one input (shape of one sample) or a batch of them.

        A streaming model also takes whole windows (frames, ...): each runs from a reset
        state, frames_per_invoke frames at a time, and gives the last invoke's output,
        which is what the same weights give non-streaming on that window."""
        features = np.asarray(features)
        if self.streaming and features.shape[-3:] != self.input_shape[1:]:
            return self._predict_windows(features)
        single = features.ndim == len(self.input_shape) - 1
        batch = features[None] if single else features
        out = np.stack([self._dequantize_output(self.invoke_raw(row)) for row in batch])
        return out[0] if single else out

    def _predict_windows(self, windows: np.ndarray) -> np.ndarray:
        step, tail = self.frames_per_invoke, self.input_shape[2:]
        single = windows.ndim == len(self.input_shape) - 1
        batch = windows[None] if single else windows
        if batch.shape[2:] != tail or batch.shape[1] % step:
            raise KwstinyError(f"a streaming model taking {self.input_shape[1:]} per invoke "
                               f"needs windows of a multiple of {step} frames x {tail}; got "
                               f"{windows.shape}")
        out = []
        for window in batch:
            self.reset()
            for at in range(0, window.shape[0], step):
                raw = self.invoke_raw(window[at:at + step])
            out.append(self._dequantize_output(raw))
        self.reset()
        return np.stack(out)[0] if single else np.stack(out)


def _quant_params(details: dict) -> tuple[float, int]:
    params = details.get("quantization_parameters") or {}
    scales = params.get("scales")
    zeros = params.get("zero_points")
    if scales is not None and len(scales):
        return float(scales[0]), int(zeros[0])
    scale, zero = details.get("quantization", (0.0, 0))
    if not scale:
        raise KwstinyError("the model's int8 tensor has no quantization parameters")
    return float(scale), int(zero)


def open_tflite(model: str, runtime: str = "tflm") -> tuple[TfliteModel, Path]:
    """(interpreter, path) for a command's MODEL argument (see paths.resolve_tflite)."""
    from kwstiny.paths import resolve_tflite

    path = resolve_tflite(model)
    return TfliteModel(path, runtime=runtime), path
