"""Shared fixtures. Every test runs with its own KWSTINY_HOME unless it asks for the
session's shared one (generated data is expensive: build it once)."""

import os

import pytest


@pytest.fixture(scope="session")
def session_home(tmp_path_factory):
    return tmp_path_factory.mktemp("kwstiny_home")


@pytest.fixture(autouse=True)
def _isolated_home(monkeypatch, session_home):
    monkeypatch.setenv("KWSTINY_HOME", str(session_home))
    yield


@pytest.fixture(scope="session")
def tenet12_int8(tmp_path_factory):
    """An int8 TENet12 for the alexa input (random weights, calibrated on noise)."""
    import numpy as np

    from kwstiny.models import tenet
    from kwstiny.quantize import convert_int8
    from kwstiny.spec import load_spec

    spec = load_spec("keyword_spotting_alexa")
    model = tenet.TENet12(spec.input_shape, 2)
    rng = np.random.default_rng(0)
    calibration = rng.integers(-128, 128, size=(16,) + spec.input_shape).astype(np.float32)
    data = convert_int8(model, calibration, metadata=spec.metadata(), int8_features=True)
    path = tmp_path_factory.mktemp("models") / "tenet12.tflite"
    path.write_bytes(data)
    return path
