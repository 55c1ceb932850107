"""`kwstiny view_audio`: a PNG of what the model sees, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from kwstiny.cli import main

SPEC = '''
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.spec import ModelChoice, ModelSpec


def builder(input_shape, n_classes):
    raise NotImplementedError("view_audio never builds the model")


spec = ModelSpec(
    name="view_audio_test",
    frontend=FrontendSettings(sample_rate_hz=16000, sample_length_ms=1000, window_size_ms=30,
                              filterbank_n_channels=40, noise_reduction_enable=True,
                              quantize_dynamic_scale_enable=True),
    model=ModelChoice(builder),
)
'''


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "view_audio_test.py"
    path.write_text(SPEC)
    return str(path)


def _wav(path, seconds, rate=22050, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 700 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    soundfile.write(str(path), np.stack([tone] * channels, axis=1), rate)
    return str(path)


@pytest.mark.parametrize("seconds, channels", [(1.7, 1), (0.4, 2)])
def test_writes_a_png_of_the_model_input(tmp_path, spec_file, seconds, channels):
    import matplotlib.image
    wav = _wav(tmp_path / "clip.wav", seconds, channels=channels)
    png = tmp_path / "out" / "clip.png"
    result = CliRunner().invoke(main, ["view_audio", wav, "--spec", spec_file, "-o", str(png)])
    assert result.exit_code == 0, result.output
    assert f"wrote {png}" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(str(png))
    assert image.shape[0] > 300 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05  # a picture, not a blank canvas


def test_default_output_lands_in_the_current_directory(tmp_path, spec_file, monkeypatch):
    wav = _wav(tmp_path / "speech.wav", 1.0)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(main, ["view_audio", wav, "--spec", spec_file])
    assert result.exit_code == 0, result.output
    assert (work / "speech.png").is_file()


def _corrupt(path):
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEnonsense")
    return str(path)


@pytest.mark.parametrize("make, message", [
    (lambda d: str(d / "missing.wav"), "audio file not found"),
    (lambda d: _corrupt(d / "bad.wav"), "cannot read audio file"),
    (lambda d: _wav(d / "short.wav", 0.01), "shorter than one 30 ms window"),
])
def test_bad_files_are_one_line_errors(tmp_path, spec_file, make, message):
    result = CliRunner().invoke(main, ["view_audio", make(tmp_path), "--spec", spec_file,
                                       "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.png").exists()
