"""End to end on a few dozen generated clips: synthesize, train, quantize, evaluate;
an interrupted run resumes without losing finished epochs."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

from kwstiny import paths, tflite
from kwstiny.cli import main

pytestmark = pytest.mark.slow
SPEC = "keyword_spotting_alexa-test"


@pytest.fixture(scope="module")
def trained_run(synthetic_test_dataset, session_home):
    """`kwstiny train SPEC --clean` once, in its own home (sharing the session's
    generated data), for the tests that look at what it wrote."""
    home = session_home / "home-test_train"
    (home / "datasets").mkdir(parents=True, exist_ok=True)
    link = home / "datasets" / synthetic_test_dataset.name
    if not link.exists():
        link.symlink_to(synthetic_test_dataset)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KWSTINY_HOME", str(home))
        result = CliRunner().invoke(main, ["train", SPEC, "--clean"], catch_exceptions=False)
    return home, result


def test_tiny_end_to_end_run(trained_run, monkeypatch):
    home, result = trained_run
    monkeypatch.setenv("KWSTINY_HOME", str(home))
    assert result.exit_code == 0, result.output
    run = paths.run_dir(SPEC)
    for name in ("best.weights.h5", f"{SPEC}.tflite", "training_history.png", "dataset.json",
                 "evaluation/float.json", "evaluation/tflite.json", "evaluation/tflite.png",
                 "checkpoints/state.json", "train_summary.json"):
        assert (run / name).is_file(), name
    assert any((run / "logs").rglob("events.out.tfevents.*"))  # TensorBoard
    meta = tflite.read_metadata(run / f"{SPEC}.tflite")
    assert meta["classes"] == ["alexa", "_unknown_"] and meta["fe.filterbank_n_channels"] == 108
    assert meta["detection_threshold"] == 216 and meta["name"] == SPEC
    float_eval = json.loads((run / "evaluation/float.json").read_text())
    int8_eval = json.loads((run / "evaluation/tflite.json").read_text())
    assert float_eval["samples"] == int8_eval["samples"] > 0
    assert np.array(int8_eval["confusion_matrix"]).sum() == int8_eval["samples"]
    for key in ("accuracy", "balanced_accuracy", "per_class_accuracy", "roc", "precision_recall"):
        assert key in int8_eval


def test_evaluate_tflite_runs_without_tensorflow(trained_run, monkeypatch):
    """Inference never needs TensorFlow: block its import and evaluate the .tflite."""
    home, result = trained_run
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("KWSTINY_HOME", str(home))
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['tf_keras'] = None\n"
            "from kwstiny.cli import main\n"
            f"main(['evaluate', '{SPEC}', '--tflite'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "balanced accuracy" in done.stderr + done.stdout


@pytest.fixture(scope="module")
def ensemble_pair(trained_run):
    """`kwstiny ensemble` of the trained run and a copy with a softer classifier (so the
    two disagree), named "pair"; returns (home, the two float models)."""
    from kwstiny.spec import load_spec
    from kwstiny.training.runs import load_trained_model

    home, result = trained_run
    assert result.exit_code == 0, result.output
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KWSTINY_HOME", str(home))
        spec = load_spec(SPEC)
        other = f"{SPEC}.softer"
        softer = load_trained_model(spec)
        layer = softer.get_layer("classifier")
        layer.set_weights([w * 0.3 for w in layer.get_weights()])
        paths.run_dir(other).mkdir(parents=True, exist_ok=True)
        softer.save_weights(str(paths.run_dir(other) / "best.weights.h5"))
        paths.write_json(paths.run_dir(other) / "sweep_point.json",
                         {"spec": SPEC, "file": "", "overrides": {}})
        done = CliRunner().invoke(main, ["ensemble", SPEC, other, "--name", "pair"],
                                  catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return home, load_trained_model(spec), softer


def test_ensemble_averages_its_members(ensemble_pair, monkeypatch):
    """`kwstiny ensemble A B` writes one int8 model whose probabilities are the mean of A's
    and B's, as a run of its own that later commands resolve."""
    from kwstiny.data.pipeline import SpecData
    from kwstiny.ensemble import float_model
    from kwstiny.inference import TfliteModel
    from kwstiny.spec import load_run_spec, load_spec

    home, first, second = ensemble_pair
    monkeypatch.setenv("KWSTINY_HOME", str(home))
    spec = load_spec(SPEC)
    path = paths.run_dir("pair") / "pair.tflite"
    meta = tflite.read_metadata(path)
    assert meta["name"] == "pair" and meta["ensemble_of"] == [SPEC, f"{SPEC}.softer"]
    assert meta["classes"] == ["alexa", "_unknown_"]
    assert load_run_spec("pair").frontend == spec.frontend

    with SpecData(spec) as data:
        x, _ = data.features("test")
    x = x[:24].astype(np.float32)
    a, b = first.predict(x, verbose=0), second.predict(x, verbose=0)
    assert np.abs(a - b).max() > 0.1, "the members should disagree"
    np.testing.assert_allclose(float_model("pair").predict(x, verbose=0), (a + b) / 2,
                               atol=1e-5)
    model = TfliteModel(path, runtime="litert")
    got = np.stack([model.predict(row) for row in x])
    np.testing.assert_allclose(got, (a + b) / 2, atol=0.04)


def test_a_student_distils_from_an_ensemble(ensemble_pair, monkeypatch):
    """distill.teacher may name an ensemble run: the student trains against the averaged
    members and keeps only its own weights."""
    import dataclasses

    from kwstiny.spec import DistillSpec, load_spec
    from kwstiny.training.runs import load_trained_model
    from kwstiny.training.train import train

    home, _, _ = ensemble_pair
    monkeypatch.setenv("KWSTINY_HOME", str(home))
    base = load_spec(SPEC)
    spec = dataclasses.replace(base, name="student_of_pair",
                               distill=DistillSpec(teacher="pair", mode="soft"),
                               train=dataclasses.replace(base.train, epochs=1))
    summary = train(spec, evaluate_after=False, clean=True)
    state = json.loads((paths.run_dir(spec.name) / "checkpoints" / "state.json").read_text())
    assert summary["epochs"] == 1 and np.isfinite(state["history"][0]["distill_loss"])
    assert load_trained_model(spec).count_params() == base.model.build(
        base.input_shape, 2).count_params()


def _state(run):
    path = run / "checkpoints" / "state.json"
    return json.loads(path.read_text()) if path.is_file() else None


def test_killed_training_resumes_without_losing_epochs(synthetic_test_dataset):
    run = paths.run_dir(SPEC)
    command = [sys.executable, "-m", "kwstiny.cli", "train", SPEC, "--epochs", "3",
               "--no-evaluate"]
    process = subprocess.Popen(command + ["--clean"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        state = _state(run)
        if state and state["epoch"] >= 1:
            break
        time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    state = _state(run)
    assert state is not None and 1 <= state["epoch"] < 3, "the run was not cut mid-way"
    finished = state["history"]

    done = subprocess.run(command + ["--resume"], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"resuming {SPEC} after epoch {state['epoch']}" in done.stderr + done.stdout
    final = _state(run)
    assert final["epoch"] == 3
    assert [h["epoch"] for h in final["history"]] == [1, 2, 3]
    assert final["history"][:len(finished)] == finished
