"""Training learns: on generated clips that only a time-frequency pattern tells apart
(rising against falling chirps, at random times, levels and pitches, in noise), a small
TENet6 trained through `kwstiny train` scores well above chance (0.5) on the held-out
test clips, as a float model and as the int8 .tflite."""

import numpy as np
import pytest

from kwstiny.data.audio import write_wav
from kwstiny.spec import load_spec

pytestmark = pytest.mark.slow

RATE = 16000
SPEC = '''
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models import tenet
from kwstiny.spec import (AugmentSpec, DatasetSpec, ModelChoice, ModelSpec, QuantizeSpec,
                          TrainSpec)

spec = ModelSpec(
    name="chirps",
    frontend=FrontendSettings(sample_length_ms=1000, window_size_ms=40, window_step_ms=20,
                              filterbank_n_channels=40, quantize_dynamic_scale_enable=True),
    dataset=DatasetSpec(source={source!r}, classes=("rising", "falling"),
                        validation_fraction=0.15, test_fraction=0.2),
    augment=AugmentSpec(enable=False),
    model=ModelChoice(tenet.TENet6, {{"channels": 16}}),
    train=TrainSpec(epochs=12, batch_size=16, learning_rate=0.003),
    quantize=QuantizeSpec(representative_samples=32),
)
'''


def chirp(rng, rising: bool) -> np.ndarray:
    """A 0.3-0.5 s sweep between a low and a high pitch, somewhere in one second of noise."""
    low, high = rng.uniform(300, 700), rng.uniform(1800, 3500)
    f0, f1 = (low, high) if rising else (high, low)
    n = int(rng.uniform(0.3, 0.5) * RATE)
    t = np.arange(n) / RATE
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * t[-1]))
    tone = np.sin(phase) * np.hanning(n) * rng.uniform(0.1, 0.5)
    clip = rng.normal(0, 10 ** (rng.uniform(-45, -35) / 20), RATE)
    start = rng.integers(0, RATE - n)
    clip[start:start + n] += tone
    return clip.astype(np.float32)


@pytest.fixture(scope="module")
def chirps(tmp_path_factory):
    root = tmp_path_factory.mktemp("chirps")
    rng = np.random.default_rng(7)
    for label, rising in (("rising", True), ("falling", False)):
        (root / label).mkdir()
        for i in range(90):
            write_wav(root / label / f"{label}{i:03d}.wav", chirp(rng, rising), RATE)
    return root


def test_training_learns_well_above_chance(chirps, tmp_path, use_session_home):
    from kwstiny.training.train import train

    path = tmp_path / "chirps.py"
    path.write_text(SPEC.format(source=str(chirps)))
    summary = train(load_spec(str(path)), clean=True)
    evaluation = summary["evaluation"]
    assert evaluation["float"]["samples"] >= 30
    # Chance is 0.5; a model that learned nothing predicts one class and scores exactly that.
    for kind in ("float", "tflite"):
        assert evaluation[kind]["balanced_accuracy"] >= 0.85, (kind, evaluation[kind]["per_class_accuracy"])
    assert summary["best"]["value"] >= 0.85      # validation balanced accuracy of the kept epoch
