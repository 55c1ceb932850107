"""`--dump-audio` / `--dump-spectrograms`: what the model heard and saw at each detection,
written atomically (a wav of the window's audio, a PNG of its model input)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kwstiny.frontend.settings import FrontendSettings
from kwstiny.paths import atomic_path
from kwstiny.stream.loop import Inference


class DetectionDumper:
    def __init__(self, settings: FrontendSettings, audio_dir: str | Path | None = None,
                 spectrogram_dir: str | Path | None = None):
        self.settings = settings
        self.audio_dir = Path(audio_dir) if audio_dir else None
        self.spectrogram_dir = Path(spectrogram_dir) if spectrogram_dir else None
        # The microphone has no file name: a start time keeps runs from overwriting.
        self.session = time.strftime("%Y%m%d-%H%M%S")

    @property
    def needs_audio(self) -> bool:
        return self.audio_dir is not None or self.spectrogram_dir is not None

    def stem(self, inference: Inference) -> str:
        source = Path(inference.segment).stem if inference.segment != "microphone" \
            else f"microphone-{self.session}"
        detection = inference.detection
        return f"{source}-{inference.time_ms:09d}ms-{detection.label}-{detection.score}"

    def dump(self, inference: Inference) -> list[Path]:
        """Write the files for one detection; returns their paths."""
        written = []
        if self.audio_dir is not None and inference.audio is not None:
            from kwstiny.data.audio import write_wav
            path = self.audio_dir / f"{self.stem(inference)}.wav"
            written.append(write_wav(path, inference.audio, self.settings.sample_rate_hz))
        if self.spectrogram_dir is not None:
            path = self.spectrogram_dir / f"{self.stem(inference)}.png"
            written.append(self._plot(inference, path))
        return written

    def _plot(self, inference: Inference, path: Path) -> Path:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        s = self.settings
        features = np.asarray(inference.features).reshape(s.n_frames, s.filterbank_n_channels)
        seconds = s.sample_length_ms / 1000
        start = (inference.end_sample / s.sample_rate_hz) - seconds
        detection = inference.detection
        panels = 2 if inference.audio is not None else 1
        figure, axes = plt.subplots(panels, 1, figsize=(9, 3 + 2.5 * panels),
                                    constrained_layout=True, squeeze=False)
        axes = axes[:, 0]
        if inference.audio is not None:
            t = start + np.arange(len(inference.audio)) / s.sample_rate_hz
            axes[0].plot(t, inference.audio, linewidth=0.5)
            axes[0].set_xlim(t[0], t[-1] if len(t) > 1 else t[0] + seconds)
            axes[0].set_ylim(-1, 1)
            axes[0].set_ylabel("audio")
        image = axes[-1].imshow(features.T, origin="lower", aspect="auto", cmap="magma",
                                interpolation="nearest",
                                extent=(start, start + seconds, 0, s.filterbank_n_channels))
        axes[-1].set_xlabel("time in stream (s)")
        axes[-1].set_ylabel("channel")
        figure.colorbar(image, ax=axes[-1], label=str(features.dtype))
        axes[0].set_title(f"{Path(inference.segment).name}: {detection.label} "
                          f"(score {detection.score}) at {inference.time_ms / 1000:.2f} s; "
                          f"model input")
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format="png", dpi=90)
        plt.close(figure)
        return path
