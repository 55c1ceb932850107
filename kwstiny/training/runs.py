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


def load_initial_weights(model, path: str) -> int:
    """Load train.initial_weights into `model` by layer name; returns how many of its
    layers with weights took them. Refuses a missing file or one that shares no layer."""
    from pathlib import Path

    import h5py

    file = Path(path).expanduser()
    if not file.is_file():
        raise KwstinyError(f"train.initial_weights {path!r} is no file")
    with h5py.File(file, "r") as saved:
        names = set(saved.attrs.get("layer_names", []))
    names = {n.decode() if isinstance(n, bytes) else n for n in names}
    matching = [layer for layer in model.layers if layer.weights and layer.name in names]
    if not matching:
        raise KwstinyError(f"train.initial_weights {path!r} holds no weights for any layer of "
                           f"{model.name} (is it from another model?)")
    model.load_weights(str(file), by_name=True, skip_mismatch=True)
    return len(matching)
