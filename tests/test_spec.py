"""Spec files: loading by name, path and variant; typos fail naming spec and setting."""

import textwrap

import pytest

from kwstiny.errors import KwstinyError, SettingError
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.spec import DetectionSettings, ModelSpec, load_spec


def test_alexa_spec_carries_the_reference_choices():
    spec = load_spec("keyword_spotting_alexa")
    fe = spec.frontend
    assert (fe.sample_rate_hz, fe.sample_length_ms, fe.window_size_ms, fe.window_step_ms) == (
        16000, 1200, 30, 10)
    assert fe.filterbank_n_channels == 108
    assert (fe.filterbank_lower_band_limit, fe.filterbank_upper_band_limit) == (125.0, 7500.0)
    assert fe.noise_reduction_enable and fe.noise_reduction_smoothing_bits == 10
    assert (fe.noise_reduction_even_smoothing, fe.noise_reduction_odd_smoothing) == (0.025, 0.06)
    assert fe.noise_reduction_min_signal_remaining == 0.40
    assert fe.dc_notch_filter_enable and fe.dc_notch_filter_coefficient == 0.95
    assert fe.quantize_dynamic_scale_enable and fe.quantize_dynamic_scale_range_db == 40.0
    assert spec.input_shape == (118, 1, 108)
    assert spec.classes == ("alexa", "_unknown_")
    assert spec.train.class_weights == "balanced"
    assert spec.model.name == "TENet12"
    d = spec.detection
    assert (d.latency_ms, d.minimum_count, d.average_window_duration_ms,
            d.detection_threshold, d.suppression_ms) == (200, 2, 440, 216, 900)


def test_metadata_holds_everything_a_consumer_needs():
    spec = load_spec("keyword_spotting_alexa")
    meta = spec.metadata()
    assert meta["classes"] == ["alexa", "_unknown_"]
    assert meta["name"] == "keyword_spotting_alexa" and meta["version"] == 1
    assert meta["fe.fft_length"] == 512 and meta["detection_threshold"] == 216
    assert FrontendSettings.from_metadata(meta) == spec.frontend
    assert DetectionSettings.from_metadata(meta) == spec.detection


def test_test_variant_is_a_tiny_dry_run():
    spec = load_spec("keyword_spotting_alexa-test")
    assert spec.name == "keyword_spotting_alexa-test"
    assert spec.train.epochs == 2 and spec.dataset.scale == "test"
    assert spec.frontend == load_spec("keyword_spotting_alexa").frontend


def test_declared_variant_and_unknown_variant():
    assert load_spec("keyword_spotting_alexa-demo").dataset.scale == "demo"
    with pytest.raises(KwstinyError, match="no variant 'nope'"):
        load_spec("keyword_spotting_alexa-nope")


def test_unknown_spec_name_suggests_close_ones():
    with pytest.raises(KwstinyError, match="keyword_spotting_alexa"):
        load_spec("keyword_spoting_alexa")


def _write_spec(tmp_path, body, name="my_spec"):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


HEADER = """
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models import tenet
from kwstiny.spec import ModelChoice, ModelSpec, TrainSpec
"""


def test_spec_by_path(tmp_path):
    path = _write_spec(tmp_path, HEADER + """
spec = ModelSpec(name="my_spec", frontend=FrontendSettings(), model=ModelChoice(tenet.TENet6))
""")
    spec = load_spec(str(path))
    assert spec.name == "my_spec" and spec.path == str(path)


def test_typo_in_setting_names_the_spec_and_the_setting(tmp_path):
    path = _write_spec(tmp_path, HEADER + """
spec = ModelSpec(name="my_spec", frontend=FrontendSettings(), model=ModelChoice(tenet.TENet6),
                 train=TrainSpec(epochz=3))
""")
    with pytest.raises(KwstinyError) as info:
        load_spec(str(path))
    message = str(info.value)
    assert "my_spec" in message and "'epochz'" in message and "'epochs'" in message
    assert "line 7" in message  # the line with the typo


def test_typo_in_frontend_setting(tmp_path):
    path = _write_spec(tmp_path, HEADER + """
spec = ModelSpec(name="my_spec", frontend=FrontendSettings(filterbank_n_chanels=40),
                 model=ModelChoice(tenet.TENet6))
""")
    with pytest.raises(KwstinyError, match="filterbank_n_chanels.*filterbank_n_channels"):
        load_spec(str(path))


