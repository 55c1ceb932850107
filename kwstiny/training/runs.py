"""A spec's model, compiled for training, and the float model of a finished run: what
training, quantization, evaluation, distillation and data selection all load."""

from __future__ import annotations

from kwstiny import paths
from kwstiny.errors import KwstinyError
from kwstiny.spec import ModelSpec
from kwstiny.training.checkpoints import BEST_WEIGHTS


def build_model(spec: ModelSpec, total_steps: int = 1):
    """The spec's model, compiled with its optimizer, schedule and loss (kwstiny.training.tricks);
    residual gammas start at zero when the spec asks."""
    from kwstiny.training import tricks

    model = spec.model.build(spec.input_shape, len(spec.classes))
    if spec.train.zero_gamma_residual:
        tricks.zero_residual_gammas(model)
    return tricks.compile_model(model, spec, total_steps)


def load_trained_model(spec: ModelSpec):
    """The float model of a finished run (its best epoch)."""
    weights = paths.run_dir(spec.name) / BEST_WEIGHTS
    if not weights.is_file():
        raise KwstinyError(f"{spec.name} has no trained model yet ({weights} is missing): "
                           f"run `kwstiny train {spec.name}` first")
    model = build_model(spec)
    model.load_weights(str(weights))
    return model
