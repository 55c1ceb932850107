"""The MODEL argument of the stream commands: a .tflite file, a run directory, or a spec
name (its run directory's NAME.tflite)."""

from __future__ import annotations

from pathlib import Path

from kwstiny import paths
from kwstiny.errors import KwstinyError


def model_path(model: str) -> Path:
    """The .tflite that MODEL names."""
    path = Path(model).expanduser()
    if path.is_file():
        return path
    if path.suffix == ".tflite":
        raise KwstinyError(f"model file not found: {path}")
    if path.is_dir():
        return _tflite_in(path)
    run = paths.run_dir(str(model))
    if run.is_dir():
        return _tflite_in(run)
    raise KwstinyError(f"no model {model!r}: not a .tflite file, a run directory, or a spec "
                       f"with a quantized model in {run} (kwstiny train {model})")


def _tflite_in(directory: Path) -> Path:
    named = directory / f"{directory.name}.tflite"
    if named.is_file():
        return named
    found = sorted(directory.glob("*.tflite"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise KwstinyError(f"no .tflite in {directory} (expected {named.name}: "
                           f"kwstiny quantize {directory.name})")
    raise KwstinyError(f"{directory} holds several .tflite files and none is {named.name}: "
                       f"name the file instead")


def open_model(model: str, runtime: str = "tflm"):
    """(TfliteModel, its path) for MODEL on the given runtime."""
    from kwstiny.inference import TfliteModel

    path = model_path(model)
    return TfliteModel(path, runtime=runtime), path
