"""Labels blended with the speech-embedding teacher (distill.embedding_head): each
augmented training window's label is (1 - alpha) x its own + alpha x the teacher's
probability on that window's audio."""

import dataclasses

import numpy as np
import pytest

from kwstiny.data import pipeline
from kwstiny.data.pipeline import SpecData, teacher_targets, training_dataset
from kwstiny.errors import KwstinyError
from kwstiny.spec import DistillSpec, load_spec
from kwstiny.teachers.embedding_head import EmbeddingHead, HeadSettings
from kwstiny.teachers.speech_embedding import SpeechEmbedding


def test_teacher_targets_blend_labels_with_the_teachers_probability():
    labels = np.array([[1, 0], [0, 1], [0, 1]], np.float32)
    logits = np.array([0.0, 2.0, -40.0])
    out = teacher_targets(labels, logits, alpha=0.25, temperature=2.0)
    p = 1 / (1 + np.exp(-logits / 2.0))
    np.testing.assert_allclose(out[:, 0], 0.75 * labels[:, 0] + 0.25 * p, rtol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(teacher_targets(labels, logits, 0.0, 1.0), labels)


def test_one_teacher_at_a_time():
    with pytest.raises(KwstinyError, match="embedding_head"):
        DistillSpec(teacher="some_spec", embedding_head="head.npz")


@pytest.fixture(scope="module")
def taught(synthetic_test_dataset, session_home, tmp_path_factory):
    base = load_spec("keyword_spotting_alexa-test")
    with SpecData(dataclasses.replace(base, model_input="waveform")) as plain:
        window = plain.build(plain.plan_split("validation", limit=1), augment=False)
    vectors = SpeechEmbedding().vectors(window).shape[1]
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (200, vectors, 96)).astype(np.float32)
    head = EmbeddingHead.fit(x, rng.random(200) < 0.5,
                             HeadSettings(length=vectors, width=8, epochs=1, members=1),
                             log=lambda *a: None)
    path = tmp_path_factory.mktemp("teacher") / "head.npz"
    head.save(path)
    spec = dataclasses.replace(base, distill=DistillSpec(embedding_head=str(path), alpha=0.5,
                                                          temperature=1.0))
    data = SpecData(spec)
    yield data
    data.close()


def test_training_labels_carry_the_teachers_probability_on_the_same_audio(taught):
    batch = 8
    x, y = next(iter(training_dataset(taught, 0, batch).take(1)))
    recipes = taught.plan_epoch(0)[:batch]
    pipeline._init_worker(*taught.worker_settings())
    expected = [pipeline._augmented_taught(r) for r in recipes]
    plain = [pipeline._augmented(r) for r in recipes]
    np.testing.assert_array_equal(x.numpy(), np.stack([e[0] for e in expected]))
    np.testing.assert_array_equal(x.numpy(), np.stack(plain))
    onehot = np.eye(2, dtype=np.float32)[[r.label for r in recipes]]
    np.testing.assert_allclose(y.numpy(), teacher_targets(
        onehot, np.array([e[2] for e in expected]), 0.5, 1.0), rtol=1e-5, atol=1e-6)
    assert not np.array_equal(y.numpy(), onehot)


def test_a_missing_head_file_is_named(taught):
    spec = dataclasses.replace(taught.spec, distill=DistillSpec(embedding_head="/nowhere.npz"))
    data = SpecData.__new__(SpecData)
    data.__dict__.update(taught.__dict__, spec=spec, _pool=None)
    with pytest.raises(KwstinyError, match="/nowhere.npz"):
        data.worker_settings()


def test_the_embedding_loss_takes_no_other_teacher_and_no_negative_weight():
    with pytest.raises(KwstinyError, match="embedding_weight"):
        DistillSpec(teacher="some_spec", embedding_weight=1.0)
    with pytest.raises(KwstinyError, match="embedding_weight"):
        DistillSpec(embedding_weight=-0.5)


