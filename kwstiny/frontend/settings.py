"""Settings of the audio frontend: one frozen dataclass, validated on construction.

Names follow the microfrontend stages in pipeline order. The same settings ride in
every .tflite's metadata under keys `fe.<name>`, so a consumer rebuilds exactly the
frontend the model was trained with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

from kwstiny.errors import KwstinyError, check

METADATA_PREFIX = "fe."


@dataclass(frozen=True)
class FrontendSettings:
    sample_rate_hz: int = 16000
    sample_length_ms: int = 1000
    window_size_ms: int = 30
    window_step_ms: int = 10
    # 0 picks the smallest power of two that holds a window.
    fft_length: int = 0

    filterbank_n_channels: int = 40
    filterbank_lower_band_limit: float = 125.0
    filterbank_upper_band_limit: float = 7500.0

    noise_reduction_enable: bool = False
    noise_reduction_smoothing_bits: int = 10
    noise_reduction_even_smoothing: float = 0.025
    noise_reduction_odd_smoothing: float = 0.06
    noise_reduction_min_signal_remaining: float = 0.05

    pcan_enable: bool = False
    pcan_strength: float = 0.95
    pcan_offset: float = 80.0
    pcan_gain_bits: int = 21

    log_scale_enable: bool = True
    log_scale_shift: int = 6

    activity_detection_enable: bool = False
    activity_detection_alpha_a: float = 0.5
    activity_detection_alpha_b: float = 0.8
    activity_detection_arm_threshold: float = 0.75
    activity_detection_trip_threshold: float = 0.8

    dc_notch_filter_enable: bool = False
    dc_notch_filter_coefficient: float = 0.95

    quantize_dynamic_scale_enable: bool = False
    quantize_dynamic_scale_range_db: float = 40.0

    def __post_init__(self):
        own = "frontend"
        for f in fields(self):
            value = getattr(self, f.name)
            want = {"int": int, "float": (int, float), "bool": bool}[f.type]
            ok = isinstance(value, want) and not (f.type != "bool" and isinstance(value, bool))
            check(ok, own, f.name, value, f"a {f.type}")
        check(8000 <= self.sample_rate_hz <= 48000, own, "sample_rate_hz", self.sample_rate_hz,
              "8000 to 48000 Hz")
        check(self.sample_length_ms > 0, own, "sample_length_ms", self.sample_length_ms, "> 0")
        check(self.window_size_ms > 0, own, "window_size_ms", self.window_size_ms, "> 0")
        check(0 < self.window_step_ms <= self.window_size_ms, own, "window_step_ms",
              self.window_step_ms, f"1 to window_size_ms ({self.window_size_ms})")
        check(self.window_samples <= self.sample_length_ms * self.sample_rate_hz // 1000, own,
              "sample_length_ms", self.sample_length_ms, "at least one window long")
        if self.fft_length:
            check(self.fft_length & (self.fft_length - 1) == 0, own, "fft_length",
                  self.fft_length, "0 (automatic) or a power of two")
            check(self.fft_length >= self.window_samples, own, "fft_length", self.fft_length,
                  f"at least the window length ({self.window_samples} samples)")
        check(1 <= self.filterbank_n_channels <= 256, own, "filterbank_n_channels",
              self.filterbank_n_channels, "1 to 256")
        nyquist = self.sample_rate_hz / 2
        check(0 <= self.filterbank_lower_band_limit < self.filterbank_upper_band_limit, own,
              "filterbank_lower_band_limit", self.filterbank_lower_band_limit,
              f"0 up to the upper band limit ({self.filterbank_upper_band_limit} Hz)")
        check(self.filterbank_upper_band_limit <= nyquist, own, "filterbank_upper_band_limit",
              self.filterbank_upper_band_limit, f"at most Nyquist ({nyquist:g} Hz)")
        check(1 <= self.noise_reduction_smoothing_bits <= 16, own,
              "noise_reduction_smoothing_bits", self.noise_reduction_smoothing_bits, "1 to 16")
        for name in ("noise_reduction_even_smoothing", "noise_reduction_odd_smoothing",
                     "noise_reduction_min_signal_remaining", "pcan_strength",
                     "activity_detection_alpha_a", "activity_detection_alpha_b",
                     "activity_detection_arm_threshold", "activity_detection_trip_threshold"):
            value = getattr(self, name)
            check(0.0 <= value <= 1.0, own, name, value, "0.0 to 1.0")
        check(self.pcan_offset > 0, own, "pcan_offset", self.pcan_offset, "> 0")
        check(1 <= self.pcan_gain_bits <= 30, own, "pcan_gain_bits", self.pcan_gain_bits, "1 to 30")
        check(0 <= self.log_scale_shift <= 15, own, "log_scale_shift", self.log_scale_shift,
              "0 to 15")
        check(0.0 < self.dc_notch_filter_coefficient < 1.0, own, "dc_notch_filter_coefficient",
              self.dc_notch_filter_coefficient, "strictly between 0.0 and 1.0")
        check(0.0 < self.quantize_dynamic_scale_range_db <= 120.0, own,
              "quantize_dynamic_scale_range_db", self.quantize_dynamic_scale_range_db,
              "above 0 and at most 120 dB")

    # Derived sizes -----------------------------------------------------------------
    @property
    def window_samples(self) -> int:
        return self.window_size_ms * self.sample_rate_hz // 1000

    @property
    def step_samples(self) -> int:
        return self.window_step_ms * self.sample_rate_hz // 1000

    @property
    def fft_size(self) -> int:
        """The FFT length in use: the explicit one, or the next power of two."""
        if self.fft_length:
            return self.fft_length
        size = 1
        while size < self.window_samples:
            size <<= 1
        return size

    @property
    def sample_length(self) -> int:
        """Samples in one clip."""
        return self.sample_length_ms * self.sample_rate_hz // 1000

    @property
    def n_frames(self) -> int:
        """Frames the frontend produces for one clip."""
        return (self.sample_length - self.window_samples) // self.step_samples + 1

    @property
    def spectrogram_shape(self) -> tuple[int, int]:
        return (self.n_frames, self.filterbank_n_channels)

    @property
    def output_dtype(self) -> str:
        return "int8" if self.quantize_dynamic_scale_enable else "uint16"

    def replace(self, **changes) -> "FrontendSettings":
        return dataclasses.replace(self, **changes)

    # Metadata ------------------------------------------------------------------------
    def to_metadata(self) -> dict:
        """The settings as flat `fe.<name>` keys (plus the derived FFT length)."""
        data = {METADATA_PREFIX + f.name: getattr(self, f.name) for f in fields(self)}
        data[METADATA_PREFIX + "fft_length"] = self.fft_size
        return data

    @classmethod
    def from_metadata(cls, metadata: dict) -> "FrontendSettings":
        """Rebuild settings from a metadata dictionary; unknown `fe.` keys are an error."""
        known = {f.name: f.type for f in fields(cls)}
        values = {}
        for key, value in metadata.items():
            if not key.startswith(METADATA_PREFIX):
                continue
            name = key[len(METADATA_PREFIX):]
            if name not in known:
                raise KwstinyError(f"model metadata has an unknown frontend setting {key!r}")
            kind = known[name]
            values[name] = bool(value) if kind == "bool" else int(value) if kind == "int" else float(value)
        if not values:
            raise KwstinyError("model metadata holds no frontend settings (no 'fe.' keys)")
        settings = cls(**values)
        # The metadata always states the FFT length; 0 means "automatic" in a spec.
        if settings.fft_length and settings.fft_length == settings.replace(fft_length=0).fft_size:
            settings = settings.replace(fft_length=0)
        return settings
