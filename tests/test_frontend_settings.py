"""FrontendSettings: validation that names the setting, derived sizes, metadata."""

from __future__ import annotations

import json

import pytest

from kwstiny.errors import KwstinyError, SettingError
from kwstiny.frontend import Frontend, FrontendSettings, state_bytes


@pytest.mark.parametrize("changes, setting, hint", [
    (dict(filterbank_n_channels=0), "filterbank_n_channels", "1 to 256"),
    (dict(fft_length=256, window_size_ms=30), "fft_length", "at least the window length"),
    (dict(fft_length=500), "fft_length", "power of two"),
    (dict(fft_length=8192, window_size_ms=30), "fft_length", "at most 4096"),
    (dict(filterbank_upper_band_limit=8000.0), "filterbank_upper_band_limit", "below Nyquist"),
    (dict(sample_rate_hz=8000), "filterbank_upper_band_limit", r"below Nyquist \(4000 Hz"),
    (dict(filterbank_lower_band_limit=7600.0), "filterbank_lower_band_limit", "upper band"),
    (dict(filterbank_lower_band_limit=-1.0), "filterbank_lower_band_limit", "0 up to"),
    (dict(window_size_ms=0), "window_size_ms", "> 0"),
    (dict(window_size_ms=300, sample_length_ms=1000), "window_size_ms", "at most 4096"),
    (dict(window_step_ms=40, window_size_ms=30), "window_step_ms", "1 to window_size_ms"),
    (dict(sample_rate_hz=4000), "sample_rate_hz", "8000 to 48000"),
    (dict(sample_length_ms=20), "sample_length_ms", "at least one window"),
    (dict(pcan_enable=True), "pcan_enable", "noise_reduction_enable"),
    (dict(pcan_enable=True, noise_reduction_enable=True, pcan_gain_bits=12), "pcan_gain_bits",
     "at least 15"),
    (dict(noise_reduction_even_smoothing=1.5), "noise_reduction_even_smoothing", "0.0 to 1.0"),
    (dict(noise_reduction_smoothing_bits=0), "noise_reduction_smoothing_bits", "1 to 16"),
    (dict(log_scale_shift=16), "log_scale_shift", "0 to 15"),
    (dict(dc_notch_filter_coefficient=1.0), "dc_notch_filter_coefficient", "strictly between"),
    (dict(quantize_dynamic_scale_enable=True, quantize_dynamic_scale_range_db=0.1),
     "quantize_dynamic_scale_range_db", "one feature unit"),
    (dict(filterbank_n_channels=40.0), "filterbank_n_channels", "an int"),
    (dict(pcan_enable=1), "pcan_enable", "a bool"),
])
def test_bad_settings_name_the_setting(changes, setting, hint):
    with pytest.raises(SettingError, match=hint) as caught:
        FrontendSettings(**changes)
    assert caught.value.name == setting
    assert str(caught.value).startswith(f"frontend.{setting} = ")
    assert isinstance(caught.value, KwstinyError)


def test_derived_sizes():
    s = FrontendSettings(sample_length_ms=1200, window_size_ms=30, window_step_ms=10,
                         filterbank_n_channels=108)
    assert (s.window_samples, s.step_samples, s.fft_size) == (480, 160, 512)
    assert s.spectrogram_shape == (118, 108)
    assert FrontendSettings(sample_rate_hz=8000, filterbank_upper_band_limit=3800.0,
                            window_size_ms=30).fft_size == 256
    assert FrontendSettings(window_size_ms=30, fft_length=1024).fft_size == 1024


def test_explicit_automatic_fft_length_is_the_same_settings():
    assert FrontendSettings(window_size_ms=30, fft_length=512) == FrontendSettings(window_size_ms=30)


ALEXA_METADATA = {  # as MLTK's keyword_spotting_alexa model stores it (float32 values)
    "fe.sample_rate_hz": 16000, "fe.fft_length": 512, "fe.sample_length_ms": 1200,
    "fe.window_size_ms": 30, "fe.window_step_ms": 10, "fe.filterbank_n_channels": 108,
    "fe.filterbank_upper_band_limit": 7500.0, "fe.filterbank_lower_band_limit": 125.0,
    "fe.noise_reduction_enable": True, "fe.noise_reduction_smoothing_bits": 10,
    "fe.noise_reduction_even_smoothing": 0.02500000037252903,
    "fe.noise_reduction_odd_smoothing": 0.05999999865889549,
    "fe.noise_reduction_min_signal_remaining": 0.4000000059604645, "fe.pcan_enable": False,
    "fe.pcan_strength": 0.949999988079071, "fe.pcan_offset": 80.0, "fe.pcan_gain_bits": 21,
    "fe.log_scale_enable": True, "fe.log_scale_shift": 6, "fe.activity_detection_enable": False,
    "fe.activity_detection_alpha_a": 0.5, "fe.activity_detection_alpha_b": 0.800000011920929,
    "fe.activity_detection_arm_threshold": 0.75,
    "fe.activity_detection_trip_threshold": 0.800000011920929, "fe.dc_notch_filter_enable": True,
    "fe.dc_notch_filter_coefficient": 0.949999988079071,
    "fe.quantize_dynamic_scale_enable": True, "fe.quantize_dynamic_scale_range_db": 40.0,
}


