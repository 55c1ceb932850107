"""Simple: the linear baseline of the trainable STFT/mel study.

The whole spectrogram, flattened, goes through one dense layer to the class scores:
frames x channels x classes + classes parameters (40 x 101 x 12 + 12 = 48,492 for the
study's 12-label task). It shows how much the input features alone carry, which is
the point when the features themselves are trained (kwstiny.models.trainable_frontend).
"""

from __future__ import annotations

# Builders import Keras when called, not when a spec file imports this module:
# loading a spec to run its .tflite must not need TensorFlow.


def Simple(input_shape, n_classes, name="simple"):
    """Flatten -> Dense(n_classes, softmax)."""
    import tf_keras as keras

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = keras.layers.Flatten(name="flatten")(inputs)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name=name)
