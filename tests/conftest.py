"""Shared fixtures: a kwstiny home for the session and the test-scale synthetic dataset,
generated once per session (a few seconds) and reused by every test that needs clips."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def session_home(tmp_path_factory) -> Path:
    """A KWSTINY_HOME for the whole session (tests never touch ~/.kwstiny)."""
    return tmp_path_factory.mktemp("kwstiny_home")


@pytest.fixture(scope="session")
def synthetic_test_dataset(session_home) -> Path:
    """The synthetic_alexa recipe at "test" scale, made where KWSTINY_HOME=session_home
    would cache it."""
    from kwstiny.data.recipes import load_recipe
    from kwstiny.data.synthetic import build_dataset

    root = session_home / "datasets" / "synthetic_alexa-test"
    return build_dataset(load_recipe("synthetic_alexa"), "test", progress=False, root=root)


@pytest.fixture
def use_session_home(session_home, monkeypatch) -> Path:
    monkeypatch.setenv("KWSTINY_HOME", str(session_home))
    return session_home
