"""Voice invariance (train.voice_invariance_weight, dataset.real_folders): real unknown
clips are flagged, the domain head is trained against, and what the model deploys is
the plain spec model."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kwstiny import paths
from kwstiny.cli import main
from kwstiny.data.audio import write_wav
from kwstiny.errors import KwstinyError
from kwstiny.spec import load_spec


def test_voice_invariance_needs_real_unknown_clips():
    spec = load_spec("keyword_spotting_alexa")
    with pytest.raises(KwstinyError, match="real_folders"):
        spec.with_overrides({"train.voice_invariance_weight": 1.0})
    with pytest.raises(KwstinyError, match="voice_invariance_weight"):
        spec.with_overrides({"train.voice_invariance_weight": -1.0})


def _domain_cue_data(rng, n):
    """Keyword (label 0, synthetic) vs unknown (label 1, half of them "real"): x[:, 0]
    tells the class, x[:, 1] only the domain. Labels carry the [real, known] columns."""
    label = rng.integers(0, 2, n)
    real = (label == 1) & (rng.random(n) < 0.5)
    x = rng.normal(0, 0.3, (n, 4)).astype(np.float32)
    x[:, 0] += np.where(label == 1, 1.0, -1.0)
    x[:, 1] += np.where(real, 2.0, -2.0)
    y = np.zeros((n, 4), np.float32)
    y[np.arange(n), label] = 1
    y[:, 2], y[:, 3] = real, label == 1
    return x, y, real, label


def _probe_accuracy(features, real):
    """How well a fresh linear probe tells real from synthetic unknown clips."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    return cross_val_score(LogisticRegression(max_iter=2000), features, real, cv=3,
                           scoring="balanced_accuracy").mean()


def _trained_features(weight, x, y, real, label):
    import tf_keras as keras

    from kwstiny.training.invariance import attach_domain_head

    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", name="classifier")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="categorical_crossentropy")
    steps = 600
    if weight > 0:
        spec = load_spec("keyword_spotting_alexa").with_overrides(
            {"dataset.real_folders": ["unused"], "train.voice_invariance_weight": weight})
        model = attach_domain_head(spec, model, steps, {0: 1.0, 1: 1.0})
        targets = y
    else:
        targets = y[:, :2]
    model.fit(x, targets, batch_size=64, epochs=steps * 64 // len(x), verbose=0)
    probs = model.predict(x, verbose=0)
    features = keras.Model(model.inputs, model.get_layer("hidden").output).predict(x, verbose=0)
    unknown = label == 1
    return _probe_accuracy(features[unknown], real[unknown]), np.mean(probs.argmax(1) == label)


def test_the_adversary_removes_a_domain_cue_from_the_features():
    x, y, real, label = _domain_cue_data(np.random.default_rng(0), 1600)
    plain_probe, plain_accuracy = _trained_features(0.0, x, y, real, label)
    invariant_probe, invariant_accuracy = _trained_features(1.0, x, y, real, label)
    assert plain_probe > 0.95                   # the plain model keeps the cue
    assert invariant_probe < 0.85               # the adversary takes most of it out
    assert plain_accuracy > 0.95 and invariant_accuracy > 0.95   # the class still learnt


def test_domain_loss_weighs_each_domain_half_and_ignores_the_rest():
    import tensorflow as tf

    from kwstiny.training.invariance import (confusion_loss, domain_balanced_accuracy,
                                             domain_loss)

    logits = tf.constant([5.0, -5.0, -5.0, -5.0, 9.0])   # the last: a keyword, not asked
    real = tf.constant([1.0, 0.0, 0.0, 0.0, 0.0])
    known = tf.constant([1.0, 1.0, 1.0, 1.0, 0.0])
    assert float(domain_balanced_accuracy(logits, real, known)) == pytest.approx(1.0, abs=1e-4)
    assert float(domain_loss(logits, real, known)) < 0.01
    wrong = tf.constant([-5.0, 5.0, 5.0, 5.0, 9.0])
    assert float(domain_balanced_accuracy(wrong, real, known)) == pytest.approx(0.0, abs=1e-4)
    assert float(domain_loss(wrong, real, known)) == pytest.approx(5.0, abs=0.01)
    # The model's side is least, ln 2, where the head says 0.5 for every clip.
    assert float(confusion_loss(tf.zeros(5), real, known)) == pytest.approx(np.log(2), abs=1e-4)
    assert float(confusion_loss(logits, real, known)) > np.log(2) + 1


@pytest.mark.slow
def test_a_run_with_real_clips_trains_against_the_head(synthetic_test_dataset, tmp_path):
    from kwstiny.data.pipeline import SpecData, domain_columns
    from kwstiny.data.samples import CLIP, SILENCE, SampleRecipe

    real = tmp_path / "real" / "_unknown_"
    real.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(12):     # "real" unknown clips: a hum with a noise floor
        t = np.arange(16000) / 16000
        hum = 0.1 * np.sin(2 * np.pi * rng.uniform(90, 200) * t) + rng.normal(0, 0.01, 16000)
        write_wav(real / f"hum{i:02d}.wav", hum.astype(np.float32), 16000)
    name = "keyword_spotting_alexa-test"
    overrides = [f"dataset.real_folders=[{str(tmp_path / 'real')!r}]",
                 "train.voice_invariance_weight=1.0"]

    spec = load_spec(name).with_overrides({"dataset.real_folders": [str(tmp_path / "real")],
                                           "train.voice_invariance_weight": 1.0})
    with SpecData(spec) as data:
        flagged = np.nonzero(data.real)[0]
        assert len(flagged) == 12 and set(data.splits[flagged]) == {"train"}
        unknown = data.classes.index("_unknown_")
        synthetic = next(i for i in range(len(data.clips))
                         if data.labels[i] == unknown and not data.real[i])
        keyword = int(np.nonzero(data.labels != unknown)[0][0])
        columns = domain_columns(data, [SampleRecipe(CLIP, int(flagged[0]), unknown, 0),
                                        SampleRecipe(CLIP, synthetic, unknown, 0),
                                        SampleRecipe(CLIP, keyword, int(data.labels[keyword]), 0),
                                        SampleRecipe(SILENCE, -1, unknown, 0)])
        assert columns.tolist() == [[1, 1], [0, 1], [0, 0], [0, 0]]

    result = CliRunner().invoke(main, ["train", name, "--clean", *overrides],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    run = paths.run_dir(name)
    assert "voice invariance: weight 1.0" in result.output
    summary = json.loads((run / "train_summary.json").read_text())
    assert summary["evaluation"]["tflite"] is not None     # the plain model, quantized
    history = json.loads((run / "checkpoints" / "state.json").read_text())["history"]
    assert all(0 <= row["domain_balanced_accuracy"] <= 1 for row in history)
    assert (run / f"{name}.tflite").is_file()
