"""Training: fit and resume (train), the on-disk run state (checkpoints), optimizer,
schedules and batch tricks (tricks), teachers (distill), quantization-aware training
(qat) and grids (sweep). Everything here needs the `[train]` extra (TensorFlow)."""
