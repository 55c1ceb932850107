"""Where kwstiny keeps things, and how it writes them without leaving half a file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def home() -> Path:
    """The cache and run root: `KWSTINY_HOME`, default `~/.kwstiny`."""
    return Path(os.environ.get("KWSTINY_HOME", Path.home() / ".kwstiny")).expanduser()


def run_dir(spec_name: str) -> Path:
    """One directory per model holds every artifact its commands write."""
    return home() / "models" / spec_name


def dataset_cache(name: str) -> Path:
    return home() / "datasets" / name


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside `path`; rename it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name ends like the real one (".weights.h5"): some writers pick
    # their format from the suffix.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp" + "".join(path.suffixes),
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, data) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=False, default=_jsonable) + "\n")


def _jsonable(value):
    """numpy scalars and arrays, tuples and paths in results become plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def resolve_tflite(model: str | os.PathLike) -> Path:
    """The .tflite a command's MODEL argument names: a .tflite file, a run directory
    (its `NAME.tflite`, or its only .tflite), or a spec name (`run_dir(NAME)/NAME.tflite`)."""
    from kwstiny.errors import KwstinyError

    path = Path(model).expanduser()
    if path.is_file():
        return path
    if path.suffix == ".tflite":
        raise KwstinyError(f"model file not found: {path}")
    if path.is_dir():
        return _tflite_in(path)
    name = str(model)
    run = run_dir(name)
    if run.is_dir():
        return _tflite_in(run)
    raise KwstinyError(f"no model '{name}': not a .tflite file, a run directory, or a spec with a "
                       f"trained model in {run} (train and quantize it first: "
                       f"kwstiny train {name})")


def _tflite_in(directory: Path) -> Path:
    from kwstiny.errors import KwstinyError

    named = directory / f"{directory.name}.tflite"
    if named.is_file():
        return named
    found = sorted(directory.glob("*.tflite"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise KwstinyError(f"no .tflite in {directory} (expected {named.name}; quantize the "
                           f"model first: kwstiny quantize {directory.name})")
    raise KwstinyError(f"{directory} holds several .tflite files and none is {named.name}: "
                       f"name the file instead")
