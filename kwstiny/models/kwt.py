"""KWT: the Keyword Transformer (Berg, O'Connor, Tairum Cruz, 2021).

The spectrogram is cut into patches, each patch is projected to `d_model`, a learned
class token (and, for DeiT-style distillation, a distillation token) is put in front,
a learned position embedding is added, and `num_layers` transformer encoder blocks
follow. The class token's final state feeds a dense classifier.

Attention types (the reference's `--attention_type`):
- "time": one patch per frame (frames x channels -> frames tokens of `channels`)
- "freq": one patch per channel (channels tokens of `frames`)
- "both": a time and a freq encoder side by side; their class tokens are concatenated
- "patch": rectangular `patch_size` (time, freq) patches, like ViT

Blocks are postnorm by default (x = LN(x + MHSA(x)); x = LN(x + MLP(x))), prenorm on
request. Query, key and value projections have no bias, as in the reference, so the
presets land on its published sizes (12 labels, time attention, 98 x 40 input):
KWT-1 607 K, KWT-2 2,394 K, KWT-3 5,361 K parameters.

With `distill_token=True` the model carries two heads, "class_head" on the class token
and "distill_head" on the distillation token; the model's output is their mean
probability (what is deployed), and `distillation_heads(model)` returns the two heads
separately for hard distillation training (kwstiny.training.distill).

GELU: TFLite lowers `gelu` to its GELU builtin, which the TFLM runtime does not have.
`activation="gelu_tanh"` (the default) spells the tanh approximation out in
elementwise ops (MUL, ADD, TANH) that TFLM runs in int8; "gelu" keeps the exact
erf form for float work; "relu" is there for the smallest models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kwstiny.errors import KwstinyError, check
from kwstiny.models.layers import frames_and_channels

if TYPE_CHECKING:  # annotations only, never imported at run time
    import tf_keras as keras

# Builders import Keras (and kwt_layers) when called, not when a spec file imports this
# module: loading a spec to run its .tflite must not need TensorFlow.

ATTENTION_TYPES = ("time", "freq", "both", "patch")
ACTIVATIONS = ("gelu_tanh", "gelu", "relu")
_KERAS_LAYERS = ("GeluTanh", "TokenEmbedding", "SelfAttention")


def __getattr__(name):
    # The layer classes live in kwt_layers (tf_keras at import); kwt.GeluTanh and
    # `from kwstiny.models.kwt import TokenEmbedding` load it on first use (PEP 562).
    if name in _KERAS_LAYERS:
        from kwstiny.models import kwt_layers
        return getattr(kwt_layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _activation(kind, name):
    import tf_keras as keras

    from kwstiny.models.kwt_layers import GeluTanh

    if kind == "gelu_tanh":
        return GeluTanh(name=name)
    if kind == "gelu":
        return keras.layers.Activation("gelu", name=name)  # exact (erf) form
    return keras.layers.ReLU(name=name)


def _encoder_block(x, d_model, heads, mlp_dim, dropout, prenorm, activation, name):
    import tf_keras as keras

    from kwstiny.models.kwt_layers import SelfAttention, _init

    layers = keras.layers
    norm1 = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm1")
    norm2 = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm2")
    attention = SelfAttention(d_model, heads, name=f"{name}_attention")

    def mlp(t):
        t = layers.Dense(mlp_dim, kernel_initializer=_init(), name=f"{name}_mlp1")(t)
        t = _activation(activation, f"{name}_act")(t)
        return layers.Dense(d_model, kernel_initializer=_init(), name=f"{name}_mlp2")(t)

    def drop(t, which):
        return layers.Dropout(dropout, name=f"{name}_drop{which}")(t) if dropout else t

    if prenorm:
        x = layers.Add(name=f"{name}_add1")([x, drop(attention(norm1(x)), 1)])
        return layers.Add(name=f"{name}_add2")([x, drop(mlp(norm2(x)), 2)])
    x = norm1(layers.Add(name=f"{name}_add1")([x, drop(attention(x), 1)]))
    return norm2(layers.Add(name=f"{name}_add2")([x, drop(mlp(x), 2)]))


def _project(patches, d_model, name):
    import tf_keras as keras

    from kwstiny.models.kwt_layers import _init

    return keras.layers.Dense(d_model, kernel_initializer=_init(),
                              name=f"{name}_patch_proj")(patches)


def _encoder(x, n_tokens, num_layers, d_model, heads, mlp_dim, dropout, prenorm,
             activation, name):
    """Token states after the encoder, from projected patches (batch, patches, d_model):
    returns [class token, (distillation token)]."""
    import tf_keras as keras

    from kwstiny.models.kwt_layers import TokenEmbedding

    layers = keras.layers
    x = TokenEmbedding(n_tokens, name=f"{name}_tokens")(x)
    for i in range(num_layers):
        x = _encoder_block(x, d_model, heads, mlp_dim, dropout, prenorm, activation,
                           f"{name}_block{i}")
    n = x.shape[1]
    return [layers.Flatten(name=f"{name}_token{t}")(
        layers.Cropping1D((t, n - t - 1), name=f"{name}_take{t}")(x)) for t in range(n_tokens)]


def KWT(input_shape, n_classes, attention="time", patch_size=(1, 40), num_layers=12, heads=3,
        d_model=192, mlp_dim=768, dropout=0.0, prenorm=False, distill_token=False,
        activation="gelu_tanh", name="kwt"):
    """A Keyword Transformer on a (frames, 1, channels) spectrogram; see the module doc."""
    import tf_keras as keras

    from kwstiny.models.kwt_layers import _init

    check(attention in ATTENTION_TYPES, "model.options", "attention", attention,
          " / ".join(ATTENTION_TYPES))
    check(activation in ACTIVATIONS, "model.options", "activation", activation,
          " / ".join(ACTIVATIONS))
    for key, value in (("num_layers", num_layers), ("heads", heads), ("d_model", d_model),
                       ("mlp_dim", mlp_dim)):
        check(int(value) >= 1, "model.options", key, value, "an integer >= 1")
    check(d_model % heads == 0, "model.options", "d_model", d_model,
          f"a multiple of heads ({heads})")
    check(0.0 <= dropout < 1.0, "model.options", "dropout", dropout, "0.0 <= dropout < 1.0")
    frames, channels = frames_and_channels(input_shape, "KWT")
    layers = keras.layers
    inputs = keras.Input(shape=tuple(input_shape), name="input")
    spectrogram = layers.Reshape((frames, channels), name="spectrogram")(inputs)
    n_tokens = 2 if distill_token else 1
    common = dict(n_tokens=n_tokens, num_layers=num_layers, d_model=d_model, heads=heads,
                  mlp_dim=mlp_dim, dropout=dropout, prenorm=prenorm, activation=activation)

    token_sets = []
    if attention in ("time", "both"):
        token_sets.append(_encoder(_project(spectrogram, d_model, "time"), name="time",
                                   **common))
    if attention in ("freq", "both"):
        by_channel = layers.Permute((2, 1), name="by_channel")(spectrogram)
        token_sets.append(_encoder(_project(by_channel, d_model, "freq"), name="freq",
                                   **common))
    if attention == "patch":
        patches = _patch_embeddings(inputs, frames, channels, patch_size, d_model)
        token_sets.append(_encoder(patches, name="patch", **common))
    if len(token_sets) == 1:
        tokens = token_sets[0]
    else:
        tokens = [layers.Concatenate(name=f"both_token{t}")([s[t] for s in token_sets])
                  for t in range(n_tokens)]

    head_names = ["class_head", "distill_head"][:n_tokens]
    probabilities = [layers.Softmax(name=f"{head}_softmax")(
        layers.Dense(n_classes, kernel_initializer=_init(), name=head)(token))
        for head, token in zip(head_names, tokens)]
    outputs = (probabilities[0] if n_tokens == 1
               else layers.Average(name="probabilities")(probabilities))
    return keras.Model(inputs, outputs, name=name)


def _patch_embeddings(inputs, frames, channels, patch_size, d_model):
    """Non-overlapping (time, freq) patches, each projected to d_model. Partial patches at
    the edges are dropped, like the reference's VALID patch extraction. A convolution
    with kernel = stride = patch size is exactly a dense layer on each flattened patch
    (same parameters) and exports as one CONV_2D."""
    import tf_keras as keras

    from kwstiny.models.kwt_layers import _init

    layers = keras.layers
    try:
        pt, pf = (int(v) for v in patch_size)
    except (TypeError, ValueError):
        raise KwstinyError(f"model.options.patch_size = {patch_size!r} is not allowed: "
                           "a (time, freq) pair of integers") from None
    check(1 <= pt <= frames and 1 <= pf <= channels, "model.options", "patch_size",
          patch_size, f"(time, freq) with 1 <= time <= {frames} and 1 <= freq <= {channels}")
    rows, cols = frames // pt, channels // pf
    x = layers.Reshape((frames, channels, 1), name="image")(inputs)
    x = layers.Conv2D(d_model, (pt, pf), strides=(pt, pf), kernel_initializer=_init(),
                      name="patch_patch_proj")(x)
    return layers.Reshape((rows * cols, d_model), name="patch_sequence")(x)


def distillation_heads(model: keras.Model) -> keras.Model:
    """The same layers with two outputs, (class head, distillation head) probabilities,
    for DeiT-style hard distillation. The model must have been built with
    distill_token=True."""
    import tf_keras as keras

    try:
        heads = [model.get_layer(f"{h}_softmax").output for h in ("class_head", "distill_head")]
    except ValueError:
        raise KwstinyError(f"model {model.name} has no distillation token; build it with "
                           "model.options distill_token=True") from None
    return keras.Model(model.inputs, heads, name=f"{model.name}_heads")


def KWT1(input_shape, n_classes, attention="time", patch_size=(1, 40), dropout=0.0,
         prenorm=False, distill_token=False, activation="gelu_tanh"):
    """KWT-1: 12 layers, 1 head, d_model 64, mlp 256 (607 K parameters, 12 labels)."""
    return KWT(input_shape, n_classes, attention, patch_size, num_layers=12, heads=1,
               d_model=64, mlp_dim=256, dropout=dropout, prenorm=prenorm,
               distill_token=distill_token, activation=activation, name="kwt1")


def KWT2(input_shape, n_classes, attention="time", patch_size=(1, 40), dropout=0.0,
         prenorm=False, distill_token=False, activation="gelu_tanh"):
    """KWT-2: 12 layers, 2 heads, d_model 128, mlp 512 (2,394 K parameters, 12 labels)."""
    return KWT(input_shape, n_classes, attention, patch_size, num_layers=12, heads=2,
               d_model=128, mlp_dim=512, dropout=dropout, prenorm=prenorm,
               distill_token=distill_token, activation=activation, name="kwt2")


def KWT3(input_shape, n_classes, attention="time", patch_size=(1, 40), dropout=0.0,
         prenorm=False, distill_token=False, activation="gelu_tanh"):
    """KWT-3: 12 layers, 3 heads, d_model 192, mlp 768 (5,361 K parameters, 12 labels)."""
    return KWT(input_shape, n_classes, attention, patch_size, num_layers=12, heads=3,
               d_model=192, mlp_dim=768, dropout=dropout, prenorm=prenorm,
               distill_token=distill_token, activation=activation, name="kwt3")