def test_training_labels_end_with_the_standardized_embedding_of_the_same_audio(taught):
    from kwstiny.data.pipeline import embedding_columns, embedding_statistics

    spec = dataclasses.replace(taught.spec, distill=dataclasses.replace(
        taught.spec.distill, embedding_weight=1.0))
    batch = 8
    with SpecData(spec) as data:
        mean, std = embedding_statistics(data, count=16)
        x, y = next(iter(training_dataset(data, 0, batch, embedding_stats=(mean, std))
                         .take(1)))
        recipes = data.plan_epoch(0)[:batch]
        pipeline._init_worker(*data.worker_settings())
    assert mean.shape == std.shape == (96,) and np.all(std > 0)
    expected = [pipeline._augmented_taught(r) for r in recipes]
    np.testing.assert_array_equal(x.numpy(), np.stack([e[0] for e in expected]))
    vectors = np.stack([e[1] for e in expected])
    assert y.shape == (batch, 2 + vectors.shape[1] * 96)
    onehot = np.eye(2, dtype=np.float32)[[r.label for r in recipes]]
    np.testing.assert_allclose(y.numpy()[:, :2], teacher_targets(
        onehot, np.array([e[2] for e in expected]), 0.5, 1.0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y.numpy()[:, 2:], embedding_columns(vectors, mean, std),
                               rtol=1e-5, atol=1e-5)
    # Standardized by statistics of the same kind of windows: about zero mean, unit spread.
    assert abs(float(y.numpy()[:, 2:].mean())) < 0.5
    assert 0.5 < float(y.numpy()[:, 2:].std()) < 2.0


def _embedding_task(rng, n):
    """Class from the sign of the first channel's mean; 'embedding' targets: a fixed linear
    map of the whole input, which a trunk trained for the class alone does not keep."""
    x = rng.normal(0, 1, (n, 8, 1, 4)).astype(np.float32)
    label = (x[..., 0].mean(axis=(1, 2)) > 0).astype(int)
    targets = x.reshape(n, -1) @ np.random.default_rng(7).normal(0, 0.3, (32, 5))
    y = np.concatenate([np.eye(2)[label], targets], axis=1).astype(np.float32)
    return x, y, label


def _fit_with_embedding_loss(weight, x, y):
    import tf_keras as keras

    from kwstiny.training.embedding_loss import attach_embedding_readout

    keras.utils.set_random_seed(5)
    inputs = keras.Input((8, 1, 4))
    trunk = keras.layers.Conv2D(8, (3, 1), padding="same", activation="relu",
                                name="trunk")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(trunk)
    outputs = keras.layers.Dense(2, activation="softmax", name="classifier")(pooled)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="categorical_crossentropy")
    own_weights = len(model.trainable_weights)
    taught = attach_embedding_readout(model, weight, 5, {0: 1.0, 1: 1.0})
    history = taught.fit(x, y, batch_size=64, epochs=40, verbose=0).history
    assert len(taught.trainable_weights) == own_weights   # the readout is not the model's
    return taught, history["embedding_mse"][-1]


def test_the_embedding_loss_makes_the_trunk_keep_the_embedding():
    x, y, label = _embedding_task(np.random.default_rng(0), 1024)
    plain, plain_mse = _fit_with_embedding_loss(0.0, x, y)
    taught, taught_mse = _fit_with_embedding_loss(1.0, x, y)
    assert taught_mse < 0.5 * plain_mse
    for model in (plain, taught):               # the class is learnt either way
        assert np.mean(model.predict(x, verbose=0).argmax(1) == label) > 0.9


@pytest.mark.slow
def test_a_run_with_the_embedding_loss_deploys_the_plain_model(synthetic_test_dataset):
    import json

    from click.testing import CliRunner

    from kwstiny import paths
    from kwstiny.cli import main

    name = "keyword_spotting_alexa-test"
    result = CliRunner().invoke(main, ["train", name, "--clean",
                                       "distill.embedding_weight=1.0"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "embedding loss: weight 1.0" in result.output
    run = paths.run_dir(name)
    history = json.loads((run / "checkpoints" / "state.json").read_text())["history"]
    assert all(0 < row["embedding_mse"] < 10 for row in history)
    summary = json.loads((run / "train_summary.json").read_text())
    assert summary["evaluation"]["tflite"] is not None     # the plain model, quantized
    assert (run / f"{name}.tflite").is_file()
