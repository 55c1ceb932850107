"""`kwstiny view_audio`: a picture of what the model sees for one audio file.

Two panels: the frontend's uint16 output over the whole file (time across, channels
up), and the model's input for the clip: the last n_frames frames after the
frontend ran over the file, dynamically quantized to int8 when the spec says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.frontend.frontend import Frontend, model_input
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.paths import atomic_path


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Mono float32 at `sample_rate` (channels averaged, resampled with soxr)."""
    import soundfile
    import soxr
    path = Path(path)
    if not path.is_file():
        raise KwstinyError(f"audio file not found: {path}")
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise KwstinyError(f"cannot read audio file {path}: {error}") from None
    if audio.size == 0:
        raise KwstinyError(f"audio file {path} holds no samples")
    mono = audio.mean(axis=1)
    if rate != sample_rate:
        mono = soxr.resample(mono, rate, sample_rate)
    return np.ascontiguousarray(mono, dtype=np.float32)


def render_spectrogram(path: str | Path, settings: FrontendSettings, output: str | Path,
                       title: str | None = None) -> Path:
    """Write the PNG for one audio file; returns its path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    audio = read_audio(path, settings.sample_rate_hz)
    frames = Frontend(settings).push(audio)
    if len(frames) == 0:
        raise KwstinyError(f"{path} is shorter than one {settings.window_size_ms} ms window")
    window = frames[-settings.n_frames:]
    if len(window) < settings.n_frames:  # short file: silence in front, as clip_features
        pad = Frontend(settings).push(np.zeros(settings.sample_length, np.float32))
        window = np.concatenate([pad[:settings.n_frames - len(window)], window])
    features = model_input(window, settings)
    step_s = settings.window_step_ms / 1000
    seconds = len(audio) / settings.sample_rate_hz

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), constrained_layout=True)
    image = top.imshow(frames.T, origin="lower", aspect="auto", cmap="magma", interpolation="nearest",
                       extent=(0, len(frames) * step_s, 0, settings.filterbank_n_channels))
    top.set_title(title or f"{Path(path).name}: frontend output ({seconds:.2f} s, "
                           f"{settings.sample_rate_hz} Hz)")
    top.set_xlabel("time (s)")
    top.set_ylabel("mel channel")
    figure.colorbar(image, ax=top, label="uint16")
    kind = ("int8, dynamic scale" if settings.quantize_dynamic_scale_enable else
            "int8, static scale" if settings.quantize_static_scale_enable else "float32")
    image = bottom.imshow(features.T, origin="lower", aspect="auto", cmap="magma",
                          interpolation="nearest",
                          extent=(0, len(features) * step_s, 0, settings.filterbank_n_channels))
    bottom.set_title(f"model input: last {settings.n_frames} frames "
                     f"({settings.sample_length_ms} ms), {kind}")
    bottom.set_xlabel("time in window (s)")
    bottom.set_ylabel("mel channel")
    figure.colorbar(image, ax=bottom, label=kind.split(",")[0])
    output = Path(output)
    with atomic_path(output) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    return output
