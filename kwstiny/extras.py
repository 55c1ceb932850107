"""Optional dependencies: the base install runs, profiles and streams a .tflite; each
extra adds what some commands need. A missing one is a one-line error naming the extra."""

from __future__ import annotations

import importlib
import importlib.util

from kwstiny.errors import KwstinyError

# The modules that make an extra usable (import names, not distribution names).
EXTRA_MODULES = {
    "train": ("tensorflow", "tf_keras", "tensorflow_model_optimization", "audiomentations",
              "sklearn", "matplotlib"),
    "mic": ("sounddevice",),
    "device": ("serial",),
    "select": ("sklearn", "google.protobuf", "matplotlib"),
    "plots": ("matplotlib",),
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken entry
        return False


def require(extra: str, what: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise a KwstinyError naming `extra` if any module it brings (or of `modules`, the
    ones `what` uses) is not installed."""
    missing = [m for m in (modules or EXTRA_MODULES[extra]) if not _installed(m)]
    if missing:
        raise KwstinyError(f"{what} needs {', '.join(missing)}, which kwstiny's base install "
                           f"leaves out: pip install 'kwstiny[{extra}]'")


def load(module: str, extra: str, what: str):
    """Import `module`; if it (or something it imports) is not installed, a KwstinyError
    naming the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise KwstinyError(f"{what} needs {error.name or module}, which kwstiny's base install "
                           f"leaves out: pip install 'kwstiny[{extra}]'") from None
