"""The Python face of the C frontend: streaming, batch, and the model's input.

Audio enters as int16, or as float in [-1, 1] converted once here
(clip(x * 32768) to int16, truncating toward zero as MLTK does). Frames leave as
uint16 (frames, channels); `model_input` turns a window of frames into what the
model reads (int8 by the C dynamic quantizer, or float32).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.frontend.settings import FrontendSettings

try:
    from kwstiny.frontend import _cfrontend
except ImportError as error:  # pragma: no cover - only without a built extension
    _cfrontend = None
    _IMPORT_ERROR = error

# FrontendSettings fields the C config takes (the rest are Python-side: clip length
# and the window quantizer).
_C_FIELDS = (
    "sample_rate_hz", "window_size_ms", "window_step_ms", "fft_length",
    "filterbank_n_channels", "filterbank_lower_band_limit", "filterbank_upper_band_limit",
    "noise_reduction_enable", "noise_reduction_smoothing_bits", "noise_reduction_even_smoothing",
    "noise_reduction_odd_smoothing", "noise_reduction_min_signal_remaining",
    "pcan_enable", "pcan_strength", "pcan_offset", "pcan_gain_bits",
    "log_scale_enable", "log_scale_shift",
    "activity_detection_enable", "activity_detection_alpha_a", "activity_detection_alpha_b",
    "activity_detection_arm_threshold", "activity_detection_trip_threshold",
    "dc_notch_filter_enable", "dc_notch_filter_coefficient",
)


def _module():
    if _cfrontend is None:
        raise KwstinyError(
            "the C frontend extension is not built: run `python setup.py build_ext --inplace` "
            f"or reinstall kwstiny ({_IMPORT_ERROR})")
    return _cfrontend


def c_config(settings: FrontendSettings) -> dict:
    """The settings as the C frontend's config (bools as 0/1)."""
    config = {}
    for name in _C_FIELDS:
        value = getattr(settings, name)
        config[name] = int(value) if isinstance(value, bool) else value
    return config


def _new_c_frontend(settings: FrontendSettings):
    module = _module()
    try:
        return module.Frontend(c_config(settings))
    except module.ConfigError as error:
        setting, _ = error.args
        raise KwstinyError(f"frontend.{setting}: the C frontend rejects this configuration "
                           f"({settings.sample_rate_hz} Hz, {settings.fft_size}-point FFT, "
                           f"{settings.filterbank_n_channels} channels "
                           f"{settings.filterbank_lower_band_limit:g}-"
                           f"{settings.filterbank_upper_band_limit:g} Hz)") from None


def state_bytes(settings: FrontendSettings) -> int:
    """Bytes of RAM the C frontend's state takes for these settings (tables included)."""
    return _new_c_frontend(settings).state_bytes


def to_int16(samples) -> np.ndarray:
    """Mono audio as a contiguous int16 array: int16 passes through; float in [-1, 1]
    becomes clip(x * 32768) truncated to int16."""
    audio = np.asarray(samples)
    if audio.ndim == 2 and 1 in audio.shape:
        audio = audio.reshape(-1)
    if audio.ndim != 1:
        raise KwstinyError(f"audio must be mono (one dimension), got shape {audio.shape}")
    if audio.dtype == np.int16:
        return np.ascontiguousarray(audio)
    if np.issubdtype(audio.dtype, np.floating):
        if not np.isfinite(audio).all():
            raise KwstinyError("audio contains NaN or infinite samples")
        scaled = np.clip(audio.astype(np.float32, copy=False) * np.float32(32768.0),
                         -32768.0, 32767.0)
        return scaled.astype(np.int16)
    raise KwstinyError(f"audio must be int16 or float in [-1, 1], got {audio.dtype}")


class Frontend:
    """A streaming frontend: push any number of samples, get the frames they complete.

    State (buffered samples, filters, noise estimates) carries across `push` calls,
    so pushing a clip in pieces gives exactly the frames of pushing it whole.
    One object is for one thread at a time. Making one builds the C tables (about
    40 us); in a hot loop over clips, keep one and `reset()` it instead.
    """

    def __init__(self, settings: FrontendSettings):
        self.settings = settings
        self._c = _new_c_frontend(settings)
        self.n_channels = settings.filterbank_n_channels

    def push(self, samples) -> np.ndarray:
        """Frames (uint16, (n_new_frames, channels)) completed by these samples."""
        pcm = to_int16(samples)
        out = np.empty((self._c.frames_after(len(pcm)), self.n_channels), np.uint16)
        consumed, frames = self._c.process(pcm, out)
        if consumed != len(pcm) or frames != len(out):  # the C contract; never expected
            raise RuntimeError(f"C frontend consumed {consumed}/{len(pcm)} samples, "
                               f"{frames}/{len(out)} frames")
        return out

    def reset(self) -> None:
        """Forget buffered audio and filter state, as if newly made."""
        self._c.reset()

    def activity_detected(self) -> bool:
        """True if the activity detector tripped since the last call (needs
        activity_detection_enable)."""
        return self._c.activity_tripped()

    @property
    def state_bytes(self) -> int:
        return self._c.state_bytes


