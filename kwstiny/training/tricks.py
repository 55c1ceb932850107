"""Training tricks a spec switches on (He et al., "Bag of tricks", and SpecAugment):
the optimizer and its schedule, the loss, zero-gamma residual initialisation, and the
per-batch transforms (SpecAugment masks, mixup).

Each is a setting in `spec.train` or `spec.augment` (see kwstiny.spec); with the
defaults nothing changes from plain Adam on a stepped schedule.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from kwstiny.errors import KwstinyError
from kwstiny.spec import ModelSpec


# Optimizer and schedule --------------------------------------------------------------------

def learning_rate_schedule(spec: ModelSpec, total_steps: int):
    """The spec's schedule over `total_steps` optimizer steps."""
    import tf_keras as keras

    train = spec.train
    if train.learning_rate_schedule == "cosine":
        total_steps = max(1, int(total_steps))
        warmup = min(int(round(total_steps * train.warmup_epochs / train.epochs)),
                     total_steps - 1)
        floor = train.min_learning_rate / train.learning_rate
        if warmup == 0:
            return keras.optimizers.schedules.CosineDecay(
                train.learning_rate, decay_steps=total_steps, alpha=floor)
        return keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=max(1, total_steps - warmup), alpha=floor,
            warmup_target=train.learning_rate, warmup_steps=warmup)
    weights = np.array([w for w, _ in train.learning_rate_steps], float)
    rates = [float(r) for _, r in train.learning_rate_steps]
    ends = np.cumsum(weights) / weights.sum() * total_steps
    boundaries = [max(1, int(round(e))) for e in ends[:-1]]
    for i in range(1, len(boundaries)):  # strictly increasing even for tiny runs
        boundaries[i] = max(boundaries[i], boundaries[i - 1] + 1)
    if not boundaries:
        return rates[0]
    return keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, rates)


def make_optimizer(spec: ModelSpec, model, total_steps: int):
    """Adam, or AdamW when train.weight_decay > 0 (biases and norms exempt unless the
    spec says otherwise); keeping a moving average of the weights when
    train.weight_average_epochs > 0 (see averaged_weights)."""
    import tf_keras as keras

    schedule = learning_rate_schedule(spec, total_steps)
    average = {}
    if spec.train.weight_average_epochs > 0:
        steps = spec.train.weight_average_epochs * total_steps / spec.train.epochs
        average = {"use_ema": True, "ema_momentum": 1.0 - 1.0 / max(steps, 1.0)}
    if spec.train.weight_decay <= 0:
        return keras.optimizers.Adam(schedule, epsilon=spec.train.adam_epsilon, **average)
    optimizer = keras.optimizers.AdamW(learning_rate=schedule,
                                       weight_decay=spec.train.weight_decay,
                                       epsilon=spec.train.adam_epsilon, **average)
    if not spec.train.decay_biases_and_norms:
        optimizer.exclude_from_weight_decay(var_list=undecayed_weights(model))
    return optimizer


def undecayed_weights(model) -> list:
    """What "no bias decay" leaves alone: biases and other 1-D weights, the parameters
    of normalization layers, and KWT's learned tokens and position embeddings."""
    import tf_keras as keras

    from kwstiny.models.bc_resnet import SubSpectralNorm
    from kwstiny.models.kwt import TokenEmbedding

    exempt_types = (keras.layers.BatchNormalization, keras.layers.LayerNormalization,
                    SubSpectralNorm, TokenEmbedding)
    exempt = {id(w) for module in model.submodules if isinstance(module, exempt_types)
              for w in module.trainable_weights}
    return [w for w in model.trainable_weights if id(w) in exempt or len(w.shape) <= 1]


def make_loss(spec: ModelSpec):
    import tf_keras as keras
    return keras.losses.CategoricalCrossentropy(label_smoothing=spec.train.label_smoothing)


def compile_model(model, spec: ModelSpec, total_steps: int = 1):
    """Compile `model` with the spec's optimizer, schedule and loss."""
    model.compile(optimizer=make_optimizer(spec, model, total_steps), loss=make_loss(spec),
                  metrics=["accuracy"])
    return model


@contextmanager
def averaged_weights(model):
    """Inside: the model holds its optimizer's moving average of the trainable weights
    (when it keeps one); on leaving, the weights being trained are back."""
    optimizer = model.optimizer
    if not getattr(optimizer, "use_ema", False):
        yield model
        return
    variables = model.trainable_variables
    current = [v.numpy() for v in variables]
    optimizer.finalize_variable_values(variables)
    try:
        yield model
    finally:
        for variable, value in zip(variables, current):
            variable.assign(value)


# Class weights inside a custom train step ------------------------------------------------------

def class_weight_vector(class_weights: dict[int, float] | None, n_classes: int):
    """Keras' class_weight dict as one weight per class (float32), or None."""
    if class_weights is None:
        return None
    return np.array([class_weights.get(c, 1.0) for c in range(n_classes)], np.float32)


def class_weighted(sample_weight, class_weights, y_class):
    """`sample_weight` times the weight of each row's class (argmax of a possibly blended
    label), for train steps whose labels carry more columns than classes, where Keras'
    class_weight would misread them. `class_weights`: a tensor per class, or None."""
    import tensorflow as tf

    if class_weights is None:
        return sample_weight
    weight = tf.gather(class_weights, tf.argmax(y_class, axis=-1))
    return weight if sample_weight is None else sample_weight * weight