def test_unknown_model_option_names_the_builder(tmp_path):
    path = _write_spec(tmp_path, HEADER + """
spec = ModelSpec(name="my_spec", frontend=FrontendSettings(),
                 model=ModelChoice(tenet.TENet6, {"chanels": 16}))
""")
    with pytest.raises(KwstinyError, match="'chanels'.*TENet6.*'channels'"):
        load_spec(str(path))


def test_bad_value_names_setting_value_and_allowed(tmp_path):
    path = _write_spec(tmp_path, HEADER + """
spec = ModelSpec(name="my_spec", frontend=FrontendSettings(), model=ModelChoice(tenet.TENet6),
                 train=TrainSpec(epochs=0))
""")
    with pytest.raises(KwstinyError, match=r"train.epochs = 0 .*>= 1"):
        load_spec(str(path))


def test_spec_name_must_match_file(tmp_path):
    path = _write_spec(tmp_path, HEADER + """
spec = ModelSpec(name="other", frontend=FrontendSettings(), model=ModelChoice(tenet.TENet6))
""")
    with pytest.raises(KwstinyError, match="must match the file name"):
        load_spec(str(path))


def test_overrides_replace_nested_settings_and_reject_typos():
    spec = load_spec("keyword_spotting_alexa")
    changed = spec.with_overrides({"train.epochs": 3, "frontend.filterbank_n_channels": 40,
                                   "model.options.channels": 16})
    assert changed.train.epochs == 3 and changed.input_shape == (118, 1, 40)
    assert changed.model.options == {"channels": 16}
    with pytest.raises(KwstinyError, match="did you mean 'epochs'"):
        spec.with_overrides({"train.epoch": 3})
    with pytest.raises(KwstinyError, match="'chanels'"):
        spec.with_overrides({"model.options.chanels": 16})
    with pytest.raises(SettingError):
        spec.with_overrides({"frontend.filterbank_n_channels": 0})


@pytest.mark.parametrize("changes, setting", [
    ({"filterbank_n_channels": 0}, "filterbank_n_channels"),
    ({"filterbank_upper_band_limit": 9000.0}, "filterbank_upper_band_limit"),
    ({"fft_length": 256}, "fft_length"),
    ({"window_step_ms": 40}, "window_step_ms"),
    ({"sample_rate_hz": 4000}, "sample_rate_hz"),
    ({"noise_reduction_min_signal_remaining": 1.5}, "noise_reduction_min_signal_remaining"),
    ({"pcan_enable": 1}, "pcan_enable"),
])
def test_frontend_settings_validation_names_the_setting(changes, setting):
    with pytest.raises(SettingError) as info:
        FrontendSettings(**changes)
    assert info.value.name == setting
    assert setting in str(info.value)


def test_frontend_derived_sizes():
    fe = load_spec("keyword_spotting_alexa").frontend
    assert (fe.window_samples, fe.step_samples, fe.fft_size, fe.n_frames) == (480, 160, 512, 118)
    assert fe.output_dtype == "int8"
    assert ModelSpec  # imported for the spec files above


def test_a_sweep_runs_spec_is_rebuilt_from_its_record_or_named_as_unreadable(tmp_path,
                                                                               monkeypatch):
    import json

    from kwstiny.spec import SWEEP_POINT_FILE, load_run_spec
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path))
    run = tmp_path / "models" / "keyword_spotting_alexa-demo.seed-7"
    run.mkdir(parents=True)
    record = run / SWEEP_POINT_FILE
    record.write_text(json.dumps({"spec": "keyword_spotting_alexa-demo", "file": "",
                                  "overrides": {"train.seed": 7, "train.epochs": 3}}))
    spec = load_run_spec(run.name)
    assert spec.name == run.name and spec.train.seed == 7 and spec.train.epochs == 3
    assert spec.dataset.scale == load_spec("keyword_spotting_alexa-demo").dataset.scale
    record.write_text("{not json")
    with pytest.raises(KwstinyError, match="unreadable sweep record"):
        load_run_spec(run.name)
    # A plain spec name, with no run record, loads as before.
    assert load_run_spec("keyword_spotting_alexa").name == "keyword_spotting_alexa"