def _frames_of_clip(c_frontend, pcm: np.ndarray, n_channels: int) -> np.ndarray:
    c_frontend.reset()
    out = np.empty((c_frontend.frames_after(len(pcm)), n_channels), np.uint16)
    c_frontend.process(pcm, out)
    return out


def compute_frames(clips: Iterable, settings: FrontendSettings,
                   workers: int | None = None) -> list[np.ndarray]:
    """Frames of each clip, each from a fresh frontend (uint16, (frames, channels)).

    Runs on `workers` threads (default: every core); the C code releases the GIL.
    """
    clips = [to_int16(clip) for clip in clips]
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(clips)))
    n_channels = settings.filterbank_n_channels
    if workers == 1:
        c_frontend = _new_c_frontend(settings)
        return [_frames_of_clip(c_frontend, pcm, n_channels) for pcm in clips]
    local = threading.local()
    _new_c_frontend(settings)  # fail here, once, on a bad configuration

    def run(pcm):
        if not hasattr(local, "frontend"):
            local.frontend = _new_c_frontend(settings)
        return _frames_of_clip(local.frontend, pcm, n_channels)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, clips))


def model_input(frames: np.ndarray, settings: FrontendSettings) -> np.ndarray:
    """What the model reads for a window of frames (or a batch of windows).

    frames: uint16 (frames, channels), or (batch, frames, channels) with each window
    quantized on its own. With quantize_static_scale_enable every frame is quantized
    at the fixed scale (quantize_static). With quantize_dynamic_scale_enable the result is int8 from
    the C dynamic quantizer (the window's maximum -> +127, quantize_dynamic_scale_range_db
    below it and lower -> -128); otherwise float32 of the uint16 values.
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint16:
        raise KwstinyError(f"model_input needs the frontend's uint16 frames, got {frames.dtype}")
    if frames.ndim not in (2, 3) or frames.shape[-1] != settings.filterbank_n_channels:
        raise KwstinyError(f"model_input needs frames shaped (frames, "
                           f"{settings.filterbank_n_channels}) or (batch, frames, "
                           f"{settings.filterbank_n_channels}), got {frames.shape}")
    if settings.quantize_static_scale_enable:
        return quantize_static(frames, settings)
    if not settings.quantize_dynamic_scale_enable:
        return frames.astype(np.float32)
    module = _module()
    quant_range = module.quantize_range(settings.quantize_dynamic_scale_range_db,
                                        settings.log_scale_shift)
    frames = np.ascontiguousarray(frames)
    out = np.empty(frames.shape, np.int8)
    windows = frames.reshape((-1,) + frames.shape[-2:])
    for window, target in zip(windows, out.reshape(windows.shape)):
        module.quantize_dynamic(window, target, quant_range)
    return out


def quantize_static(frames: np.ndarray, settings: FrontendSettings) -> np.ndarray:
    """int8 of uint16 frames (any shape) at the settings' fixed scale, by the C code
    (quantize_static_scale_low -> -128, quantize_static_scale_high -> +127)."""
    frames = np.ascontiguousarray(frames, dtype=np.uint16)
    out = np.empty(frames.shape, np.int8)
    _module().quantize_static(frames, out, settings.quantize_static_scale_low,
                              settings.quantize_static_scale_high)
    return out


def static_scale_from_frames(frames, low_percentile: float = 1.0,
                             high_percentile: float = 99.9) -> tuple[int, int]:
    """(quantize_static_scale_low, quantize_static_scale_high) from training frames:
    the given percentiles of all their uint16 values, so the rare loudest values clip
    and the int8 steps are not wasted on them."""
    values = np.concatenate([np.asarray(f, np.uint16).reshape(-1) for f in frames])
    if values.size == 0:
        raise KwstinyError("static_scale_from_frames needs at least one frame")
    low = min(int(np.percentile(values, low_percentile)), 65534)
    high = min(max(int(np.ceil(np.percentile(values, high_percentile))), low + 1), 65535)
    return low, high


def clip_features(audio, settings: FrontendSettings) -> np.ndarray:
    """model_input of one clip's last n_frames frames, from a fresh frontend.

    A clip shorter than sample_length_ms is padded with silence in front (the
    newest audio stays at the end, where a streaming window would have it).
    """
    pcm = to_int16(audio)
    if len(pcm) < settings.sample_length:
        pcm = np.concatenate([np.zeros(settings.sample_length - len(pcm), np.int16), pcm])
    frames = Frontend(settings).push(pcm)
    return model_input(frames[-settings.n_frames:], settings)

