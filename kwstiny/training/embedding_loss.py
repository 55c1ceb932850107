"""Feature-level distillation kept through keyword training (distill.embedding_weight).

Pre-training the trunk to reproduce the speech embedding (kwstiny.teachers.
embedding_pretrain) and then training on keywords let the keyword loss overwrite what the
trunk had learned (benchmarks/results/real_voice_ablation.json). Here the two losses are
minimized together: a linear readout of the trunk's output (the model's last time x
channel map) predicts the standardized embedding vectors of each training window's
audio, and the model minimizes its class loss plus `weight` times that mean squared error.

The readout trains with its own optimizer and is held outside the model's weights and
checkpoints (as the voice-invariance head is): the deployed model and `best.weights.h5`
are the plain spec model. A resumed run starts a fresh readout.
"""

from __future__ import annotations

from kwstiny.progress import console

READOUT_LEARNING_RATE = 1e-3


def attach_embedding_readout(model, weight: float, columns: int,
                             class_weights: dict[int, float] | None = None):
    """The compiled `model` as one whose train step also fits a linear readout of its
    trunk to the last `columns` columns of each label row (the window's standardized
    embedding, pipeline.embedding_columns), adding `weight` x that mean squared error to
    the class loss. Its weights, outputs and checkpoints stay the model's own.
    `class_weights` are applied here: Keras' class_weight would misread the wider labels."""
    import tf_keras as keras

    from kwstiny.teachers.embedding_pretrain import feature_map_layer
    from kwstiny.training.tricks import class_weight_vector

    trunk = feature_map_layer(model)
    feature_model = keras.Model(model.inputs, [trunk.output, model.outputs[0]])
    readout = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(columns)],
                               name="embedding_readout")
    readout.build((None,) + tuple(trunk.output.shape[1:]))
    n_classes = int(model.outputs[0].shape[-1])
    weights = class_weight_vector(class_weights, n_classes)
    taught = _taught_class()(inputs=model.inputs, outputs=model.outputs, name=model.name)
    taught.configure(feature_model, readout, keras.optimizers.Adam(READOUT_LEARNING_RATE),
                     weight, n_classes, weights)
    taught.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"])
    console.print(f"embedding loss: weight {weight}, {trunk.name} "
                  f"{tuple(trunk.output.shape[1:])} read out into {columns} embedding values "
                  f"per window")
    return taught


_CLASS = None


def _taught_class():
    """Defined on first use so importing this module does not import TensorFlow."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import tensorflow as tf
    import tf_keras as keras

    from kwstiny.training.tricks import class_weighted

    class EmbeddingTaught(keras.Model):
        """A functional model over the spec model's graph whose train step also fits the
        readout. Readout, its optimizer and the trunk view are held in closures, so they
        are neither part of the weights nor of checkpoints."""

        def configure(self, feature_model, readout, readout_optimizer, weight, n_classes,
                      class_weights):
            self._forward = lambda x: feature_model(x, training=True)
            self._readout = lambda f: readout(f, training=True)
            self._readout_variables = lambda: readout.trainable_variables
            self._readout_optimizer = lambda: readout_optimizer
            self._weight = float(weight)
            self._n_classes = int(n_classes)
            self._class_weights = None if class_weights is None else tf.constant(class_weights)
            self._embedding_mse = keras.metrics.Mean(name="embedding_mse")

        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            n = self._n_classes
            if y.shape[-1] == n:    # no embedding columns (e.g. hard-negative fine-tuning)
                return super().train_step(data)
            y_class, targets = y[:, :n], y[:, n:]
            sample_weight = class_weighted(sample_weight, self._class_weights, y_class)
            with tf.GradientTape(persistent=True) as tape:
                trunk, probs = self._forward(x)
                class_loss = self.compiled_loss(y_class, probs, sample_weight,
                                                regularization_losses=self.losses)
                mse = tf.reduce_mean(tf.square(self._readout(trunk) - targets))
                loss = class_loss + self._weight * mse
            variables = self.trainable_variables
            self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            readout_variables = self._readout_variables()
            self._readout_optimizer().apply_gradients(
                zip(tape.gradient(mse, readout_variables), readout_variables))
            del tape
            self._embedding_mse.update_state(mse)
            results = self.compute_metrics(x, y_class, probs, sample_weight)
            return {**results, "embedding_mse": self._embedding_mse.result()}

        @property
        def metrics(self):
            found = super().metrics
            mine = getattr(self, "_embedding_mse", None)
            return found + ([mine] if mine is not None and mine not in found else [])

    _CLASS = EmbeddingTaught
    return _CLASS
