"""Helpers shared by model families, and the step that turns a training model into
the plain graph that is exported (branches merged, nothing the converter cannot fold).

Spec files import the model modules, and loading a spec to run its .tflite must not
need TensorFlow: nothing here imports tf_keras at module level. Keras layer classes
live in the *_layers modules (tenet_layers, kwt_layers, bc_resnet_layers,
trainable_frontend_layers), which builders import when they run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kwstiny.errors import KwstinyError

if TYPE_CHECKING:  # annotations only, never imported at run time
    import tf_keras as keras


class FloatOnly:
    """Marks a layer that keeps its model off the int8 path (it computes in float on
    the host: trainable STFT / mel bases). export_model refuses such models."""


def penultimate_features(model, name: str = "penultimate"):
    """The input of the model's last Dense layer (its classifier), flattened to
    (batch, features): what data selection embeds and voice invariance reads."""
    import tf_keras as keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise KwstinyError(f"model {model.name} has no Dense classifier layer to take the "
                           f"penultimate features from")
    features = dense[-1].input
    return keras.layers.Flatten(name=name)(features) if len(features.shape) > 2 else features


def frames_and_channels(input_shape, family: str) -> tuple[int, int]:
    """(frames, channels) of a spectrogram input: kwstiny feeds (frames, 1, channels);
    (frames, channels) is accepted too. Anything else is a clear error."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 3 and shape[1] == 1:
        return shape[0], shape[2]
    if len(shape) == 2:
        return shape
    raise KwstinyError(f"{family} takes a (frames, 1, channels) spectrogram; "
                       f"got input shape {tuple(input_shape)}")


def export_model(model: keras.Model) -> keras.Model:
    """The model as it is converted: every MultiScaleTemporalConv becomes one
    DepthwiseConv2D with the merged kernel. Other layers are shared, not copied.
    A model built with Stream layers exports as its window graph (batch 1).
    Models that cannot go the int8 way (float-only layers, recurrent layers) are
    refused with the reason."""
    import tf_keras as keras

    from kwstiny.models.tenet_layers import MultiScaleTemporalConv

    _check_int8_capable(model)
    from kwstiny.models.streaming import is_streamable, window_model
    if is_streamable(model):
        # Built with Stream layers: the non-streaming graph on its own window (batch 1),
        # branches merged; kwstiny.streaming_export makes the streaming one.
        frames = int(model.inputs[0].shape[1])
        return window_model(model, frames, frames)
    merged = {}

    def clone(layer):
        if isinstance(layer, MultiScaleTemporalConv):
            size = max(layer.kernel_sizes)
            new = keras.layers.DepthwiseConv2D((size, 1), strides=(layer.strides, 1),
                                               padding="same", use_bias=True, name=layer.name)
            merged[layer.name] = layer.merged()
            return new
        return layer.__class__.from_config(layer.get_config())

    if not any(isinstance(layer, MultiScaleTemporalConv) for layer in model.layers):
        return model
    exported = keras.models.clone_model(model, clone_function=clone)
    for layer in exported.layers:
        if layer.name in merged:
            layer.set_weights(list(merged[layer.name]))
        else:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return exported


def _nested_layers(model):
    import tf_keras as keras

    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _nested_layers(layer)


def int8_problem(model: keras.Model) -> str | None:
    """Why `model` cannot take the int8 path, or None when it can."""
    import tf_keras as keras

    for layer in _nested_layers(model):
        if isinstance(layer, FloatOnly):
            return (f"model {model.name} computes its own spectrogram in float (layer "
                    f"{layer.name!r}, a trainable STFT/mel basis); it is not for the int8 "
                    "microcontroller path. Export its learned filterbank with "
                    "kwstiny.models.trainable_frontend.export_filterbank instead.")
        if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional)):
            return (f"model {model.name} has a recurrent layer ({layer.name!r}); kwstiny's "
                    "int8 path has no recurrent kernels. Recurrent models (the distillation "
                    "teacher) run in float only.")
    return None


def _check_int8_capable(model: keras.Model) -> None:
    problem = int8_problem(model)
    if problem:
        raise KwstinyError(problem)


def __getattr__(name):
    # MultiScaleTemporalConv used to live here; it imports Keras, so it is loaded on
    # first use (PEP 562) and `from kwstiny.models.layers import MultiScaleTemporalConv`
    # keeps working.
    if name == "MultiScaleTemporalConv":
        from kwstiny.models.tenet_layers import MultiScaleTemporalConv
        return MultiScaleTemporalConv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
