"""Shared fixtures. Every test runs with the session's KWSTINY_HOME (never ~/.kwstiny);
generated data is expensive, so it is built once per session and shared."""

from pathlib import Path

import pytest

from kwstiny.tensorflow_quiet import use_legacy_keras

# Tests build Keras models directly, as kwstiny.training does: Keras 2 before TensorFlow loads.
use_legacy_keras()


@pytest.fixture(scope="session")
def session_home(tmp_path_factory):
    return tmp_path_factory.mktemp("kwstiny_home")


@pytest.fixture(autouse=True)
def _isolated_home(monkeypatch, session_home):
    monkeypatch.setenv("KWSTINY_HOME", str(session_home))
    yield


@pytest.fixture(scope="session")
def synthetic_test_dataset(session_home) -> Path:
    """The synthetic_alexa recipe at "test" scale (180 clips, a few seconds to make), in
    the cache folder `load_index(DatasetSpec(scale="test"), ...)` looks in."""
    from kwstiny.data.recipes import load_recipe
    from kwstiny.data.synthetic import build_dataset

    root = session_home / "datasets" / "synthetic_alexa-test"
    return build_dataset(load_recipe("synthetic_alexa"), "test", progress=False, root=root)


@pytest.fixture
def use_session_home(session_home, monkeypatch) -> Path:
    monkeypatch.setenv("KWSTINY_HOME", str(session_home))
    return session_home


@pytest.fixture(scope="session")
def tenet12_int8(tmp_path_factory):
    """An int8 TENet12 for the alexa input (random weights, calibrated on noise)."""
    from kwstiny.models.random_int8 import random_tenet12_int8
    from kwstiny.spec import load_spec

    # Fixed weights: tests that want varying scores depend on them.
    data = random_tenet12_int8(load_spec("keyword_spotting_alexa"), seed=1)
    path = tmp_path_factory.mktemp("models") / "tenet12.tflite"
    path.write_bytes(data)
    return path


# -- small generated .tflite models for summarize / profile (tests/tiny_models.py) --------

def _write(factory, name: str, data: bytes):
    path = factory.mktemp("models") / f"{name}.tflite"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def conv_int8(tmp_path_factory):
    import tiny_models
    return _write(tmp_path_factory, "conv_int8", tiny_models.conv_model(int8=True))


@pytest.fixture(scope="session")
def conv_float(tmp_path_factory):
    import tiny_models
    return _write(tmp_path_factory, "conv_float", tiny_models.conv_model(int8=False))


@pytest.fixture(scope="session")
def sequence_int8(tmp_path_factory):
    import tiny_models
    return _write(tmp_path_factory, "sequence_int8", tiny_models.sequence_model())


@pytest.fixture(scope="session")
def custom_op_model(tmp_path_factory, conv_int8):
    import tiny_models
    data = tiny_models.with_custom_op(conv_int8.read_bytes(), "mul")
    return _write(tmp_path_factory, "custom_op", data)
