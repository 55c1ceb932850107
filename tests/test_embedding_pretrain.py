"""A board model's trunk pre-trained to reproduce the speech embedding
(kwstiny.teachers.embedding_pretrain), and keyword training that starts from it
(train.initial_weights)."""

import numpy as np
import pytest

from kwstiny.data.samples import window_features
from kwstiny.errors import KwstinyError
from kwstiny.spec import TrainSpec, load_spec
from kwstiny.teachers.embedding_pretrain import (VECTOR_HOP, feature_map_layer, pretrain,
                                                 recording_pairs, regression_model,
                                                 vectors_per_window)
from kwstiny.teachers.speech_embedding import samples_for
from kwstiny.training.runs import build_model, load_initial_weights


class BlockEmbedder:
    """Stands in for the speech embedding with the same geometry: vector i is made from
    the audio starting at i x 80 ms (its first samples, so alignment errors show)."""

    def vectors(self, audio):
        audio = np.atleast_2d(audio)
        n = 1 + (audio.shape[1] - samples_for(1)) // VECTOR_HOP
        return np.stack([[row[i * VECTOR_HOP:i * VECTOR_HOP + 96] for i in range(n)]
                         for row in audio]).astype(np.float32)


def test_a_window_holds_the_vectors_that_fit_in_it():
    assert vectors_per_window(samples_for(6)) == 6
    assert vectors_per_window(samples_for(6) - 1) == 5
    assert vectors_per_window(19200) == 6      # the computer/jarvis specs' 1.2 s window
    with pytest.raises(KwstinyError, match="no embedding vector"):
        vectors_per_window(samples_for(1) - 1)


def test_each_windows_targets_are_the_vectors_of_its_own_audio():
    spec = load_spec("keyword_spotting_alexa-test")
    settings = spec.frontend
    rng = np.random.default_rng(1)
    audio = rng.normal(0, 0.1, settings.sample_length + 7 * VECTOR_HOP + 300).astype(np.float32)
    warmup = 4000
    features, targets = recording_pairs(audio, settings, BlockEmbedder(), 3, warmup)
    per = vectors_per_window(settings.sample_length)
    assert len(features) == len(targets) == 3          # starts 0, 3, 6 (of 0..7)
    for k, i in enumerate((0, 3, 6)):
        start = i * VECTOR_HOP
        np.testing.assert_array_equal(targets[k, 0], audio[start:start + 96])
        assert targets[k].shape == (per, 96)
        before = audio[max(0, start - warmup):start]
        before = np.concatenate([np.zeros(warmup - before.size, np.float32), before])
        np.testing.assert_array_equal(
            features[k], window_features(audio[start:start + settings.sample_length],
                                         settings, before))


def test_a_recording_shorter_than_a_window_gives_one_padded_window():
    settings = load_spec("keyword_spotting_alexa-test").frontend
    audio = np.full(settings.sample_length // 2, 0.1, np.float32)
    features, targets = recording_pairs(audio, settings, BlockEmbedder(), 1, 1000)
    assert len(features) == len(targets) == 1
    padded = np.concatenate([audio, np.zeros(settings.sample_length - audio.size, np.float32)])
    np.testing.assert_array_equal(features[0], window_features(
        padded, settings, np.zeros(1000, np.float32)))


@pytest.fixture(scope="module")
def trunk(tmp_path_factory):
    spec = load_spec("keyword_spotting_alexa-test")
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (64,) + spec.input_shape).astype(np.int8)
    y = rng.normal(0, 1, (64, 2, 96)).astype(np.float32)
    held = np.arange(64) % 4 == 0
    path = tmp_path_factory.mktemp("trunk") / "trunk.h5"
    fit = pretrain(spec, x, y, held, 2, path, log=lambda *a: None, batch_size=16,
                   groups={"first half": held & (np.arange(64) < 32)})
    return spec, path, fit


def test_pretraining_distils_into_the_trunk_and_writes_its_weights(trunk):
    spec, path, fit = trunk
    assert path.is_file()
    assert len(fit["held_out_explained_variance"]) == 2
    assert fit["held_out_by_group"]["first half"]["windows"] == 8
    assert np.isfinite(fit["held_out_by_group"]["first half"]["explained_variance"])
    model = spec.model.build(spec.input_shape, len(spec.classes))
    assert fit["trunk_output"] == feature_map_layer(model).name
    regression = regression_model(spec, (2, 96))
    assert regression.output.shape[1:] == (2, 96)


def test_keyword_training_starts_from_the_pretrained_trunk(trunk):
    spec, path, _ = trunk
    regression = regression_model(spec, (2, 96))
    regression.load_weights(str(path))
    model = build_model(spec)
    classifier_before = [w.numpy().copy() for w in model.layers[-1].weights]
    loaded = load_initial_weights(model, str(path))
    trunk_layers = [layer for layer in model.layers if layer.weights
                    and layer.name in {r.name for r in regression.layers}]
    assert loaded == len(trunk_layers) > 0
    for layer in trunk_layers:
        for mine, theirs in zip(layer.weights, regression.get_layer(layer.name).weights):
            np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    # The keyword classifier is not part of the trunk: it keeps its own start.
    for before, after in zip(classifier_before, model.layers[-1].weights):
        np.testing.assert_array_equal(before, after.numpy())


def test_initial_weights_that_are_missing_or_foreign_are_refused(trunk, tmp_path):
    spec, _, _ = trunk
    model = build_model(spec)
    with pytest.raises(KwstinyError, match="is no file"):
        load_initial_weights(model, str(tmp_path / "absent.h5"))
    import tf_keras as keras
    other = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="foreign")])
    other.save_weights(str(tmp_path / "other.h5"))
    with pytest.raises(KwstinyError, match="no weights for any layer"):
        load_initial_weights(model, str(tmp_path / "other.h5"))
    with pytest.raises(KwstinyError, match="initial_weights"):
        TrainSpec(initial_weights="trunk.npz")


def test_a_spec_names_its_initial_weights_in_an_override():
    spec = load_spec("keyword_spotting_alexa-test")
    changed = spec.with_overrides({"train.initial_weights": "/x/trunk.h5"})
    assert changed.train.initial_weights == "/x/trunk.h5"
    with pytest.raises(KwstinyError, match="initial_weights"):
        spec.with_overrides({"train.initial_weights": "/x/trunk.weights"})
