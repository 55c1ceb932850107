"""Every model family trains an epoch through `kwstiny train` on generated speech;
distillation from a trained teacher spec; a sweep over settings A-D writes its table.

All tiny: the synthetic "test" dataset capped at 8 clips per class and split, 49 x 40
features, one epoch, toy widths."""

import csv
import dataclasses
import json

import numpy as np
import pytest

from kwstiny import paths
from kwstiny.errors import KwstinyError
from kwstiny.spec import load_spec

pytestmark = pytest.mark.slow

SPEC_TEMPLATE = '''
from kwstiny.frontend.settings import FrontendSettings
from kwstiny.models import bc_resnet, ds_cnn, kwt, simple, teacher, trainable_frontend
from kwstiny.spec import (AugmentSpec, DatasetSpec, DistillSpec, ModelChoice, ModelSpec,
                          QuantizeSpec, TrainSpec)

spec = ModelSpec(
    name={name!r},
    frontend=FrontendSettings(sample_length_ms=1000, window_size_ms=40, window_step_ms=20,
                              filterbank_n_channels=40, quantize_dynamic_scale_enable=True),
    dataset=DatasetSpec(source="synthetic_alexa", classes=("alexa", "_unknown_"),
                        scale="test", max_clips_per_class=8),
    augment={augment},
    model={model},
    train=TrainSpec(epochs=1, batch_size=16{train}),
    quantize=QuantizeSpec(representative_samples=8),
    {extra}
)
'''

FAMILIES = {
    "kwt": 'ModelChoice(kwt.KWT, {"num_layers": 1, "d_model": 16, "heads": 2, "mlp_dim": 32})',
    "bc_resnet": "ModelChoice(bc_resnet.BCResNet1)",
    "ds_cnn": 'ModelChoice(ds_cnn.DSCNN, {"channels": 8, "strides": (1, 2)})',
    "simple": "ModelChoice(simple.Simple)",
    "teacher": 'ModelChoice(teacher.AttMHRNN, {"rnn_units": (8,), "heads": 2, '
               '"dense_units": (8,)})',
    "trainable_mel": 'ModelChoice(trainable_frontend.TrainableMelModel, {"backbone": "simple", '
                     '"n_mels": 10, "n_fft": 256, "hop_length": 320})',
}


def write_spec(folder, name, model, train="", extra="", augment="AugmentSpec(enable=False)"):
    path = folder / f"{name}.py"
    path.write_text(SPEC_TEMPLATE.format(name=name, model=model, train=train, extra=extra,
                                         augment=augment))
    return path


@pytest.fixture
def dataset(synthetic_test_dataset, use_session_home):
    return synthetic_test_dataset


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_trains_an_epoch(family, dataset, tmp_path):
    from kwstiny.training.runs import load_trained_model
    from kwstiny.training.train import train

    extra = 'model_input="waveform",' if family == "trainable_mel" else ""
    # The tricks ride along on a few families so they run inside the real loop too.
    tricks = {"bc_resnet": ', learning_rate_schedule="cosine", warmup_epochs=0.5, '
                           'weight_decay=0.01, zero_gamma_residual=True',
              "kwt": ", label_smoothing=0.1, mixup_alpha=0.2"}.get(family, "")
    augment = ("AugmentSpec(spec_time_masks=2, spec_time_mask_frames=5, spec_freq_masks=1, "
               "spec_freq_mask_channels=4)" if family == "ds_cnn"
               else "AugmentSpec(enable=False)")
    spec = load_spec(str(write_spec(tmp_path, f"tiny_{family}", FAMILIES[family], tricks,
                                    extra, augment)))
    summary = train(spec, evaluate_after=False, clean=True)
    assert summary["epochs"] == 1
    history = json.loads((paths.run_dir(spec.name) / "checkpoints" / "state.json").read_text())
    assert np.isfinite(history["history"][0]["loss"])
    model = load_trained_model(spec)
    x = np.random.default_rng(0).normal(size=(3,) + spec.input_shape).astype(np.float32)
    probs = model.predict(x, verbose=0)
    assert probs.shape == (3, 2) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def trained_teacher(tmp_path_factory, synthetic_test_dataset, session_home):
    """A tiny teacher spec trained for one epoch (with evaluation: float only)."""
    import os

    from kwstiny.training.train import train

    os.environ["KWSTINY_HOME"] = str(session_home)
    folder = tmp_path_factory.mktemp("teacher")
    path = write_spec(folder, "tiny_teacher", FAMILIES["teacher"])
    summary = train(load_spec(str(path)), clean=True)
    return path, summary


