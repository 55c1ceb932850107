"""Shared fixtures: small generated .tflite models, built once per test session."""

from __future__ import annotations

import pytest

import tiny_models


def _write(factory, name: str, data: bytes):
    path = factory.mktemp("models") / f"{name}.tflite"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def conv_int8(tmp_path_factory):
    return _write(tmp_path_factory, "conv_int8", tiny_models.conv_model(int8=True))


@pytest.fixture(scope="session")
def conv_float(tmp_path_factory):
    return _write(tmp_path_factory, "conv_float", tiny_models.conv_model(int8=False))


@pytest.fixture(scope="session")
def sequence_int8(tmp_path_factory):
    return _write(tmp_path_factory, "sequence_int8", tiny_models.sequence_model())


@pytest.fixture(scope="session")
def custom_op_model(tmp_path_factory, conv_int8):
    data = tiny_models.with_custom_op(conv_int8.read_bytes(), "mul")
    return _write(tmp_path_factory, "custom_op", data)


@pytest.fixture(scope="session")
def tenet12(tmp_path_factory):
    return _write(tmp_path_factory, "tenet12", tiny_models.tenet12())
