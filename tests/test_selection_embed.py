"""Embeddings from a trained model: the penultimate layer, clip by clip."""

import numpy as np
import pytest

from kwstiny.errors import KwstinyError


def test_penultimate_layer_is_the_classifier_input():
    import tf_keras as keras

    from kwstiny.data.selection.embed import penultimate_model
    from kwstiny.models.tenet import TENet6

    model = TENet6(input_shape=(20, 1, 16), n_classes=2)
    embedder = penultimate_model(model)
    x = np.random.default_rng(0).normal(size=(5, 20, 1, 16)).astype(np.float32)
    vectors = embedder.predict(x, verbose=0)
    assert vectors.shape == (5, model.get_layer("classifier").input.shape[-1])
    # The classifier applied to the embedding gives the model's own output.
    classifier = model.get_layer("classifier")
    np.testing.assert_allclose(classifier(vectors).numpy(), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # No classifier, no embedding.
    inputs = keras.Input((4,))
    with pytest.raises(KwstinyError, match="no Dense"):
        penultimate_model(keras.Model(inputs, keras.layers.ReLU()(inputs)))


@pytest.mark.slow
def test_embed_writes_one_vector_per_clip_of_every_split(synthetic_test_dataset, tmp_path):
    import dataclasses

    from kwstiny import paths
    from kwstiny.training.checkpoints import BEST_WEIGHTS
    from kwstiny.data.index import load_index
    from kwstiny.data.pipeline import SpecData
    from kwstiny.data.selection.embed import embed_dataset, penultimate_model
    from kwstiny.data.selection.embeddings import read_npz
    from kwstiny.spec import load_spec
    from kwstiny.training.runs import build_model

    # A "trained" run of its own name: random weights are enough to check the plumbing.
    spec = dataclasses.replace(load_spec("keyword_spotting_alexa-test"),
                               name="selection_embed_probe")
    model = build_model(spec)
    run = paths.run_dir(spec.name)
    run.mkdir(parents=True, exist_ok=True)
    model.save_weights(str(run / BEST_WEIGHTS))

    written = embed_dataset("synthetic_alexa", spec, tmp_path / "emb")
    assert sorted(written) == ["test", "train", "validation"]
    index = load_index(spec.dataset, spec.frontend.sample_rate_hz)
    embedder = penultimate_model(model)
    with SpecData(spec) as data:
        for split, path in written.items():
            emb = read_npz(path)
            clips = {c.sample_id: c for c in index.clips if c.split == split}
            assert sorted(emb.ids.tolist()) == sorted(clips)
            assert emb.classes == ("alexa", "_unknown_")
            expected = [clips[i].label if clips[i].label in emb.classes else "_unknown_"
                        for i in emb.ids]
            assert [emb.classes[k] for k in emb.labels] == expected
            x, _ = data.features(split)
            np.testing.assert_allclose(emb.vectors, embedder.predict(x, verbose=0),
                                       rtol=1e-4, atol=1e-5)
            assert emb.dim == model.get_layer("classifier").input.shape[-1]