def test_float_only_teacher_is_evaluated_without_a_tflite(trained_teacher, use_session_home):
    _, summary = trained_teacher
    evaluation = summary["evaluation"]
    assert evaluation["tflite"] is None and "recurrent" in evaluation["int8_skipped"]
    assert 0.0 <= evaluation["float"]["accuracy"] <= 1.0
    assert not (paths.run_dir("tiny_teacher") / "tiny_teacher.tflite").exists()


@pytest.mark.parametrize("student, mode", [
    ('ModelChoice(kwt.KWT, {"num_layers": 1, "d_model": 16, "heads": 2, "mlp_dim": 32, '
     '"distill_token": True})', "hard"),
    ('ModelChoice(ds_cnn.DSCNN, {"channels": 8, "strides": (1,)})', "soft")])
def test_students_distil_from_the_teacher(student, mode, trained_teacher, use_session_home,
                                          tmp_path):
    from kwstiny.training.runs import load_trained_model
    from kwstiny.training.train import train

    teacher_path, _ = trained_teacher
    extra = f'distill=DistillSpec(teacher={str(teacher_path)!r}, mode={mode!r}, temperature=2.0),'
    spec = load_spec(str(write_spec(tmp_path, f"student_{mode}", student, extra=extra)))
    summary = train(spec, evaluate_after=False, clean=True)
    state = json.loads((paths.run_dir(spec.name) / "checkpoints" / "state.json").read_text())
    assert summary["epochs"] == 1 and np.isfinite(state["history"][0]["distill_loss"])
    # The saved weights are the student's alone: the plain student model loads them.
    model = load_trained_model(spec)
    assert model.count_params() == spec.model.build(spec.input_shape, 2).count_params()


def test_hard_distillation_needs_a_distillation_token(trained_teacher, use_session_home,
                                                      tmp_path):
    from kwstiny.training.train import train

    teacher_path, _ = trained_teacher
    extra = f"distill=DistillSpec(teacher={str(teacher_path)!r}, mode='hard'),"
    spec = load_spec(str(write_spec(tmp_path, "student_plain", "ModelChoice(simple.Simple)",
                                    extra=extra)))
    with pytest.raises(KwstinyError, match="distillation token"):
        train(spec, evaluate_after=False, clean=True)


def test_sweep_over_settings_a_to_d_writes_the_results_table(dataset, tmp_path, monkeypatch):
    from kwstiny.training import runs, sweep, train as train_module
    from kwstiny.models import trainable_frontend as tfe

    model = ('ModelChoice(trainable_frontend.TrainableMelModel, {"backbone": "simple", '
             '"n_mels": 10, "n_fft": 256, "hop_length": 320})')
    spec = load_spec(str(write_spec(tmp_path, "mel_sweep", model, extra='model_input="waveform",')))
    result = sweep.sweep(spec, ["model.options.setting=A,B,C,D"])
    with open(result["csv"]) as handle:
        rows = list(csv.DictReader(handle))
    assert [r["model.options.setting"] for r in rows] == ["A", "B", "C", "D"]
    assert [r["run"] for r in rows] == [f"mel_sweep.setting-{s}" for s in "ABCD"]
    for row in rows:
        assert 0.0 <= float(row["test_accuracy"]) <= 1.0
        assert 0.0 <= float(row["best_val_balanced_accuracy"]) <= 1.0
        assert row["int8_test_accuracy"] == ""          # float-only models: no .tflite
    markdown = result["markdown"].read_text().splitlines()
    assert markdown[0].startswith("| run | model.options.setting |") and len(markdown) == 6
    # Settings reach the model: A keeps the Slaney basis, B trains it.
    def learned(setting):
        run = dataclasses.replace(spec.with_overrides({"model.options.setting": setting}),
                                  name=f"mel_sweep.setting-{setting}")
        return tfe.learned_mel_basis(runs.load_trained_model(run))

    slaney = tfe.slaney_mel_basis(16000, 256, 10, 0.0, 8000.0)
    assert np.allclose(learned("A"), slaney, atol=1e-6)
    assert not np.allclose(learned("B"), slaney, atol=1e-6)
    # Each run's spec is rebuilt from its name, as calibrate and evaluate look it up.
    from kwstiny.spec import load_run_spec
    rebuilt = load_run_spec("mel_sweep.setting-C")
    assert rebuilt.name == "mel_sweep.setting-C" and rebuilt.model.options["setting"] == "C"
    assert rebuilt.train == spec.train and rebuilt.frontend == spec.frontend
    # Run again: finished runs are kept, nothing is retrained.
    monkeypatch.setattr(train_module, "train", lambda *a, **k: pytest.fail("retrained"))
    again = sweep.sweep(spec, ["model.options.setting=A,B,C,D"])
    assert [r["run"] for r in again["runs"]] == [r["run"] for r in rows]
