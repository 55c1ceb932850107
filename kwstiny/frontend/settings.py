"""Settings of the audio frontend: one frozen dataclass, validated on construction.

Names follow the microfrontend stages in pipeline order. The same settings ride in
every .tflite's metadata under keys `fe.<name>`, so a consumer rebuilds exactly the
frontend the model was trained with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

import numpy as np

from kwstiny.errors import KwstinyError, check

METADATA_PREFIX = "fe."
# The C frontend's FFT limit (its tables index bins with 16 bits).
MAX_FFT_SIZE = 4096


_ARTICLE = {"int": "an int", "float": "a float", "bool": "a bool"}


def _next_power_of_two(n: int) -> int:
    """The smallest power of two >= n, at least 8 (the C FFT's minimum)."""
    size = 8
    while size < n:
        size <<= 1
    return size


@dataclass(frozen=True)
class FrontendSettings:
    """Every setting of the C frontend (kwstiny/frontend/c), named like MLTK's
    AudioFeatureGenerator.

    Per frame: [DC notch] -> Hann window -> FFT -> mel filterbank -> [activity
    detector] -> [noise reduction] -> [PCAN, needs noise reduction] -> [log scale],
    giving uint16 features. With quantize_dynamic_scale_enable the model reads a
    window of n_frames frames as int8: the window's maximum maps to +127 and values
    quantize_dynamic_scale_range_db or more below it (in log units: D dB =
    D * 2^log_scale_shift * ln(10) / 20 feature units) map to -128; see
    kws_quantize.h for the exact integer formula.

    With quantize_static_scale_enable each frame is quantized on its own with a
    fixed scale instead: quantize_static_scale_low (uint16 feature units) maps to
    -128 and quantize_static_scale_high to +127 (choose them from training data,
    `kwstiny.frontend.static_scale_from_frames`). A frame's int8 features then never
    depend on later frames, which is what streaming models need.
    """

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

    quantize_static_scale_enable: bool = False
    quantize_static_scale_low: int = 0
    quantize_static_scale_high: int = 1023

    def __post_init__(self):
        own = "frontend"
        for f in fields(self):
            value = getattr(self, f.name)
            want = {"int": int, "float": (int, float), "bool": bool}[f.type]
            ok = isinstance(value, want) and not (f.type != "bool" and isinstance(value, bool))
            check(ok, own, f.name, value, _ARTICLE[f.type])
        check(8000 <= self.sample_rate_hz <= 48000, own, "sample_rate_hz", self.sample_rate_hz,
              "8000 to 48000 Hz")
        check(self.sample_length_ms > 0, own, "sample_length_ms", self.sample_length_ms, "> 0")
        check(self.window_size_ms > 0, own, "window_size_ms", self.window_size_ms, "> 0")
        check(0 < self.window_step_ms <= self.window_size_ms, own, "window_step_ms",
              self.window_step_ms, f"1 to window_size_ms ({self.window_size_ms})")
        check(self.window_samples <= self.sample_length_ms * self.sample_rate_hz // 1000, own,
              "sample_length_ms", self.sample_length_ms, "at least one window long")
        check(self.window_samples <= MAX_FFT_SIZE, own, "window_size_ms", self.window_size_ms,
              f"at most {MAX_FFT_SIZE} samples at {self.sample_rate_hz} Hz "
              f"({MAX_FFT_SIZE * 1000 // self.sample_rate_hz} ms)")
        if self.fft_length:
            check(self.fft_length > 0 and self.fft_length & (self.fft_length - 1) == 0, own,
                  "fft_length", self.fft_length, "0 (automatic) or a power of two")
            check(self.fft_length >= self.window_samples, own, "fft_length", self.fft_length,
                  f"at least the window length ({self.window_samples} samples)")
            check(self.fft_length <= MAX_FFT_SIZE, own, "fft_length", self.fft_length,
                  f"at most {MAX_FFT_SIZE}")
            if self.fft_length == _next_power_of_two(self.window_samples):
                # The automatic size spelled out: store it as automatic so the two
                # spellings compare equal and round-trip through metadata.
                object.__setattr__(self, "fft_length", 0)
        check(1 <= self.filterbank_n_channels <= 256, own, "filterbank_n_channels",
              self.filterbank_n_channels, "1 to 256")
        nyquist = self.sample_rate_hz / 2
        check(0 <= self.filterbank_lower_band_limit < self.filterbank_upper_band_limit, own,
              "filterbank_lower_band_limit", self.filterbank_lower_band_limit,
              f"0 up to the upper band limit ({self.filterbank_upper_band_limit} Hz)")
        check(self.filterbank_upper_band_limit < nyquist, own, "filterbank_upper_band_limit",
              self.filterbank_upper_band_limit,
              f"below Nyquist ({nyquist:g} Hz at {self.sample_rate_hz} Hz)")
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
        if self.pcan_enable:
            check(self.noise_reduction_enable, own, "pcan_enable", self.pcan_enable,
                  "only with noise_reduction_enable (PCAN divides by its noise estimate)")
            least = self.correction_bits + 12
            check(self.pcan_gain_bits >= least, own, "pcan_gain_bits", self.pcan_gain_bits,
                  f"at least {least} with a {self.fft_size}-point FFT")
        check(0 <= self.log_scale_shift <= 15, own, "log_scale_shift", self.log_scale_shift,
              "0 to 15")
        check(0.0 < self.dc_notch_filter_coefficient < 1.0, own, "dc_notch_filter_coefficient",
              self.dc_notch_filter_coefficient, "strictly between 0.0 and 1.0")
        check(0.0 < self.quantize_dynamic_scale_range_db <= 120.0, own,
              "quantize_dynamic_scale_range_db", self.quantize_dynamic_scale_range_db,
              "above 0 and at most 120 dB")
        if self.quantize_dynamic_scale_enable:
            check(self.quantize_range >= 1, own, "quantize_dynamic_scale_range_db",
                  self.quantize_dynamic_scale_range_db,
                  f"wide enough for one feature unit at log_scale_shift {self.log_scale_shift}")

        check(0 <= self.quantize_static_scale_low < self.quantize_static_scale_high <= 65535, own,
              "quantize_static_scale_high", self.quantize_static_scale_high,
              f"above quantize_static_scale_low ({self.quantize_static_scale_low}) and at most "
              "65535, with the low end >= 0")
        if self.quantize_static_scale_enable:
            check(not self.quantize_dynamic_scale_enable, own, "quantize_static_scale_enable",
                  self.quantize_static_scale_enable,
                  "off while quantize_dynamic_scale_enable is on (pick one int8 scaling)")

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
        return self.fft_length or _next_power_of_two(self.window_samples)

    @property
    def correction_bits(self) -> int:
        """log2(fft_size) - 7: how the C frontend rescales for the FFT size."""
        return self.fft_size.bit_length() - 1 - 6

    @property
    def quantize_range(self) -> int:
        """quantize_dynamic_scale_range_db in uint16 feature units (what the C code uses).

        With the log scale on, one feature unit is 2^-log_scale_shift of a natural log,
        so D dB is D * 2^shift * ln(10) / 20 units, truncated (float32 math, as MLTK).
        """
        units = float(np.float32(self.quantize_dynamic_scale_range_db) * np.float32(1 << self.log_scale_shift))
        return int(units * 0.11512925465)

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
        return "int8" if self.int8_features else "uint16"

    @property
    def int8_features(self) -> bool:
        """Whether the model reads int8 features (dynamic or static scale)."""
        return self.quantize_dynamic_scale_enable or self.quantize_static_scale_enable

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
            values[name] = _parse(key, known[name], value)
        if not values:
            raise KwstinyError("model metadata holds no frontend settings (no 'fe.' keys)")
        return cls(**values)


def _parse(key: str, kind: str, value):
    """One metadata value as the field's type; MLTK-style strings ("True", "0.95") too."""
    try:
        if kind == "bool":
            if isinstance(value, str):
                text = value.strip().lower()
                if text not in ("true", "false", "1", "0"):
                    raise ValueError(value)
                return text in ("true", "1")
            if value not in (0, 1):  # True/False compare equal to 1/0
                raise ValueError(value)
            return bool(value)
        if kind == "int":
            number = float(value)
            if number != int(number):
                raise ValueError(value)
            return int(number)
        return float(value)
    except (TypeError, ValueError):
        raise KwstinyError(f"model metadata {key} = {value!r} is not {_ARTICLE[kind]}") from None
