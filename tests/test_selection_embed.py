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
