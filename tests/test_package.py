"""The base install: kwstiny imports and loads specs without touching TensorFlow's
settings, and a command whose extra is missing says which extra to install."""

import os
import subprocess
import sys

import pytest

from kwstiny.errors import KwstinyError
from kwstiny.extras import load, require


def test_import_and_spec_loading_leave_tensorflow_settings_alone():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    code = ("import os, sys, kwstiny, kwstiny.cli\n"
            "from kwstiny.spec import load_spec\n"
            "load_spec('keyword_spotting_alexa-test')\n"
            "print(sorted(k for k in os.environ if k.startswith('TF_')), 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[] False"


def test_training_sets_legacy_keras_before_tensorflow_loads():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    code = "import os, kwstiny.training.runs; print(os.environ.get('TF_USE_LEGACY_KERAS'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "1"


def test_a_missing_extra_is_named_in_one_line(monkeypatch):
    monkeypatch.setitem(__import__("kwstiny.extras").extras.EXTRA_MODULES, "mic",
                        ("kwstiny_no_such_module",))
    with pytest.raises(KwstinyError) as error:
        require("mic", "kwstiny classify_audio")
    message = str(error.value)
    assert "\n" not in message
    assert "kwstiny_no_such_module" in message and "pip install 'kwstiny[mic]'" in message
    with pytest.raises(KwstinyError, match=r"kwstiny\[device\]"):
        load("kwstiny_no_such_module.serial", "device", "talking to a board")
    assert load("json", "device", "x").__name__ == "json"


def test_cli_reports_a_missing_extra_without_a_traceback(tmp_path):
    # A module that hides matplotlib, as a base install lacks it.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nclass Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    wav = tmp_path / "a.wav"
    result = subprocess.run([sys.executable, "-m", "kwstiny.cli", "view_audio", str(wav)],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: kwstiny view_audio needs matplotlib, which kwstiny's base install leaves out: "
        "pip install 'kwstiny[plots]'"]
