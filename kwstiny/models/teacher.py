"""A convolutional-recurrent teacher with multi-head attention, for distillation.

In the spirit of Att-MH-RNN (de Andrade et al. 2018; the KWT study distils from it):
two small convolutions along time with BN + ReLU, two bidirectional recurrent layers
over the frames, then `heads` attention heads whose queries come from the middle
frame's state and attend over all frames; the concatenated heads go through two
dense layers to the classifier.

The teacher trains and runs in float on the laptop (it only has to label training
batches for a student); recurrent layers are not part of kwstiny's int8 path.
"""

from __future__ import annotations

from kwstiny.errors import check
from kwstiny.models.layers import frames_and_channels

# Builders import Keras when called, not when a spec file imports this module:
# loading a spec to run its .tflite must not need TensorFlow.


def AttMHRNN(input_shape, n_classes, conv_filters=(10, 1), conv_kernel=5, rnn_units=(128, 128),
             rnn="gru", heads=4, dense_units=(64, 32), dropout=0.1, name="att_mh_rnn"):
    """Conv front, bidirectional `rnn` layers, `heads`-head attention, dense classifier."""
    import tf_keras as keras

    check(rnn in ("gru", "lstm"), "model.options", "rnn", rnn, "'gru' or 'lstm'")
    check(heads >= 1, "model.options", "heads", heads, ">= 1")
    check(len(rnn_units) >= 1, "model.options", "rnn_units", rnn_units, "one or more sizes")
    frames, freq = frames_and_channels(input_shape, "the teacher")
    layers = keras.layers
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = layers.Reshape((frames, freq, 1), name="image")(inputs)
    for i, filters in enumerate(conv_filters):
        x = layers.Conv2D(filters, (conv_kernel, 1), padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.ReLU(name=f"conv{i}_relu")(x)
    x = layers.Reshape((frames, freq * conv_filters[-1]), name="sequence")(x)
    cell = layers.GRU if rnn == "gru" else layers.LSTM
    for i, units in enumerate(rnn_units):
        x = layers.Bidirectional(cell(units, return_sequences=True), name=f"{rnn}{i}")(x)
    middle = layers.Flatten(name="middle_state")(
        layers.Cropping1D((frames // 2, frames - frames // 2 - 1), name="middle")(x))
    contexts = []
    for h in range(heads):
        query = layers.Dense(x.shape[-1], name=f"head{h}_query")(middle)
        scores = layers.Dot(axes=(1, 2), name=f"head{h}_scores")([query, x])
        weights = layers.Softmax(name=f"head{h}_weights")(scores)
        contexts.append(layers.Dot(axes=(1, 1), name=f"head{h}_context")([weights, x]))
    y = contexts[0] if heads == 1 else layers.Concatenate(name="heads")(contexts)
    if dropout:
        y = layers.Dropout(dropout, name="dropout")(y)
    for i, units in enumerate(dense_units):
        y = layers.Dense(units, activation="relu" if i == 0 else None, name=f"dense{i}")(y)
    outputs = layers.Dense(n_classes, activation="softmax", name="classifier")(y)
    return keras.Model(inputs, outputs, name=name)