# Zero-gamma ------------------------------------------------------------------------------------

def zero_residual_gammas(model) -> list[str]:
    """Set gamma = 0 in every norm layer that ends a residual branch, so each residual
    block starts as the identity. A residual branch is one whose Add (or a chain of Adds
    after it) also takes the branch's own input: f(x) + x. Projection shortcuts (the
    Add's other input is computed from x, not x itself) are left alone, and so are
    blocks with no identity path at all (e.g. BC-ResNet's transition blocks), where a
    zero gamma would silence the block. Returns the names of the layers changed."""
    import tf_keras as keras

    from kwstiny.models.bc_resnet import SubSpectralNorm

    norm_types = (keras.layers.BatchNormalization, SubSpectralNorm)
    inbound = {layer.name: _inbound(layer) for layer in model.layers}
    consumers = {}
    for name, sources in inbound.items():
        for source in sources:
            consumers.setdefault(source, []).append(name)
    layers = {layer.name: layer for layer in model.layers}
    ancestors_cache = {}

    def ancestors(name):
        if name not in ancestors_cache:
            found = set()
            stack = list(inbound[name])
            while stack:
                current = stack.pop()
                if current not in found:
                    found.add(current)
                    stack.extend(inbound.get(current, []))
            ancestors_cache[name] = found
        return ancestors_cache[name]

    changed = []
    for name, layer in layers.items():
        if not isinstance(layer, norm_types):
            continue
        branch_start = ancestors(name)
        node = name
        while True:
            adds = [c for c in consumers.get(node, [])
                    if isinstance(layers[c], keras.layers.Add)]
            if len(adds) != 1:
                break
            add = adds[0]
            others = [s for s in inbound[add] if s != node]
            if any(o in branch_start for o in others):
                layer.gamma.assign(np.zeros(layer.gamma.shape, np.float32))
                changed.append(name)
                break
            node = add
    return changed


def _inbound(layer) -> list[str]:
    names = []
    for node in layer.inbound_nodes:
        sources = node.inbound_layers
        sources = sources if isinstance(sources, (list, tuple)) else [sources]
        names.extend(s.name for s in sources)
    return names


# Batch transforms --------------------------------------------------------------------------

def batch_transform(spec: ModelSpec):
    """A function (x, y) -> (x, y) for tf.data batches applying SpecAugment and mixup
    as the spec asks, or None when neither is on."""
    augment, train = spec.augment, spec.train
    masks = augment.enable and (
        (augment.spec_time_masks and augment.spec_time_mask_frames)
        or (augment.spec_freq_masks and augment.spec_freq_mask_channels))
    if not masks and train.mixup_alpha <= 0:
        return None
    if masks and spec.model_input == "waveform":
        raise KwstinyError("SpecAugment masks features; this spec's model takes the "
                           "waveform (model_input='waveform'): set augment.spec_*_masks to 0")

    def transform(x, y):
        if masks:
            x = spec_augment(x, augment.spec_time_masks, augment.spec_time_mask_frames,
                             augment.spec_freq_masks, augment.spec_freq_mask_channels)
        if train.mixup_alpha > 0:
            x, y = mixup(x, y, train.mixup_alpha)
        return x, y

    return transform


def spec_augment(x, time_masks: int, max_frames: int, freq_masks: int, max_channels: int):
    """Mask random bands of frames (axis 1) and channels (last axis) in each sample of a
    (batch, frames, 1, channels) batch, filling them with the sample's mean."""
    import tensorflow as tf

    shape = tf.shape(x)
    batch, frames, channels = shape[0], shape[1], shape[-1]
    mean = tf.reduce_mean(x, axis=list(range(1, len(x.shape))), keepdims=True)
    keep = tf.ones_like(x, dtype=tf.bool)

    def bands(count, widest, length, axis):
        nonlocal keep
        for _ in range(count):
            width = tf.random.uniform([batch], 0, widest + 1, dtype=tf.int32)
            width = tf.minimum(width, length)
            start = tf.cast(tf.random.uniform([batch]) * tf.cast(length - width + 1, tf.float32),
                            tf.int32)
            positions = tf.range(length)[None, :]
            inside = (positions >= start[:, None]) & (positions < (start + width)[:, None])
            shape_mask = [-1, 1, 1, 1]
            shape_mask[axis] = length
            keep &= ~tf.reshape(inside, tf.stack([batch] + shape_mask[1:]))

    bands(time_masks, max_frames, frames, 1)
    bands(freq_masks, max_channels, channels, 3)
    return tf.where(keep, x, mean)


def mixup(x, y, alpha: float):
    """Blend each sample with another of the batch: lambda ~ Beta(alpha, alpha) per
    sample, the same lambda for its inputs and its (one-hot) labels."""
    import tensorflow as tf

    batch = tf.shape(x)[0]
    a = tf.random.gamma([batch], alpha)
    b = tf.random.gamma([batch], alpha)
    lam = a / (a + b)
    order = tf.random.shuffle(tf.range(batch))
    lam_x = tf.reshape(lam, tf.concat([[batch], tf.ones([tf.rank(x) - 1], tf.int32)], 0))
    mixed_x = lam_x * x + (1.0 - lam_x) * tf.gather(x, order)
    mixed_y = lam[:, None] * y + (1.0 - lam[:, None]) * tf.gather(y, order)
    return mixed_x, mixed_y