def test_metadata_round_trip_through_json():
    from kwstiny.spec import load_spec
    for settings in (FrontendSettings(), load_spec("keyword_spotting_alexa").frontend,
                     FrontendSettings(window_size_ms=30, fft_length=1024, pcan_enable=True,
                                      noise_reduction_enable=True)):
        metadata = json.loads(json.dumps(settings.to_metadata()))
        assert metadata["fe.fft_length"] == settings.fft_size  # MLTK stores the size in use
        assert FrontendSettings.from_metadata(metadata) == settings


def test_mltk_metadata_gives_the_same_frontend():
    """float32-rounded values and MLTK's "True" strings rebuild the spec's frontend,
    and the C frontend computes identical frames from either."""
    import numpy as np
    from kwstiny.spec import load_spec
    spec = load_spec("keyword_spotting_alexa").frontend
    loaded = FrontendSettings.from_metadata(ALEXA_METADATA)
    assert loaded.spectrogram_shape == spec.spectrogram_shape
    as_strings = {k: str(v) for k, v in ALEXA_METADATA.items()}
    assert FrontendSettings.from_metadata(as_strings) == loaded
    audio = (0.1 * np.random.default_rng(0).standard_normal(19200)).astype(np.float32)
    np.testing.assert_array_equal(Frontend(loaded).push(audio), Frontend(spec).push(audio))


@pytest.mark.parametrize("metadata, message", [
    ({"fe.window_size_ms": 30, "fe.bogus": 1}, "unknown frontend setting 'fe.bogus'"),
    ({"name": "x"}, "no frontend settings"),
    ({"fe.pcan_enable": "maybe"}, "fe.pcan_enable = 'maybe' is not a bool"),
    ({"fe.window_size_ms": "thirty"}, "fe.window_size_ms = 'thirty' is not an int"),
    ({"fe.window_size_ms": 30.5}, "is not an int"),
    ({"fe.filterbank_n_channels": 0}, "frontend.filterbank_n_channels = 0"),
])
def test_bad_metadata_is_a_clear_error(metadata, message):
    with pytest.raises(KwstinyError, match=message):
        FrontendSettings.from_metadata(metadata)


def test_c_frontend_accepts_every_valid_python_setting_it_is_given():
    """Settings that pass validation build a C frontend (at the edges of the ranges)."""
    for settings in (
        FrontendSettings(sample_rate_hz=48000, window_size_ms=85, sample_length_ms=1000,
                         filterbank_upper_band_limit=23999.0, filterbank_n_channels=256),
        FrontendSettings(sample_rate_hz=8000, window_size_ms=1, window_step_ms=1,
                         filterbank_upper_band_limit=3999.0, filterbank_lower_band_limit=0.0,
                         filterbank_n_channels=1),
        FrontendSettings(noise_reduction_enable=True, pcan_enable=True, pcan_gain_bits=30,
                         noise_reduction_smoothing_bits=16, log_scale_shift=15),
    ):
        assert state_bytes(settings) > 0


def test_c_config_errors_name_the_setting():
    """The C library checks its own config too (firmware has no Python in front)."""
    from kwstiny.frontend import _cfrontend
    from kwstiny.frontend.frontend import c_config
    config = c_config(FrontendSettings())
    assert _cfrontend.state_size(config) == state_bytes(FrontendSettings())
    for field, value in (("filterbank_upper_band_limit", 8000.0), ("filterbank_n_channels", 0),
                         ("window_step_ms", 40), ("fft_length", 100), ("log_scale_shift", 20)):
        with pytest.raises(_cfrontend.ConfigError) as caught:
            _cfrontend.Frontend({**config, field: value})
        assert caught.value.args[0] == field
        with pytest.raises(_cfrontend.ConfigError):
            _cfrontend.state_size({**config, field: value})
    with pytest.raises(_cfrontend.ConfigError) as caught:
        _cfrontend.Frontend({**config, "pcan_enable": 1, "noise_reduction_enable": 0})
    assert caught.value.args[0] == "pcan_enable"
    incomplete = dict(config)
    del incomplete["pcan_offset"]
    with pytest.raises(KeyError, match="pcan_offset"):
        _cfrontend.Frontend(incomplete)
