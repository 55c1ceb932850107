"""Training: fit and resume (train), a spec's model and a finished run's model (runs), the
on-disk run state (checkpoints), optimizer, schedules and batch tricks (tricks), teachers
(distill), quantization-aware training (qat) and grids (sweep). Everything here needs the
`[train]` extra (TensorFlow)."""

from kwstiny.tensorflow_quiet import use_legacy_keras

# Every module here imports TensorFlow; it must start with Keras 2 (see use_legacy_keras).
use_legacy_keras()
