"""Knowledge distillation: a student spec trains against a teacher spec's trained model.

`spec.distill.teacher` names the teacher (a spec whose run has finished, a sweep run such
as SPEC.seed-2, or a `kwstiny ensemble` run; it must take the same input and predict the
same classes). Two modes (spec.distill.mode):

- "hard" (DeiT): the student carries a distillation token (KWT distill_token=True).
  Its class head learns the true labels, its distillation head the teacher's top class;
  the deployed output is the mean of both heads.
- "soft" (Hinton et al.): the student's output (its distillation head, when it has
  one) is pulled towards the teacher's probabilities softened by `temperature`, with
  KL divergence scaled by temperature^2.

The loss is (1 - alpha) x label loss + alpha x distillation loss. The teacher runs in
inference mode and is not part of the student's weights or checkpoints.
"""

from __future__ import annotations

from kwstiny.errors import KwstinyError
from kwstiny.progress import console
from kwstiny.spec import ModelSpec, load_run_spec


def attach_teacher(spec: ModelSpec, student):
    """The compiled `student` as a model that trains against the spec's teacher; its
    weights, outputs and checkpoints are the student's own."""
    from kwstiny.ensemble import float_model
    from kwstiny.models.kwt import distillation_heads

    settings = spec.distill
    teacher_spec = load_run_spec(settings.teacher)
    if tuple(teacher_spec.input_shape) != tuple(spec.input_shape):
        raise KwstinyError(f"teacher {teacher_spec.name} takes input {teacher_spec.input_shape}, "
                           f"the student {spec.name} {spec.input_shape}: they must match")
    if tuple(teacher_spec.classes) != tuple(spec.classes):
        raise KwstinyError(f"teacher {teacher_spec.name} predicts {list(teacher_spec.classes)}, "
                           f"the student {spec.name} {list(spec.classes)}: they must match, "
                           "in the same order")
    teacher = float_model(settings.teacher)
    teacher.trainable = False
    try:
        heads = distillation_heads(student)
    except KwstinyError:
        if settings.mode == "hard":
            raise KwstinyError(f"hard distillation needs a student with a distillation token; "
                               f"{spec.model.name} has none (KWT: model.options "
                               f"distill_token=True), or use distill.mode 'soft'") from None
        heads = None
    model = _distilled_class()(inputs=student.inputs, outputs=student.outputs,
                               name=student.name)
    model.configure(teacher, heads, settings.mode, settings.temperature, settings.alpha)
    model.compile(optimizer=student.optimizer, loss=student.loss, metrics=["accuracy"])
    console.print(f"distilling from {teacher_spec.name} ({settings.mode}, alpha "
                  f"{settings.alpha}" + (f", temperature {settings.temperature})"
                                         if settings.mode == "soft" else ")"))
    return model


_CLASS = None


def _distilled_class():
    """Defined on first use so importing this module does not import TensorFlow."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import tensorflow as tf
    import tf_keras as keras

    class Distilled(keras.Model):
        """A functional model over the student's graph whose train step also asks the
        teacher. The teacher is held in a closure, so it is neither trained nor saved."""

        def configure(self, teacher, heads, mode, temperature, alpha):
            self._teacher = lambda x: teacher(x, training=False)
            self._heads = None if heads is None else (lambda x: heads(x, training=True))
            self._mode, self._temperature, self._alpha = mode, float(temperature), float(alpha)
            self._distill_tracker = keras.metrics.Mean(name="distill_loss")

        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            teacher_p = tf.stop_gradient(self._teacher(x))
            with tf.GradientTape() as tape:
                if self._heads is not None:
                    class_p, distill_p = self._heads(x)
                    output = (class_p + distill_p) / 2.0
                else:
                    class_p = distill_p = output = self(x, training=True)
                label_loss = self.compiled_loss(y, class_p, sample_weight,
                                                regularization_losses=self.losses)
                distill_loss = distillation_loss(teacher_p, distill_p, self._mode,
                                                 self._temperature, sample_weight)
                loss = (1.0 - self._alpha) * label_loss + self._alpha * distill_loss
            self.optimizer.minimize(loss, self.trainable_variables, tape=tape)
            self._distill_tracker.update_state(distill_loss)
            results = self.compute_metrics(x, y, output, sample_weight)
            return {**results, "distill_loss": self._distill_tracker.result()}

        @property
        def metrics(self):
            found = super().metrics
            tracker = getattr(self, "_distill_tracker", None)
            return found + ([tracker] if tracker is not None and tracker not in found else [])

    _CLASS = Distilled
    return _CLASS


def distillation_loss(teacher_p, student_p, mode: str, temperature: float,
                      sample_weight=None):
    """Per-batch distillation loss from probabilities. "hard": cross-entropy to the
    teacher's top class. "soft": T^2 x KL(teacher_T || student_T), where p_T =
    softmax(log p / T) (probabilities give the logits up to a constant)."""
    import tensorflow as tf

    eps = 1e-7
    if mode == "hard":
        target = tf.one_hot(tf.argmax(teacher_p, axis=-1), tf.shape(teacher_p)[-1])
        per_sample = -tf.reduce_sum(target * tf.math.log(tf.clip_by_value(student_p, eps, 1.0)),
                                    axis=-1)
    else:
        t = tf.nn.softmax(tf.math.log(tf.clip_by_value(teacher_p, eps, 1.0)) / temperature)
        log_s = tf.nn.log_softmax(tf.math.log(tf.clip_by_value(student_p, eps, 1.0)) / temperature)
        per_sample = temperature ** 2 * tf.reduce_sum(
            t * (tf.math.log(tf.clip_by_value(t, eps, 1.0)) - log_s), axis=-1)
    if sample_weight is not None:
        weight = tf.cast(tf.reshape(sample_weight, [-1]), per_sample.dtype)
        return tf.reduce_sum(per_sample * weight) / tf.cast(tf.size(per_sample), per_sample.dtype)
    return tf.reduce_mean(per_sample)
