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
        onehot, np.array([e[1] for e in expected]), 0.5, 1.0), rtol=1e-5, atol=1e-6)
    assert not np.array_equal(y.numpy(), onehot)


def test_a_missing_head_file_is_named(taught):
    spec = dataclasses.replace(taught.spec, distill=DistillSpec(embedding_head="/nowhere.npz"))
    data = SpecData.__new__(SpecData)
    data.__dict__.update(taught.__dict__, spec=spec, _pool=None)
    with pytest.raises(KwstinyError, match="/nowhere.npz"):
        data.worker_settings()
