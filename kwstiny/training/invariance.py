"""Voice invariance: adversarial training between real recordings and synthesized
speech (domain-adversarial training, Ganin et al. 2016, with the domain-confusion loss of
Tzeng et al. 2015).

The real-voice ablation found that real speech put only into the unknown class makes a
model worse on real keywords: it learns that "sounds recorded" means "not the keyword".
With `train.voice_invariance_weight` > 0 a small domain head reads the model's pooled
features (the input of its last Dense layer) and learns to tell the real unknown clips
(`dataset.real_folders`) from the synthetic ones; the model minimizes its class loss
plus the weight times the head's cross-entropy against "can't tell" (0.5), so its
features stop carrying what tells the two apart. The weight ramps from 0 as
2 / (1 + exp(-10 p)) - 1 over training progress p (Ganin et al.). Only unknown-class
clips take part: keywords are all synthetic, so asking about them would teach the head
"keyword = synthetic" and push the keyword out of the features.

The head trains with its own optimizer and is held outside the model's weights and
checkpoints (as a teacher is in distill.py): the deployed model and `best.weights.h5`
are the plain spec model. A resumed run starts a fresh head.
"""

from __future__ import annotations

from kwstiny.progress import console
from kwstiny.spec import ModelSpec

HEAD_UNITS = 32
HEAD_LEARNING_RATE = 1e-3


def attach_domain_head(spec: ModelSpec, model, total_steps: int,
                       class_weights: dict[int, float] | None):
    """The compiled `model` as one that also trains against a real-vs-synthetic head; its
    weights, outputs and checkpoints stay the model's own. `class_weights` (class index ->
    weight) are applied here, since the labels carry the two domain columns
    (pipeline.training_dataset(domains=True)) and Keras' class_weight would misread them."""
    import tf_keras as keras

    from kwstiny.models.layers import penultimate_features
    from kwstiny.training.tricks import class_weight_vector

    features = penultimate_features(model, "invariance_features")
    feature_model = keras.Model(model.inputs, [features, model.outputs[0]])
    head = keras.Sequential([keras.layers.Dense(HEAD_UNITS, activation="relu"),
                             keras.layers.Dense(1)], name="domain_head")
    head.build((None, features.shape[-1]))
    n_classes = len(spec.classes)
    weights = class_weight_vector(class_weights, n_classes)
    invariant = _invariant_class()(inputs=model.inputs, outputs=model.outputs, name=model.name)
    invariant.configure(feature_model, head, keras.optimizers.Adam(HEAD_LEARNING_RATE),
                        spec.train.voice_invariance_weight, total_steps, n_classes, weights)
    invariant.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"])
    console.print(f"voice invariance: weight {spec.train.voice_invariance_weight} against a "
                  f"real-vs-synthetic head on {features.shape[-1]} pooled features")
    return invariant


def ramp(progress):
    """The paper's schedule: 0 at the start, about 0.99 from 60 % of training on."""
    import tensorflow as tf

    return 2.0 / (1.0 + tf.exp(-10.0 * progress)) - 1.0


def _per_domain_mean(values, real, known):
    """Mean of per-sample `values` over the real clips and over the synthetic ones, each
    half of the result (real clips are the few); keywords and silence (known 0) are out."""
    import tensorflow as tf

    eps = 1e-6
    synthetic = known - real
    return 0.5 * (tf.reduce_sum(real * values) / (tf.reduce_sum(real) + eps)
                  + tf.reduce_sum(synthetic * values) / (tf.reduce_sum(synthetic) + eps))


def domain_loss(logits, real, known):
    """The head's binary cross-entropy (real = 1) over the unknown-class clips. `real` and
    `known` are the label's domain columns (blended under mixup: a real share in 0..1)."""
    import tensorflow as tf

    target = tf.math.divide_no_nan(real, known)
    return _per_domain_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits), real, known)


def confusion_loss(logits, real, known):
    """What the model minimizes: the head's cross-entropy against "can't tell" (0.5) on
    the same clips and weights. Its least (ln 2) is where the head learns nothing from the
    features; maximizing the head's own loss instead lets the model fool the current head
    by flipping the cue while keeping it (the features then still tell the domains apart)."""
    import tensorflow as tf

    return _per_domain_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=0.5 * tf.ones_like(logits), logits=logits), real, known)


def domain_balanced_accuracy(logits, real, known):
    """How well the head tells the domains apart (0.5: not at all), by mass of each."""
    import tensorflow as tf

    says_real = tf.cast(logits > 0, logits.dtype)
    target_real = tf.cast(tf.math.divide_no_nan(real, known) > 0.5, logits.dtype)
    return _per_domain_mean(1.0 - tf.abs(says_real - target_real), real, known)


_CLASS = None


def _invariant_class():
    """Defined on first use so importing this module does not import TensorFlow."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import tensorflow as tf
    import tf_keras as keras

    from kwstiny.training.tricks import class_weighted

    class VoiceInvariant(keras.Model):
        """A functional model over the spec model's graph whose train step also plays
        against the domain head. Head, its optimizer and the feature view are held in
        closures, so they are neither part of the weights nor of checkpoints."""

        def configure(self, feature_model, head, head_optimizer, weight, total_steps,
                      n_classes, class_weights):
            self._forward = lambda x: feature_model(x, training=True)
            self._head = lambda f: head(f, training=True)
            self._head_variables = lambda: head.trainable_variables
            self._head_optimizer = lambda: head_optimizer
            self._weight, self._total_steps = float(weight), float(max(1, total_steps))
            self._n_classes = int(n_classes)
            self._class_weights = None if class_weights is None else tf.constant(class_weights)
            self._domain_loss = keras.metrics.Mean(name="domain_loss")
            self._domain_accuracy = keras.metrics.Mean(name="domain_balanced_accuracy")

        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            n = self._n_classes
            if y.shape[-1] == n:    # no domain columns (e.g. hard-negative fine-tuning)
                return super().train_step(data)
            y_class, real, known = y[:, :n], y[:, n], y[:, n + 1]
            sample_weight = class_weighted(sample_weight, self._class_weights, y_class)
            progress = tf.cast(self.optimizer.iterations, tf.float32) / self._total_steps
            strength = self._weight * ramp(tf.minimum(progress, 1.0))
            with tf.GradientTape(persistent=True) as tape:
                features, probs = self._forward(x)
                class_loss = self.compiled_loss(y_class, probs, sample_weight,
                                                regularization_losses=self.losses)
                logits = self._head(features)[:, 0]
                adversary = domain_loss(logits, real, known)
                loss = class_loss + strength * confusion_loss(logits, real, known)
            variables = self.trainable_variables
            self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            head_variables = self._head_variables()
            self._head_optimizer().apply_gradients(
                zip(tape.gradient(adversary, head_variables), head_variables))
            del tape
            self._domain_loss.update_state(adversary)
            self._domain_accuracy.update_state(domain_balanced_accuracy(logits, real, known))
            results = self.compute_metrics(x, y_class, probs, sample_weight)
            return {**results, "domain_loss": self._domain_loss.result(),
                    "domain_balanced_accuracy": self._domain_accuracy.result()}

        @property
        def metrics(self):
            found = super().metrics
            mine = [getattr(self, name, None) for name in ("_domain_loss", "_domain_accuracy")]
            return found + [m for m in mine if m is not None and m not in found]

    _CLASS = VoiceInvariant
    return _CLASS
