"""Python files found by name on a search path (model specs, dataset recipes) and run
as throwaway modules: they declare settings and are never imported as a package."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType


class FileCatalog:
    """`NAME.py` files in the folders of an environment variable, then a default folder."""

    def __init__(self, env_var: str, default_dir: Path):
        self.env_var = env_var
        self.default_dir = default_dir

    def search_path(self) -> list[Path]:
        extra = [Path(p) for p in os.environ.get(self.env_var, "").split(os.pathsep) if p]
        return extra + [self.default_dir]

    def names(self) -> list[str]:
        found = set()
        for folder in self.search_path():
            if folder.is_dir():
                found.update(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))
        return sorted(found)

    def find(self, name: str) -> Path | None:
        for folder in self.search_path():
            candidate = folder / f"{name}.py"
            if candidate.is_file():
                return candidate
        return None


def run_file(path: Path, kind: str) -> ModuleType:
    """Execute a file as a module under a unique name and return it; it is not left in
    sys.modules (a spec edited and loaded again must run afresh)."""
    module_name = f"kwstiny_{kind}_{path.stem}_{abs(hash(str(path.resolve())))}"
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
    return module
